"""The per-kiosk issue limit kept by the writer."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from hallq.server.engine import QueueError
from hallq.server.services.actors import Role, device_actor, staff_actor
from hallq.server.writer.pace import IssuePace


def test_a_kiosk_is_refused_past_its_minute_and_told_how_long_to_wait(now):
    pace = IssuePace(3)
    kiosk = device_actor(1, Role.KIOSK.value)
    for i in range(3):
        pace.admit(kiosk, now + timedelta(seconds=i * 10))
    with pytest.raises(QueueError) as refused:
        pace.admit(kiosk, now + timedelta(seconds=25))
    assert refused.value.code == "rate_limited" and refused.value.details["retry_after_s"] == 35
    pace.admit(device_actor(2, Role.KIOSK.value), now)          # another kiosk has its own minute
    pace.admit(kiosk, now + timedelta(seconds=60))              # the first issue has left the minute


def test_staff_and_a_limit_of_zero_are_not_counted(now):
    pace = IssuePace(1)
    clerk = staff_actor(5, "clerk")
    for _ in range(10):
        pace.admit(clerk, now)
    off = IssuePace(0)
    for _ in range(100):
        off.admit(device_actor(1, Role.KIOSK.value), now)


def test_parallel_issues_of_one_kiosk_are_admitted_exactly_up_to_the_limit(now):
    pace = IssuePace(30)
    kiosk = device_actor(1, Role.KIOSK.value)

    def attempt(_: int) -> bool:
        try:
            pace.admit(kiosk, now)
        except QueueError:
            return False
        return True

    with ThreadPoolExecutor(16) as pool:
        admitted = list(pool.map(attempt, range(200)))
    assert admitted.count(True) == 30
