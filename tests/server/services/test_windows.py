from datetime import timedelta

import pytest
from hallq.server.engine import QueueError
from hallq.server.models import Queue, Ticket, TicketEvent, Window
from hallq.server.services import tickets as tc
from hallq.server.services import windows as wc
from hallq.server.services.actors import SYSTEM, Role, staff_actor
from sqlalchemy import select


def issue(hall, s, service="amr-001", *, now, **kw):
    return tc.issue_ticket(s, hall.services[service], actor=SYSTEM, now=now, secret=b"s", **kw)[0]


def test_full_service_cycle_and_audit_trail(hall, db, now):
    with db.write() as s:
        t = issue(hall, s, now=now)
    with db.write() as s:
        called, _ = wc.call_next(s, 1, actor=SYSTEM, now=now + timedelta(minutes=1))
        assert called.id == t.id and called.status == "called"
        wc.recall(s, 1, actor=SYSTEM, now=now + timedelta(minutes=2))
        wc.start(s, 1, actor=SYSTEM, now=now + timedelta(minutes=3))
        done = wc.finish(s, 1, actor=SYSTEM, now=now + timedelta(minutes=8), case_number="ZW2026-0001")
    with db.read() as s:
        trail = [(e.action, e.from_status, e.to_status) for e in
                 s.scalars(select(TicketEvent).where(TicketEvent.ticket_id == t.id).order_by(TicketEvent.id))]
        assert trail == [("issue", None, "waiting"), ("call", "waiting", "called"), ("recall", "called", "called"),
                         ("start", "called", "serving"), ("finish", "serving", "done")]
        assert s.get(Window, hall.windows[1]).current_ticket_id is None
        queue = s.get(Queue, hall.queues["amr-reg"])
        assert queue.mean_service_s == 300 and queue.waiting_count == 0
        assert done.case_number == "ZW2026-0001"


def test_call_next_on_an_empty_window_returns_none(hall, db, now):
    with db.write() as s:
        assert wc.call_next(s, 1, actor=SYSTEM, now=now) == (None, False)


@pytest.mark.parametrize(("setup", "code"), [
    ("closed", "window_closed"), ("paused", "window_paused"), ("busy", "window_busy")])
def test_call_next_refused_with_a_reason(hall, db, now, setup, code):
    with db.write() as s:
        issue(hall, s, now=now)
        issue(hall, s, now=now)
        if setup == "closed":
            wc.close_window(s, 1, actor=SYSTEM, now=now)
        elif setup == "paused":
            wc.pause_window(s, 1, "午休", actor=SYSTEM, now=now)
        else:
            wc.call_next(s, 1, actor=SYSTEM, now=now)
    with pytest.raises(QueueError) as err, db.write() as s:
        wc.call_next(s, 1, actor=SYSTEM, now=now)
    assert err.value.code == code


def test_finishing_with_nobody_at_the_window_is_refused(hall, db, now):
    with pytest.raises(QueueError) as err, db.write() as s:
        wc.finish(s, 1, actor=SYSTEM, now=now)
    assert err.value.code == "window_idle"


def test_unknown_window(hall, db, now):
    with pytest.raises(QueueError) as err, db.write() as s:
        wc.call_next(s, 77, actor=SYSTEM, now=now)
    assert err.value.code == "unknown_window"


def test_clerk_acts_only_at_own_window(hall, db, now):
    clerk = staff_actor(5, Role.CLERK.value, window_id=hall.windows[2])
    with db.write() as s:
        issue(hall, s, now=now)
    with pytest.raises(QueueError) as err, db.write() as s:
        wc.call_next(s, 1, actor=clerk, now=now)
    assert err.value.code == "forbidden"


def test_no_show_then_reactivated_by_calling_the_number(hall, db, now):
    with db.write() as s:
        t = issue(hall, s, now=now)
        wc.call_next(s, 1, actor=SYSTEM, now=now)
        wc.no_show(s, 1, actor=SYSTEM, now=now + timedelta(minutes=3))
    with db.write() as s:
        again, _ = wc.call_number(s, 2, "A001", actor=SYSTEM, now=now + timedelta(minutes=10))
    assert again.id == t.id and again.status == "called" and again.window_id == hall.windows[2]


def test_reactivation_after_grace_is_refused(hall, db, now):
    with db.write() as s:
        issue(hall, s, now=now)
        wc.call_next(s, 1, actor=SYSTEM, now=now)
        wc.no_show(s, 1, actor=SYSTEM, now=now)
    with pytest.raises(QueueError) as err, db.write() as s:
        wc.call_number(s, 1, "A001", actor=SYSTEM, now=now + timedelta(hours=2))
    assert err.value.code == "reactivation_expired"


def test_recall_limit(hall, db, now):
    with db.write() as s:
        issue(hall, s, now=now)
        wc.call_next(s, 1, actor=SYSTEM, now=now)
        wc.recall(s, 1, actor=SYSTEM, now=now)
        wc.recall(s, 1, actor=SYSTEM, now=now)
    with pytest.raises(QueueError) as err, db.write() as s:
        wc.recall(s, 1, actor=SYSTEM, now=now)
    assert err.value.code == "recall_limit"


