"""Elapsed-time display with an injectable clock.

Times shown at the counter are measured on the counter's own monotonic clock from the moment
the app learnt of a change, offset by what the server reported: the counter's wall clock
may be off, the difference between two server times is not.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

Clock = Callable[[], float]


@dataclass(frozen=True)
class Since:
    """A phase that was ``offset_s`` old at monotonic time ``at``."""

    at: float
    offset_s: float = 0.0

    def elapsed(self, now: float) -> float:
        return max(0.0, self.offset_s + now - self.at)


def since_now(clock: Clock = time.monotonic, offset_s: float = 0.0) -> Since:
    return Since(clock(), offset_s)


def duration(seconds: float) -> str:
    """``mm:ss`` below an hour, ``h:mm:ss`` above."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes:02d}:{secs:02d}"
