"""Applying an engine decision to a stored ticket: write back, audit, count, publish."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from .. import engine as eng
from ..engine import tickets as rules_of
from ..events import TICKET_EVENT, QueueRef, TicketChanged, TicketRef, WindowRef, publish
from ..models import Queue, Ticket, TicketEvent, Window
from .actors import Actor
from .hall import get_hall, hall_rules

_FIELDS = [f.name for f in fields(eng.Ticket)]


def view(row: Ticket) -> eng.Ticket:
    """The engine's view of a stored ticket."""
    values = {name: getattr(row, name) for name in _FIELDS}
    values["status"] = eng.TicketStatus(values["status"])
    return eng.Ticket(**values)


def _adjust_waiting(session: Session, queue_id: int, delta: int) -> None:
    session.execute(update(Queue).where(Queue.id == queue_id)
                    .values(waiting_count=Queue.waiting_count + delta))


def record(
    session: Session,
    row: Ticket,
    action: eng.Action,
    after: eng.Ticket,
    *,
    actor: Actor,
    now: datetime,
    detail: dict[str, object] | None = None,
) -> Ticket:
    """Store ``after`` on ``row``, keep waiting counts, write the audit row and the event."""
    if row.person_hash is not None and rules_of.enters_queue(view(row), after):
        active = int(session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.person_hash == row.person_hash, Ticket.queue_id == after.queue_id, Ticket.id != row.id,
            Ticket.status.in_([s.value for s in eng.ACTIVE]))) or 0)
        eng.check_person_limit(active, hall_rules(get_hall(session)))
    before_status = eng.TicketStatus(row.status)
    before_queue = row.queue_id
    for name in _FIELDS:
        value = getattr(after, name)
        if getattr(row, name) != value:
            setattr(row, name, value.value if isinstance(value, eng.TicketStatus) else value)
    row.version += 1
    if actor.staff_id is not None and action in (eng.Action.CALL, eng.Action.START, eng.Action.FINISH,
                                                 eng.Action.RESUME):
        row.staff_id = actor.staff_id
    if before_status is eng.TicketStatus.WAITING:
        _adjust_waiting(session, before_queue, -1)
    if after.status is eng.TicketStatus.WAITING:
        _adjust_waiting(session, after.queue_id, +1)
    window_id = after.window_id or row.window_id or getattr(after, "held_by_window_id", None)
    session.add(TicketEvent(
        ticket_id=row.id, at=now, action=action.value, from_status=before_status.value,
        to_status=after.status.value, queue_id=after.queue_id,
        window_id=window_id if window_id is not None else None,
        actor_kind=actor.kind, actor_id=actor.id, staff_id=actor.staff_id,
        device_id=actor.device_id, detail=detail or {},
    ))
    session.flush()
    announce(session, row, action, actor=actor, now=now, window_id=window_id,
             from_queue_id=before_queue if before_queue != after.queue_id else None)
    return row


def announce(session: Session, row: Ticket, action: eng.Action, *, actor: Actor, now: datetime,
             window_id: int | None, from_queue_id: int | None = None) -> None:
    queue = session.get(Queue, row.queue_id)
    assert queue is not None
    session.refresh(queue, ["waiting_count"])
    window = session.get(Window, window_id) if window_id is not None else None
    from_queue = session.get(Queue, from_queue_id) if from_queue_id is not None else None
    if from_queue is not None:
        session.refresh(from_queue, ["waiting_count"])
    publish(session, TicketChanged(
        type=TICKET_EVENT[action], ticket=TicketRef.of(row), queue=QueueRef.of(queue), at=now,
        window=WindowRef.of(window) if window is not None else None,
        from_queue=QueueRef.of(from_queue) if from_queue is not None else None,
        actor={"kind": actor.kind, "id": actor.id, "role": actor.role.value},
    ))


def lock_ticket(session: Session, ticket_id: int) -> Ticket:
    row = session.scalars(select(Ticket).where(Ticket.id == ticket_id).with_for_update()).first()
    if row is None:
        raise eng.QueueError("unknown_ticket", f"no ticket {ticket_id}")
    return row
