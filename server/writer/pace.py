"""The per-device issue limit, kept by the hall's writer.

Every issue of every server process passes through the one writer, so a count it keeps in
memory is exact and atomic without a database statement on the hot path: of 40 requests one
kiosk sends at once against a limit of 30, exactly 30 go on. The count is a sliding minute
per device token; a restarted writer starts counting again, which lets at most one more
minute's worth through.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta
from math import ceil

from ..engine import QueueError
from ..services.actors import Actor, Role

MINUTE = timedelta(minutes=1)


class IssuePace:
    """At most ``per_minute`` issues per kiosk in any minute; 0 turns the limit off."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._times: dict[int, deque[datetime]] = {}
        self._lock = threading.Lock()

    def admit(self, actor: Actor, now: datetime) -> None:
        """Count an issue by ``actor``, or raise ``rate_limited`` with the seconds to wait."""
        if self.per_minute <= 0 or actor.role is not Role.KIOSK or actor.device_id is None:
            return
        with self._lock:
            times = self._times.setdefault(actor.device_id, deque())
            while times and times[0] <= now - MINUTE:
                times.popleft()
            if len(times) >= self.per_minute:
                wait = max(1, ceil((times[0] + MINUTE - now).total_seconds()))
                raise QueueError("rate_limited", f"this kiosk may issue at most {self.per_minute} tickets a "
                                 "minute; wait a moment", retry_after_s=wait, limit="kiosk-issues")
            times.append(now)
            if len(self._times) > 10_000:   # devices gone quiet: forget them
                self._forget(now)

    def _forget(self, now: datetime) -> None:
        for device, times in list(self._times.items()):
            if not times or times[-1] <= now - MINUTE:
                del self._times[device]
