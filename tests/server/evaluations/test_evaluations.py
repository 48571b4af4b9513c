"""Recording 好差评 ratings: who may rate what and when, what is stored, what is published
(never the level), and the reports."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hallq.server.engine import QueueError
from hallq.server.models import Evaluation, LiveEvent
from hallq.server.models.followups import FollowUp
from hallq.server.services import evaluations as ec
from hallq.server.services import tickets as tc
from hallq.server.services.actors import SYSTEM
from sqlalchemy import func, select

from .conftest import serve


def rate(db, ticket_id, level, actor, *, now, **kw):
    with db.write() as s:
        return ec.record(s, ticket_id, level, actor=actor, now=now, **kw).id


def refused(db, code, ticket_id, level, actor, *, now, **kw):
    with db.read() as s:
        before = s.scalar(select(func.count()).select_from(Evaluation))
    with pytest.raises(QueueError) as err:
        rate(db, ticket_id, level, actor, now=now, **kw)
    assert err.value.code == code
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Evaluation)) == before
    return err.value


def test_a_rating_is_recorded_with_window_staff_service_and_times(hall, people, db, now):
    tid = serve(db, hall, people["clerk"], now=now)
    done = now + timedelta(minutes=5)
    eid = rate(db, tid, 4, people["clerk"], now=done + timedelta(minutes=1), reasons=[" 态度好 ", ""],
               comment="谢谢", channel="screen")
    with db.read() as s:
        e = s.get(Evaluation, eid)
        assert (e.ticket_id, e.level, e.reasons, e.comment, e.channel, e.stage) == (
            tid, 4, ["态度好"], "谢谢", "screen", "completed")
        assert (e.window_id, e.staff_number, e.service_id) == (hall.windows[1], "C001", hall.services["amr-001"])
        assert e.department_id is not None and e.staff_id == people["clerk"].id
        assert (e.accepted_at, e.completed_at) == (now + timedelta(minutes=1), done)
        assert s.scalar(select(func.count()).select_from(FollowUp)) == 0


def test_the_live_event_names_ticket_and_window_but_not_the_level(hall, people, db, now):
    tid = serve(db, hall, people["clerk"], now=now)
    rate(db, tid, 1, people["clerk"], now=now + timedelta(minutes=6))
    with db.read() as s:
        event = s.scalars(select(LiveEvent).where(LiveEvent.type == "evaluation.recorded")).one()
    assert set(event.payload) == {"ticket_number", "window_number", "at"}
    assert (event.payload["ticket_number"], event.payload["window_number"]) == ("A001", 1)


def test_one_rating_per_service(hall, people, db, now):
    tid = serve(db, hall, people["clerk"], now=now)
    rate(db, tid, 5, people["clerk"], now=now + timedelta(minutes=6))
    refused(db, "already_evaluated", tid, 1, people["manager"], now=now + timedelta(minutes=7))


def test_only_finished_tickets_are_rated(hall, people, db, now):
    with db.write() as s:
        waiting, _ = tc.issue_ticket(s, hall.services["amr-001"], actor=hall.kiosk, now=now, secret=b"s")
    refused(db, "not_finished", waiting.id, 5, people["manager"], now=now)
    refused(db, "unknown_ticket", 999, 5, people["manager"], now=now)


@pytest.mark.parametrize("level", [0, 6, -1])
def test_levels_are_one_to_five(hall, people, db, now, level):
    tid = serve(db, hall, people["clerk"], now=now)
    refused(db, "invalid_value", tid, level, people["clerk"], now=now + timedelta(minutes=6))


def test_a_window_rates_only_its_own_services_within_the_time(hall, people, db, now):
    at_window_1 = serve(db, hall, people["clerk"], now=now)
    refused(db, "forbidden", at_window_1, 5, people["counter"], now=now + timedelta(minutes=6))
    refused(db, "evaluation_closed", at_window_1, 5, people["clerk"], now=now + timedelta(minutes=16))
    rate(db, at_window_1, 2, people["manager"], now=now + timedelta(hours=3))   # a manager may, later
    at_window_2 = serve(db, hall, SYSTEM, window=2, now=now + timedelta(minutes=20))
    rate(db, at_window_2, 5, people["counter"], now=now + timedelta(minutes=26), channel="evaluator")
    refused(db, "invalid_value", at_window_2, 5, people["manager"], now=now, channel="paper")


def test_summary_per_window_staff_department_and_service(hall, people, db, now):
    levels = [5, 5, 4, 2, 1]
    for i, level in enumerate(levels):
        at = now + timedelta(minutes=10 * i)
        rate(db, serve(db, hall, people["clerk"], now=at), level, people["clerk"], now=at + timedelta(minutes=6))
    other = serve(db, hall, SYSTEM, window=2, service="amr-002", now=now + timedelta(hours=2))
    rate(db, other, 3, SYSTEM, now=now + timedelta(hours=2, minutes=6))
    day = date(2026, 3, 4)
    with db.read() as s:
        by_window = {t.key: t.as_dict() for t in ec.summary(s, start=day, end=day, by="window", now=now)}
        by_staff = {t.key: t for t in ec.summary(s, start=day, end=day, by="staff", now=now)}
        by_service = ec.summary(s, start=day, end=day, by="service", now=now)
        by_department = ec.summary(s, start=day, end=day, by="department", now=now)
        nothing = ec.summary(s, start=day + timedelta(days=1), end=day + timedelta(days=2), by="window", now=now)
    assert by_window[1]["levels"] == {"1": 1, "2": 1, "3": 0, "4": 1, "5": 2}
    assert (by_window[1]["total"], by_window[1]["average"], by_window[1]["bad"]) == (5, 3.4, 2)
    assert (by_window[2]["total"], by_window[2]["average"], by_window[2]["bad"]) == (1, 3.0, 0)
    assert by_staff["C001"].total == 5 and by_staff["C001"].label_zh == "王窗口"
    assert [(t.label_zh, t.total) for t in by_service] == [("企业设立登记", 5), ("食品经营许可证核发", 1)]
    assert [(t.label_zh, t.total) for t in by_department] == [("市场监督管理局", 6)]
    assert nothing == []
    for start, end, by in ((day, day, "floor"), (day, day - timedelta(days=1), "window"),
                           (date.min, day, "window")):
        with db.read() as s, pytest.raises(QueueError) as err:
            ec.summary(s, start=start, end=end, by=by, now=now)
        assert err.value.code == "invalid_value"
