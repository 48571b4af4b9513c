"""The database use cases and the in-memory hall make the same decisions.

Both are built from the same pure engine functions; this test drives them side by side with
random operations and compares every outcome (the ticket called, the error code) and every
ticket's state after each step.
"""

from __future__ import annotations

from datetime import timedelta

from hallq.server.engine import (
    HallRules,
    MemoryHall,
    Queue,
    QueueError,
    Route,
    RoutingPolicy,
    Window,
    WindowState,
)
from hallq.server.models import Queue as QueueRow
from hallq.server.models import Ticket, WindowQueue
from hallq.server.models import Window as WindowRow
from hallq.server.services import tickets as tc
from hallq.server.services import windows as wc
from hallq.server.services.actors import SYSTEM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.support.hall import build_hall

SERVICES = ["amr-001", "amr-002", "tax-001", "grn-001"]
ops = st.one_of(
    st.tuples(st.just("issue"), st.sampled_from(SERVICES), st.sampled_from(["normal", "elderly", "green"])),
    st.tuples(st.just("call_next"), st.sampled_from([1, 2, 3, 9])),
    st.tuples(st.sampled_from(["recall", "start", "finish", "no_show", "hold"]), st.sampled_from([1, 2, 3, 9])),
    st.tuples(st.just("call_number"), st.sampled_from([1, 2, 3, 9]), st.integers(0, 12)),
    st.tuples(st.just("resume"), st.sampled_from([1, 2, 3, 9]), st.integers(0, 12)),
    st.tuples(st.just("transfer"), st.integers(0, 12), st.sampled_from(["amr-reg", "amr-food", "tax-inv"])),
    st.tuples(st.just("pause"), st.sampled_from([1, 2, 3, 9])),
    st.tuples(st.just("open"), st.sampled_from([1, 2, 3, 9])),
)


def memory_twin(db, small) -> MemoryHall:
    hall = MemoryHall(HallRules())
    with db.read() as s:
        for q in s.scalars(select(QueueRow)):
            hall.add_queue(Queue(q.id, q.prefix, q.name_zh, q.daily_quota, q.waiting_target_s,
                                 default_service_s=q.default_service_s))
        for w in s.scalars(select(WindowRow)):
            routes = s.execute(select(WindowQueue.queue_id, WindowQueue.weight).where(WindowQueue.window_id == w.id)
                               .order_by(WindowQueue.position)).all()
            hall.add_window(Window(w.id, w.number, WindowState.CLOSED, RoutingPolicy(w.policy)),
                            Route(tuple(r[0] for r in routes), tuple(r[1] for r in routes)))
            hall.open(w.id)
    return hall


def outcome(fn):
    try:
        result = fn()
    except QueueError as exc:
        return ("error", exc.code)
    if isinstance(result, tuple):
        result = result[0]
    return ("ok", getattr(result, "number", None))


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(ops, min_size=10, max_size=40))
def test_database_and_memory_hall_agree(db, now, steps):
    from hallq.server.models import Base
    from sqlalchemy import delete

    with db.write() as s:  # hypothesis reuses the fixture's database: start from empty
        for table in reversed(Base.metadata.sorted_tables):
            s.execute(delete(table))
    small = build_hall(db, now)
    small.open_all(now)
    mem = memory_twin(db, small)
    windows = small.windows
    queues = small.queues
    with db.read() as s:
        queue_of_service = {code: s.get(tc.ServiceItem, sid).queue_id for code, sid in small.services.items()}
    numbers: list[str] = []
    t = now
    for step in steps:
        t += timedelta(seconds=37)
        kind = step[0]
        with db.write() as s:
            if kind == "issue":
                _, service, priority = step
                got_db = outcome(lambda: tc.issue_ticket(s, small.services[service], actor=SYSTEM, now=t, secret=b"s",
                                                         priority=priority))
                got_mem = outcome(lambda: mem.issue(queue_of_service[service], t, priority=priority))
                if got_db[0] == "ok":
                    numbers.append(got_db[1])
            elif kind == "call_next":
                got_db = outcome(lambda: wc.call_next(s, step[1], actor=SYSTEM, now=t))
                got_mem = outcome(lambda: mem.call_next(windows[step[1]], t))
            elif kind in ("recall", "start", "finish", "no_show", "hold"):
                got_db = outcome(lambda: getattr(wc, kind)(s, step[1], actor=SYSTEM, now=t))
                got_mem = outcome(lambda: getattr(mem, kind)(windows[step[1]], t))
            elif kind in ("call_number", "resume"):
                if not numbers:
                    continue
                number = numbers[step[2] % len(numbers)]
                if kind == "call_number":
                    got_db = outcome(lambda: wc.call_number(s, step[1], number, actor=SYSTEM, now=t))
                    got_mem = outcome(lambda: mem.call_specific(windows[step[1]], number, t))
                else:
                    got_db = outcome(lambda: wc.resume(s, step[1], number, actor=SYSTEM, now=t))
                    got_mem = outcome(lambda: mem.resume(windows[step[1]], mem.find(number).id, t))
            elif kind == "transfer":
                if not numbers:
                    continue
                number = numbers[step[1] % len(numbers)]
                ticket_id = tc.by_number(s, number, t).id
                got_db = outcome(lambda: wc.transfer_ticket(s, ticket_id, queues[step[2]], actor=SYSTEM, now=t))
                got_mem = outcome(lambda: mem.transfer(mem.find(number).id, queues[step[2]], t))
            elif kind == "pause":
                got_db = outcome(lambda: wc.pause_window(s, step[1], "break", actor=SYSTEM, now=t))
                got_mem = outcome(lambda: mem.pause(windows[step[1]], "break"))
            else:
                got_db = outcome(lambda: wc.open_window(s, step[1], actor=SYSTEM, now=t))
                got_mem = outcome(lambda: mem.open(windows[step[1]]))
            if got_db[0] == "error":
                s.rollback()
        assert got_db[0] == got_mem[0], (step, got_db, got_mem)
        if got_db[0] == "ok" and got_db[1] is not None and got_mem[1] is not None:
            assert got_db[1] == got_mem[1], (step, got_db, got_mem)
        if got_db[0] == "error":
            assert got_db[1] == got_mem[1], (step, got_db, got_mem)
        with db.read() as s:
            stored = {r.number: (r.status, r.queue_id, r.window_id) for r in s.scalars(select(Ticket))}
        remembered = {x.number: (x.status.value, x.queue_id, x.window_id) for x in mem.tickets.values()}
        assert stored == remembered, step
