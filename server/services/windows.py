"""Window actions: call next, call a number, recall, start, finish, no-show, hold, resume,
transfer, and opening, pausing and closing a window."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import CompoundSelect, Select, bindparam, select, text, union_all
from sqlalchemy.orm import Session

from .. import engine as eng
from ..engine import tickets as rules_of
from ..events import TicketRef, WindowChanged, WindowRef, publish
from ..models import AuditEntry, Queue, Staff, Ticket, Window, WindowQueue
from . import appointments, idempotency
from .actors import Actor, Role
from .hall import get_hall, hall_rules
from .lifecycle import lock_ticket, record, view
from .sql import is_postgres
from .tickets import by_number


def _lock_window(session: Session, number: int) -> Window:
    window = session.scalars(select(Window).where(Window.number == number).with_for_update()).first()
    if window is None:
        raise eng.QueueError("unknown_window", f"no window {number}", window=number)
    return window


def authorize(actor: Actor, window: Window) -> None:
    """A clerk or counter terminal acts only at its own window; managers at any."""
    if actor.role in (Role.MANAGER, Role.ADMIN, Role.SYSTEM):
        return
    if actor.role in (Role.CLERK, Role.COUNTER) and actor.window_id == window.id:
        return
    raise eng.QueueError("forbidden", f"not allowed to act at window {window.number}", window=window.number)


def _engine_window(w: Window) -> eng.Window:
    return eng.Window(id=w.id, number=w.number, state=eng.WindowState(w.state),
                      policy=eng.RoutingPolicy(w.policy), current_ticket_id=w.current_ticket_id,
                      pause_reason=w.pause_reason)


def _route(session: Session, window: Window) -> eng.Route:
    rows = session.execute(select(WindowQueue.queue_id, WindowQueue.weight)
                           .where(WindowQueue.window_id == window.id)
                           .order_by(WindowQueue.position)).all()
    return eng.Route(tuple(r[0] for r in rows), tuple(r[1] for r in rows))


@lru_cache(maxsize=64)
def _sqlite_heads(n: int) -> CompoundSelect[tuple[int, int, int]] | Select[tuple[int, int, int]]:
    """Heads of ``n`` queues (bound as q0..q{n-1}) in one statement; built once per ``n``
    because building it costs more than running it."""
    parts = []
    for i in range(n):
        head = (select(Ticket.queue_id, Ticket.id, Ticket.sort_key)
                .where(Ticket.queue_id == bindparam(f"q{i}"), Ticket.status == eng.TicketStatus.WAITING.value)
                .order_by(Ticket.sort_key, Ticket.id).limit(1).subquery())
        parts.append(select(head.c.queue_id, head.c.id, head.c.sort_key))
    return union_all(*parts) if n > 1 else parts[0]


# PostgreSQL: the head of every queue in one statement; each head row is locked and rows other
# windows hold are skipped, exactly as one SELECT ... FOR UPDATE SKIP LOCKED per queue would.
_PG_HEADS = text(
    "SELECT h.queue_id, h.id, h.sort_key FROM unnest(CAST(:ids AS integer[])) AS q(queue_id) "
    "CROSS JOIN LATERAL (SELECT t.queue_id, t.id, t.sort_key FROM tickets AS t "
    "WHERE t.queue_id = q.queue_id AND t.status = 'waiting' ORDER BY t.sort_key, t.id "
    "LIMIT 1 FOR UPDATE OF t SKIP LOCKED) AS h")


def _heads(session: Session, targets: dict[int, int]) -> dict[int, eng.Head]:
    """The first waiting ticket of each queue: one index seek per queue, all in one round
    trip (a comprehensive window serves a dozen queues). On PostgreSQL the head rows are
    locked and rows other windows hold are skipped, so two windows never claim one ticket;
    on SQLite the write transaction already excludes every other writer."""
    if not targets:
        return {}
    if is_postgres(session):
        rows = session.execute(_PG_HEADS, {"ids": list(targets)}).all()
    else:
        rows = session.execute(_sqlite_heads(len(targets)), {f"q{i}": q for i, q in enumerate(targets)}).all()
    return {int(q): eng.Head(int(q), int(tid), int(key), targets[int(q)]) for q, tid, key in rows}


def _window_event(session: Session, window: Window, now: datetime) -> None:
    current = session.get(Ticket, window.current_ticket_id) if window.current_ticket_id else None
    staff = session.get(Staff, window.staff_id) if window.staff_id else None
    publish(session, WindowChanged(
        window=WindowRef.of(window), state=window.state, pause_reason=window.pause_reason,
        current_ticket=TicketRef.of(current) if current else None,
        staff_number=staff.staff_number if staff else "", at=now))


def _call(session: Session, window: Window, row: Ticket, *, actor: Actor, now: datetime,
          detail: dict[str, object] | None = None) -> Ticket:
    called = rules_of.call(view(row), window.id, now)
    record(session, row, eng.Action.CALL, called, actor=actor, now=now, detail=detail)
    window.current_ticket_id = row.id
    if actor.staff_id is not None:
        window.staff_id = actor.staff_id
    return row


def _ticket_result(row: Ticket | None) -> dict[str, int | None]:
    return {"ticket_id": row.id if row is not None else None}


def _replayed(session: Session, result: dict[str, int | None]) -> Ticket | None:
    tid = result.get("ticket_id")
    return session.get(Ticket, tid) if tid is not None else None


def keyed(operation: str) -> Callable[[Callable[..., Ticket]], Callable[..., Ticket]]:
    """Give a window action an optional ``idempotency_key``: a retry of a request whose answer
    was lost replays the first outcome instead of acting again (or failing as 'window_idle')."""

    def wrap(action: Callable[..., Ticket]) -> Callable[..., Ticket]:
        @functools.wraps(action)
        def run(session: Session, window_number: int, *args: Any, actor: Actor, now: datetime,
                idempotency_key: str | None = None, **kwargs: Any) -> Ticket:
            def act() -> dict[str, int | None]:
                return _ticket_result(action(session, window_number, *args, actor=actor, now=now, **kwargs))

            request = {"args": [str(a) for a in args], **{k: str(v) for k, v in kwargs.items()}}
            result, _ = idempotency.once(session, actor, idempotency_key, f"{operation}:{window_number}",
                                         request, act)
            row = _replayed(session, result)
            assert row is not None
            return row

        return run

    return wrap


def call_next(session: Session, window_number: int, *, actor: Actor, now: datetime,
              idempotency_key: str | None = None) -> tuple[Ticket | None, bool]:
    """Call the next ticket to a window; (None, _) when nobody is waiting for it."""

    def run() -> dict[str, int | None]:
        window = _lock_window(session, window_number)
        authorize(actor, window)
        eng.check_can_call(_engine_window(window))
        route = _route(session, window)
        targets = dict(session.execute(select(Queue.id, Queue.waiting_target_s)
                                       .where(Queue.id.in_(route.queue_ids))).all())
        heads = _heads(session, {qid: targets.get(qid, 1800) for qid in route.queue_ids})
        credits = {int(k): int(v) for k, v in (window.credits or {}).items()}
        choice = eng.choose(eng.RoutingPolicy(window.policy), route, heads, now_ms=eng.to_ms(now),
                            credits=credits)
        if choice.credits != credits:
            window.credits = {str(k): v for k, v in choice.credits.items()}
        if choice.head is None:
            return _ticket_result(None)
        row = session.get(Ticket, choice.head.ticket_id)
        assert row is not None
        return _ticket_result(_call(session, window, row, actor=actor, now=now))

    result, replayed = idempotency.once(session, actor, idempotency_key, f"call-next:{window_number}", {}, run)
    return _replayed(session, result), replayed


def call_number(session: Session, window_number: int, number: str, *, actor: Actor, now: datetime,
                idempotency_key: str | None = None) -> tuple[Ticket, bool]:
    """Call a specific ticket (a visitor who came back); a no-show within its grace period
    is re-activated first."""

    def run() -> dict[str, int | None]:
        window = _lock_window(session, window_number)
        authorize(actor, window)
        eng.check_can_call(_engine_window(window))
        row = by_number(session, number, now)
        row = lock_ticket(session, row.id)
        if row.queue_id not in _route(session, window).queue_ids:
            raise eng.QueueError("not_served_here",
                                 f"window {window.number} does not serve the queue of {row.number}",
                                 ticket=row.number)
        if row.status == eng.TicketStatus.NO_SHOW.value:
            rules = hall_rules(get_hall(session))
            record(session, row, eng.Action.REACTIVATE, rules_of.reactivate(view(row), now, rules),
                   actor=actor, now=now)
        return _ticket_result(_call(session, window, row, actor=actor, now=now, detail={"specific": True}))

    result, replayed = idempotency.once(session, actor, idempotency_key, f"call-number:{window_number}",
                                        {"number": number.upper()}, run)
    row = _replayed(session, result)
    assert row is not None
    return row, replayed


def _current(session: Session, window_number: int, actor: Actor) -> tuple[Window, Ticket]:
    window = _lock_window(session, window_number)
    authorize(actor, window)
    tid = eng.windows.current_or_error(_engine_window(window))
    return window, lock_ticket(session, tid)


@keyed("recall")
def recall(session: Session, window_number: int, *, actor: Actor, now: datetime) -> Ticket:
    window, row = _current(session, window_number, actor)
    rules = hall_rules(get_hall(session))
    return record(session, row, eng.Action.RECALL, rules_of.recall(view(row), window.id, now, rules),
                  actor=actor, now=now)


@keyed("start")
def start(session: Session, window_number: int, *, actor: Actor, now: datetime) -> Ticket:
    window, row = _current(session, window_number, actor)
    return record(session, row, eng.Action.START, rules_of.start(view(row), window.id, now),
                  actor=actor, now=now)


@keyed("finish")
def finish(session: Session, window_number: int, *, actor: Actor, now: datetime,
           case_number: str | None = None) -> Ticket:
    window, row = _current(session, window_number, actor)
    done = rules_of.finish(view(row), window.id, now)
    if case_number:
        row.case_number = case_number.strip()[:60]
    # Row locks first, the event log's lock (taken by record) last: a transaction that holds
    # the event lock and then waits for a queue row deadlocks with one issuing into that queue.
    queue = session.scalars(select(Queue).where(Queue.id == row.queue_id).with_for_update()).one()
    assert done.started_at is not None
    rules = hall_rules(get_hall(session))
    queue.mean_service_s = eng.ewma(queue.mean_service_s, (now - done.started_at).total_seconds(),
                                    rules.service_time_alpha)
    record(session, row, eng.Action.FINISH, done, actor=actor, now=now,
           detail={"case_number": row.case_number} if row.case_number else None)
    window.current_ticket_id = None
    return row


@keyed("no-show")
def no_show(session: Session, window_number: int, *, actor: Actor, now: datetime) -> Ticket:
    window, row = _current(session, window_number, actor)
    record(session, row, eng.Action.NO_SHOW, rules_of.no_show(view(row), window.id, now), actor=actor, now=now)
    window.current_ticket_id = None
    return row


@keyed("hold")
def hold(session: Session, window_number: int, *, actor: Actor, now: datetime) -> Ticket:
    window, row = _current(session, window_number, actor)
    record(session, row, eng.Action.HOLD, rules_of.hold(view(row), window.id, now), actor=actor, now=now)
    window.current_ticket_id = None
    return row


@keyed("resume")
def resume(session: Session, window_number: int, number: str, *, actor: Actor, now: datetime) -> Ticket:
    window = _lock_window(session, window_number)
    authorize(actor, window)
    eng.check_can_call(_engine_window(window))
    row = lock_ticket(session, by_number(session, number, now).id)
    record(session, row, eng.Action.RESUME, rules_of.resume(view(row), window.id, now), actor=actor, now=now)
    window.current_ticket_id = row.id
    return row


def _move(session: Session, row: Ticket, to_queue_id: int, *, actor: Actor, now: datetime) -> Ticket:
    """Transfer a locked ticket and free the window that had it (whichever window that is)."""
    if session.get(Queue, to_queue_id) is None:
        raise eng.QueueError("unknown_queue", f"no queue {to_queue_id}", queue_id=to_queue_id)
    # Locked before record() takes the event log's lock (see finish).
    holder = session.scalars(select(Window).where(Window.id == row.window_id).with_for_update()).first() \
        if row.window_id is not None else None
    record(session, row, eng.Action.TRANSFER, rules_of.transfer(view(row), to_queue_id), actor=actor,
           now=now, detail={"to_queue_id": to_queue_id})
    if holder is not None and holder.current_ticket_id == row.id:
        holder.current_ticket_id = None
    return row


@keyed("transfer")
def transfer(session: Session, window_number: int, to_queue_id: int, *, actor: Actor, now: datetime,
             number: str | None = None) -> Ticket:
    """Move the window's current ticket (or ``number``, a ticket of one of the window's
    queues) to another queue, keeping its number and issue time (一票到底)."""
    if number is None:
        _, row = _current(session, window_number, actor)
    else:
        window = _lock_window(session, window_number)
        authorize(actor, window)
        row = lock_ticket(session, by_number(session, number, now).id)
        if actor.role not in (Role.MANAGER, Role.ADMIN, Role.SYSTEM) and row.queue_id not in _route(
                session, window).queue_ids and row.window_id != window.id:
            raise eng.QueueError("not_served_here", f"window {window.number} does not serve {row.number}")
    return _move(session, row, to_queue_id, actor=actor, now=now)


def transfer_ticket(session: Session, ticket_id: int, to_queue_id: int, *, actor: Actor, now: datetime) -> Ticket:
    """A floor manager moves any ticket to another queue."""
    if actor.role not in (Role.MANAGER, Role.ADMIN, Role.SYSTEM):
        raise eng.QueueError("forbidden", "only a floor manager moves tickets between queues")
    return _move(session, lock_ticket(session, ticket_id), to_queue_id, actor=actor, now=now)


# -- window state ----------------------------------------------------------------------------

def _set_state(session: Session, window: Window, new: eng.Window, *, actor: Actor, now: datetime,
               action: str) -> Window:
    before = window.state
    window.state = new.state.value
    window.pause_reason = new.pause_reason
    if before != window.state:
        window.state_since = now
    session.add(AuditEntry(at=now, actor_kind=actor.kind, actor_id=actor.id, action=f"window.{action}",
                           target=f"window:{window.number}",
                           detail={"from": before, "to": window.state, "reason": window.pause_reason}))
    session.flush()
    _window_event(session, window, now)
    return window


def open_window(session: Session, window_number: int, *, actor: Actor, now: datetime) -> Window:
    window = _lock_window(session, window_number)
    authorize(actor, window)
    if actor.staff_id is not None and actor.role is Role.CLERK:
        window.staff_id = actor.staff_id
    return _set_state(session, window, eng.windows.open_window(_engine_window(window)), actor=actor, now=now,
                      action="open")


def pause_window(session: Session, window_number: int, reason: str, *, actor: Actor, now: datetime) -> Window:
    window = _lock_window(session, window_number)
    authorize(actor, window)
    return _set_state(session, window, eng.windows.pause(_engine_window(window), reason), actor=actor,
                      now=now, action="pause")


def close_window(session: Session, window_number: int, *, actor: Actor, now: datetime) -> Window:
    window = _lock_window(session, window_number)
    authorize(actor, window)
    closed = eng.windows.close(_engine_window(window))
    window.staff_id = None
    return _set_state(session, window, replace(closed), actor=actor, now=now, action="close")


def set_routing(session: Session, window_number: int, queue_ids: list[int], *, policy: str | None,
                weights: list[int] | None, actor: Actor, now: datetime) -> Window:
    """A manager moves a window to other queues (in order of preference)."""
    if actor.role not in (Role.MANAGER, Role.ADMIN, Role.SYSTEM):
        raise eng.QueueError("forbidden", "only a floor manager changes a window's queues")
    window = _lock_window(session, window_number)
    if not queue_ids:
        raise eng.QueueError("invalid_value", "a window serves at least one queue", field="queue_ids")
    if len(set(queue_ids)) != len(queue_ids):
        raise eng.QueueError("invalid_value", "a queue appears twice", field="queue_ids")
    known = set(session.scalars(select(Queue.id).where(Queue.id.in_(queue_ids))))
    missing = [q for q in queue_ids if q not in known]
    if missing:
        raise eng.QueueError("unknown_queue", f"no queue {missing[0]}", queue_id=missing[0])
    if weights is not None and (len(weights) != len(queue_ids) or any(w < 1 for w in weights)):
        raise eng.QueueError("invalid_value", "one weight (>= 1) per queue", field="weights")
    if policy is not None:
        window.policy = eng.parse_policy(policy).value
    window.routes.clear()
    session.flush()
    for pos, qid in enumerate(queue_ids):
        window.routes.append(WindowQueue(queue_id=qid, position=pos, weight=(weights or [1] * len(queue_ids))[pos]))
    window.credits = {}
    session.add(AuditEntry(at=now, actor_kind=actor.kind, actor_id=actor.id, action="window.routing",
                           target=f"window:{window.number}",
                           detail={"queue_ids": queue_ids, "policy": window.policy, "weights": weights}))
    session.flush()
    _window_event(session, window, now)
    return window


# -- the hall's clock ------------------------------------------------------------------------

def sweep(session: Session, *, now: datetime, actor: Actor) -> dict[str, int]:
    """Mark overdue no-shows and expire yesterday's open tickets (unless the hall carries
    them over); returns how many of each."""
    hall = get_hall(session)
    rules = hall_rules(hall)
    marked = 0
    for window in session.scalars(select(Window).where(Window.current_ticket_id.is_not(None))
                                  .with_for_update()).all():
        row = lock_ticket(session, window.current_ticket_id)  # type: ignore[arg-type]
        if rules_of.no_show_due(view(row), now, rules):
            record(session, row, eng.Action.NO_SHOW, rules_of.no_show(view(row), None, now), actor=actor,
                   now=now, detail={"automatic": True})
            window.current_ticket_id = None
            marked += 1
    expired = 0
    if rules.end_of_day is eng.EndOfDay.EXPIRE:
        day = eng.business_date(now, rules.timezone, rules.reset_hour)
        stale = session.scalars(select(Ticket).where(
            Ticket.business_date < day,
            Ticket.status.in_([s.value for s in (eng.TicketStatus.WAITING, eng.TicketStatus.HELD,
                                                 eng.TicketStatus.CALLED, eng.TicketStatus.NO_SHOW)]))
            .with_for_update()).all()
        for row in stale:
            if row.window_id is not None:
                w = session.get(Window, row.window_id)
                if w is not None and w.current_ticket_id == row.id:
                    w.current_ticket_id = None
            record(session, row, eng.Action.EXPIRE, rules_of.expire(view(row), now), actor=actor, now=now)
            expired += 1
    idempotency.prune(session, now)
    appointments.sweep_missed(session, now=now, actor=actor)
    return {"no_show": marked, "expired": expired}
