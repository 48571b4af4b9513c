"""Pacing frames on a shared bus. Pure: the caller supplies ``now``."""

from __future__ import annotations


class Pacer:
    """Keeps at least ``gap_s`` between the starts of consecutive frames: slow displays on
    a shared RS-485 bus miss a frame that follows the previous one too closely."""

    def __init__(self, gap_s: float) -> None:
        if gap_s < 0:
            raise ValueError("gap_s must not be negative")
        self.gap_s = gap_s
        self._last: float | None = None

    def delay(self, now: float) -> float:
        """Seconds to wait before the next frame may go out."""
        if self._last is None:
            return 0.0
        return max(0.0, self._last + self.gap_s - now)

    def sent(self, now: float) -> None:
        self._last = now
