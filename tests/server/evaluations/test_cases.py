"""Time-limited cases: due dates in working days from the service guide's promised days."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hallq.server.engine import QueueError
from hallq.server.models import ServiceItem
from hallq.server.services import appointments as ac
from hallq.server.services import cases as cc
from hallq.server.services.actors import SYSTEM

from .conftest import serve


def promise(db, hall, service, days):
    with db.write() as s:
        item = s.get(ServiceItem, hall.services[service])
        item.guide = {**(item.guide or {}), "promised_days": days}


def listed(db, state, now):
    with db.read() as s:
        return [(c.ticket.case_number, c.due_on.isoformat(), c.days_left, c.state)
                for c in cc.cases(s, state=state, now=now)]


def test_due_dates_days_left_and_states(hall, people, db, now):
    promise(db, hall, "amr-001", 3)
    promise(db, hall, "amr-002", 10)
    serve(db, hall, people["clerk"], now=now, case_number="ZW-1")                     # due Mon 9 Mar
    serve(db, hall, SYSTEM, window=2, service="amr-002", now=now, case_number="ZW-2")  # due Wed 18 Mar
    serve(db, hall, people["clerk"], now=now + timedelta(minutes=30))                 # no case number
    assert listed(db, "all", now) == [("ZW-1", "2026-03-09", 3, "open"), ("ZW-2", "2026-03-18", 10, "open")]
    friday = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
    assert listed(db, "approaching", friday) == [("ZW-1", "2026-03-09", 1, "approaching")]
    tuesday = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
    assert listed(db, "overdue", tuesday) == [("ZW-1", "2026-03-09", -1, "overdue")]
    assert listed(db, "approaching", tuesday) == []


def test_holidays_push_the_due_date(hall, people, db, now):
    promise(db, hall, "amr-001", 3)
    with db.write() as s:
        ac.save_config(s, {"holidays": ["2026-03-05", "2026-03-06"]}, actor=SYSTEM, now=now)
    serve(db, hall, people["clerk"], now=now, case_number="ZW-9")
    assert listed(db, "all", now) == [("ZW-9", "2026-03-11", 3, "open")]


def test_closing_a_case(hall, people, db, now):
    promise(db, hall, "amr-001", 1)
    tid = serve(db, hall, people["clerk"], now=now, case_number="ZW-5")
    later = datetime(2026, 3, 6, 2, 0, tzinfo=UTC)
    assert listed(db, "overdue", later) == [("ZW-5", "2026-03-05", -1, "overdue")]
    with db.write() as s:
        case = cc.close(s, tid, note="已发证", actor=people["manager"], now=later)
        assert case.as_dict()["closed_on_time"] is False and case.state == "closed"
    assert listed(db, "overdue", later) == [] and listed(db, "all", later)[0][3] == "closed"
    other = serve(db, hall, people["clerk"], now=now + timedelta(minutes=20))
    for ticket_id, code, actor in ((tid, "case_closed", people["manager"]), (other, "unknown_case", people["manager"]),
                                   (tid, "forbidden", people["clerk"])):
        with pytest.raises(QueueError) as err, db.write() as s:
            cc.close(s, ticket_id, actor=actor, now=later)
        assert err.value.code == code