def test_hold_call_others_then_resume(hall, db, now):
    with db.write() as s:
        first = issue(hall, s, now=now)
        second = issue(hall, s, now=now + timedelta(seconds=1))
        wc.call_next(s, 1, actor=SYSTEM, now=now)
        wc.start(s, 1, actor=SYSTEM, now=now)
        assert wc.hold(s, 1, actor=SYSTEM, now=now).status == "held"
        assert wc.call_next(s, 1, actor=SYSTEM, now=now)[0].id == second.id
        wc.finish(s, 1, actor=SYSTEM, now=now)
    with pytest.raises(QueueError) as err, db.write() as s:
        wc.resume(s, 2, "A001", actor=SYSTEM, now=now)   # held by window 1, not 2
    assert err.value.code == "not_served_here"
    with db.write() as s:
        back = wc.resume(s, 1, "A001", actor=SYSTEM, now=now)
    assert back.id == first.id and back.status == "called"


def test_transfer_keeps_number_and_place(hall, db, now):
    with db.write() as s:
        early = issue(hall, s, now=now)
        issue(hall, s, "tax-001", now=now + timedelta(minutes=5))
        wc.call_next(s, 1, actor=SYSTEM, now=now + timedelta(minutes=6))
        moved = wc.transfer(s, 1, hall.queues["tax-inv"], actor=SYSTEM, now=now + timedelta(minutes=7))
        assert (moved.number, moved.status, moved.queue_id) == ("A001", "waiting", hall.queues["tax-inv"])
        assert s.get(Window, hall.windows[1]).current_ticket_id is None
        # window 3 serves amr-food first, then tax-inv: the transferred ticket, issued
        # earlier, is first in its new queue (一票到底).
        assert wc.call_next(s, 3, actor=SYSTEM, now=now + timedelta(minutes=8))[0].id == early.id
    with db.read() as s:
        assert s.get(Queue, hall.queues["tax-inv"]).waiting_count == 1
        assert s.get(Queue, hall.queues["amr-reg"]).waiting_count == 0


def test_transfer_to_the_same_queue_is_refused(hall, db, now):
    with db.write() as s:
        issue(hall, s, now=now)
        wc.call_next(s, 1, actor=SYSTEM, now=now)
    with pytest.raises(QueueError) as err, db.write() as s:
        wc.transfer(s, 1, hall.queues["amr-reg"], actor=SYSTEM, now=now)
    assert err.value.code == "same_queue"


def test_sla_window_prefers_the_queue_past_its_target(hall, db, now):
    with db.write() as s:
        issue(hall, s, "amr-002", now=now)                          # target 30 min
        tax = issue(hall, s, "tax-001", now=now + timedelta(minutes=2))  # target 10 min
        got, _ = wc.call_next(s, 3, actor=SYSTEM, now=now + timedelta(minutes=15))
    assert got.id == tax.id


def test_sweep_marks_overdue_no_shows_and_expires_yesterday(hall, db, now):
    with db.write() as s:
        issue(hall, s, now=now)
        issue(hall, s, now=now)
        wc.call_next(s, 1, actor=SYSTEM, now=now)
    with db.write() as s:
        assert wc.sweep(s, now=now + timedelta(minutes=5), actor=SYSTEM) == {"no_show": 1, "expired": 0}
    with db.write() as s:
        assert wc.sweep(s, now=now + timedelta(days=1), actor=SYSTEM) == {"no_show": 0, "expired": 2}
    with db.read() as s:
        assert sorted(t.status for t in s.scalars(select(Ticket))) == ["expired", "expired"]
        assert s.get(Queue, hall.queues["amr-reg"]).waiting_count == 0


def test_routing_change_takes_effect_on_the_next_call(hall, db, now):
    with db.write() as s:
        issue(hall, s, now=now)
        tax = issue(hall, s, "tax-001", now=now)
        wc.set_routing(s, 1, [hall.queues["tax-inv"]], policy="strict", weights=None, actor=SYSTEM, now=now)
        assert wc.call_next(s, 1, actor=SYSTEM, now=now)[0].id == tax.id
    with pytest.raises(QueueError) as err, db.write() as s:
        wc.set_routing(s, 1, [424242], policy=None, weights=None, actor=SYSTEM, now=now)
    assert err.value.code == "unknown_queue"
    with pytest.raises(QueueError) as err, db.write() as s:
        wc.set_routing(s, 1, [hall.queues["tax-inv"]], policy="random", weights=None, actor=SYSTEM, now=now)
    assert err.value.code == "invalid_policy"


def test_transfer_by_number_frees_the_window_that_called_it(hall, db, now):
    with db.write() as s:
        issue(hall, s, now=now)
        wc.call_next(s, 1, actor=SYSTEM, now=now)           # A001 is called at window 1
        wc.transfer(s, 2, hall.queues["tax-inv"], actor=SYSTEM, now=now, number="A001")
    with db.read() as s:
        assert s.get(Window, hall.windows[1]).current_ticket_id is None
        assert s.scalars(select(Ticket)).one().status == "waiting"
