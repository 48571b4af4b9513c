"""Finished services to rate: a clerk at window 1 serves tickets of the small hall."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hallq.server.models import Staff
from hallq.server.services import accounts
from hallq.server.services import tickets as tc
from hallq.server.services import windows as wc
from hallq.server.services.actors import SYSTEM, device_actor, staff_actor


@pytest.fixture
def people(hall, db, now):
    """A clerk signed in at window 1, a manager, and the counter terminal of window 2."""
    with db.write() as s:
        # Rows rather than accounts.add_staff: nobody signs in here, and hashing is slow.
        clerk = Staff(username="clerk1", display_name="王窗口", staff_number="C001", role="clerk", password_hash="-")
        manager = Staff(username="boss", display_name="李值班", staff_number="M001", role="manager", password_hash="-")
        s.add_all([clerk, manager])
        counter, _ = accounts.add_device(s, "counter", "counter-2", actor=SYSTEM, now=now, window_number=2)
        s.flush()
        ids = clerk.id, manager.id, counter.id
    return {"clerk": staff_actor(ids[0], "clerk", window_id=hall.windows[1], staff_number="C001"),
            "manager": staff_actor(ids[1], "manager", staff_number="M001"),
            "counter": device_actor(ids[2], "counter", window_id=hall.windows[2])}


def serve(db, hall, actor, *, now, window=1, service="amr-001", case_number=None, minutes=5):
    """Issue, call, start and finish one ticket at ``window``; returns the ticket id."""
    with db.write() as s:
        t, _ = tc.issue_ticket(s, hall.services[service], actor=hall.kiosk, now=now, secret=b"s")
        wc.call_number(s, window, t.number, actor=actor, now=now + timedelta(seconds=30))
        wc.start(s, window, actor=actor, now=now + timedelta(minutes=1))
        wc.finish(s, window, actor=actor, now=now + timedelta(minutes=minutes), case_number=case_number)
        return t.id
