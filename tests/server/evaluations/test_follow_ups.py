"""A bad rating opens a follow-up: assign, call-back note, resolve; overdue past its deadline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hallq.server.engine import QueueError
from hallq.server.models import AuditEntry
from hallq.server.models.followups import FollowUp
from hallq.server.services import appointments as ac
from hallq.server.services import evaluations as ec
from hallq.server.services.actors import SYSTEM
from sqlalchemy import select

from .conftest import serve


def bad_rating(db, hall, people, now, level=1):
    tid = serve(db, hall, people["clerk"], now=now)
    with db.write() as s:
        ec.record(s, tid, level, reasons=["等候时间长"], actor=people["clerk"], now=now + timedelta(minutes=6))
    with db.read() as s:
        return s.scalars(select(FollowUp.id).order_by(FollowUp.id.desc())).first()


def states(db, now):
    with db.read() as s:
        return {state: [f.id for f, _ in ec.follow_ups(s, state=state, now=now)]
                for state in ("open", "overdue", "resolved", "all")}


def test_the_follow_up_lifecycle(hall, people, db, now):
    fid = bad_rating(db, hall, people, now)
    with db.read() as s:
        row = s.get(FollowUp, fid)
        # Wednesday 10:06 + 5 working days: the end of next Wednesday, Beijing time.
        assert row.deadline == datetime(2026, 3, 11, 16, 0, tzinfo=UTC)
        assert (row.status, row.owner_staff_id, row.notes) == ("open", None, [])
    manager = people["manager"]
    later = now + timedelta(hours=1)
    with db.write() as s:
        ec.assign(s, fid, people["clerk"].id, actor=manager, now=later)
        ec.add_note(s, fid, "已电话回访，群众反映等候过久", actor=manager, now=later)
    assert states(db, later)["open"] == [fid]
    with db.write() as s:
        ec.resolve(s, fid, "增开窗口，高峰时段弹性排班", actor=manager, now=later + timedelta(days=1))
    with db.read() as s:
        row = s.get(FollowUp, fid)
        assert (row.status, row.owner_staff_id, row.resolved_by) == ("resolved", people["clerk"].id, manager.id)
        assert [n["text"] for n in row.notes] == ["已电话回访，群众反映等候过久"]
        assert row.resolution.startswith("增开窗口")
        assert [a for (a,) in s.execute(select(AuditEntry.action).where(AuditEntry.action.like("follow_up.%"))
                                        .order_by(AuditEntry.id))] == [
            "follow_up.assign", "follow_up.note", "follow_up.resolve"]
    assert states(db, later) == {"open": [], "overdue": [], "resolved": [fid], "all": [fid]}
    for step in (lambda s: ec.resolve(s, fid, "again", actor=manager, now=later),
                 lambda s: ec.add_note(s, fid, "more", actor=manager, now=later)):
        with pytest.raises(QueueError) as err, db.write() as s:
            step(s)
        assert err.value.code == "already_resolved"


def test_overdue_means_open_past_the_deadline(hall, people, db, now):
    with db.write() as s:
        ac.save_config(s, {"follow_up_days": 1}, actor=SYSTEM, now=now)
    first = bad_rating(db, hall, people, now, level=2)
    second = bad_rating(db, hall, people, now + timedelta(days=1), level=1)
    thursday_night = datetime(2026, 3, 5, 15, 59, tzinfo=UTC)   # 23:59 Thursday in Beijing
    friday = datetime(2026, 3, 5, 16, 1, tzinfo=UTC)
    assert states(db, thursday_night)["overdue"] == []
    assert states(db, friday)["overdue"] == [first]
    assert states(db, friday)["open"] == [first, second]


def test_good_ratings_open_no_follow_up_and_errors_change_nothing(hall, people, db, now):
    tid = serve(db, hall, people["clerk"], now=now)
    with db.write() as s:
        ec.record(s, tid, 3, actor=people["clerk"], now=now + timedelta(minutes=6))
    assert states(db, now)["all"] == []
    fid = bad_rating(db, hall, people, now + timedelta(minutes=30))
    manager = people["manager"]
    for call, code in ((lambda s: ec.assign(s, 999, people["clerk"].id, actor=manager, now=now), "unknown_follow_up"),
                       (lambda s: ec.assign(s, fid, 999, actor=manager, now=now), "unknown_staff"),
                       (lambda s: ec.add_note(s, fid, "  ", actor=manager, now=now), "invalid_value"),
                       (lambda s: ec.resolve(s, fid, "done", actor=people["clerk"], now=now), "forbidden")):
        with pytest.raises(QueueError) as err, db.write() as s:
            call(s)
        assert err.value.code == code
    with db.read() as s:
        row = s.get(FollowUp, fid)
        assert (row.status, row.owner_staff_id, row.notes) == ("open", None, [])
