"""Time as the kiosk's view-models see it: an injectable monotonic clock and the idle timer."""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

Clock = Callable[[], float]   # seconds, monotonic


class Idle(StrEnum):
    ACTIVE = "active"
    WARNING = "warning"     # the visitor is told the kiosk will go back to the start
    EXPIRED = "expired"     # go back to the start and forget what was typed


class IdleTimer:
    """Seconds since the last touch, against a timeout with a warning before it.

    The clock is injected so tests can move time; the UI calls ``touch()`` on every touch
    and ``state()`` once a second.
    """

    def __init__(self, timeout_s: float, warning_s: float = 10.0, clock: Clock = time.monotonic) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        self.timeout_s = timeout_s
        self.warning_s = min(max(warning_s, 0.0), timeout_s)
        self.clock = clock
        self._last = clock()

    def touch(self) -> None:
        self._last = self.clock()

    def idle_for(self) -> float:
        return max(0.0, self.clock() - self._last)

    def remaining(self) -> float:
        return max(0.0, self.timeout_s - self.idle_for())

    def state(self) -> Idle:
        left = self.remaining()
        if left <= 0:
            return Idle.EXPIRED
        if left <= self.warning_s:
            return Idle.WARNING
        return Idle.ACTIVE

    def set_timeout(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.warning_s = min(self.warning_s, timeout_s)
