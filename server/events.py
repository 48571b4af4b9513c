"""Live events: typed, written to the event log inside the transaction that made them.

Every event gets an id from the log. Subscribers that reconnect with the last id they saw
receive what they missed from the log, in order. On PostgreSQL a transaction-scoped advisory
lock is taken just before the insert, so ids are handed out in commit order (a subscriber
never sees id 7 committed before id 6), and NOTIFY wakes the other server processes.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session, SessionTransaction

from .engine import Action
from .models import LiveEvent, Queue, Ticket, Window
from .services.sql import is_postgres

NOTIFY_CHANNEL = "hallq_events"
_EVENT_LOCK = 726173


class EventType(StrEnum):
    TICKET_ISSUED = "ticket.issued"
    TICKET_CALLED = "ticket.called"
    TICKET_RECALLED = "ticket.recalled"
    TICKET_STARTED = "ticket.started"
    TICKET_FINISHED = "ticket.finished"
    TICKET_NO_SHOW = "ticket.no_show"
    TICKET_REACTIVATED = "ticket.reactivated"
    TICKET_HELD = "ticket.held"
    TICKET_RESUMED = "ticket.resumed"
    TICKET_TRANSFERRED = "ticket.transferred"
    TICKET_CANCELLED = "ticket.cancelled"
    TICKET_EXPIRED = "ticket.expired"
    WINDOW_CHANGED = "window.changed"
    QUEUE_SNAPSHOT = "queue.snapshot"
    DEVICE_STATUS = "device.status"
    EVALUATION_RECORDED = "evaluation.recorded"
    CATALOG_CHANGED = "catalog.changed"


TICKET_EVENT: dict[Action, EventType] = {
    Action.ISSUE: EventType.TICKET_ISSUED,
    Action.CALL: EventType.TICKET_CALLED,
    Action.RECALL: EventType.TICKET_RECALLED,
    Action.START: EventType.TICKET_STARTED,
    Action.FINISH: EventType.TICKET_FINISHED,
    Action.NO_SHOW: EventType.TICKET_NO_SHOW,
    Action.REACTIVATE: EventType.TICKET_REACTIVATED,
    Action.HOLD: EventType.TICKET_HELD,
    Action.RESUME: EventType.TICKET_RESUMED,
    Action.TRANSFER: EventType.TICKET_TRANSFERRED,
    Action.CANCEL: EventType.TICKET_CANCELLED,
    Action.EXPIRE: EventType.TICKET_EXPIRED,
}


@dataclass(frozen=True)
class WindowRef:
    id: int
    number: int
    name_zh: str
    name_en: str
    zone: str
    floor: int

    @classmethod
    def of(cls, w: Window) -> WindowRef:
        return cls(w.id, w.number, w.name_zh, w.name_en, w.zone, w.floor)


@dataclass(frozen=True)
class QueueRef:
    id: int
    code: str
    prefix: str
    name_zh: str
    name_en: str
    department_id: int
    waiting: int

    @classmethod
    def of(cls, q: Queue) -> QueueRef:
        return cls(q.id, q.code, q.prefix, q.name_zh, q.name_en, q.department_id, q.waiting_count)


@dataclass(frozen=True)
class TicketRef:
    """What any subscriber may see of a ticket: never its token or the visitor's data."""

    id: int
    number: str
    status: str
    priority: str
    queue_id: int
    service_id: int | None
    issued_at: datetime
    recall_count: int

    @classmethod
    def of(cls, t: Ticket) -> TicketRef:
        return cls(t.id, t.number, t.status, t.priority, t.queue_id, t.service_id, t.issued_at,
                   t.recall_count)


@dataclass(frozen=True)
class TicketChanged:
    type: EventType
    ticket: TicketRef
    queue: QueueRef
    at: datetime
    window: WindowRef | None = None
    from_queue: QueueRef | None = None
    actor: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class WindowChanged:
    window: WindowRef
    state: str
    pause_reason: str | None
    current_ticket: TicketRef | None
    staff_number: str
    at: datetime
    type: EventType = EventType.WINDOW_CHANGED


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def publish(session: Session, event: Any) -> None:
    """Append ``event`` (a dataclass with a ``type``) to the live event log when the
    transaction commits."""
    data = _jsonable(asdict(event))
    kind = str(data.pop("type"))
    publish_raw(session, kind, data)


def publish_raw(session: Session, kind: str, payload: dict[str, Any]) -> None:
    """Queue an event on the session; it is written by ``_write_events`` just before commit."""
    pending_events(session).append((kind, payload))


_PENDING = "hallq_live_events"
_MARKS = "hallq_live_event_marks"


def pending_events(session: Session) -> list[tuple[str, dict[str, Any]]]:
    """The events this session's transaction will write at commit, in order. The writer cuts
    this list back when a command of its batch rolls back to its savepoint."""
    pending: list[tuple[str, dict[str, Any]]] = session.info.setdefault(_PENDING, [])
    return pending


@sa_event.listens_for(Session, "before_commit")
def _write_events(session: Session) -> None:
    """Write the transaction's events as its very last statements, once, at the commit of the
    outermost transaction (a savepoint's release also passes here: its events wait for the
    real commit). On PostgreSQL the event lock, which makes ids follow commit order, is then
    held only from here to the commit: never while the use case still waits for row locks
    (no lock-order deadlocks) or runs its remaining queries."""
    if session.in_nested_transaction():
        return
    session.info.pop(_MARKS, None)
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    postgres = is_postgres(session)
    if postgres:
        # Keyed by schema too: halls (or test runs) in other schemas of the same database
        # neither wait for this one's event lock nor deadlock with it.
        session.execute(text("SELECT pg_advisory_xact_lock(:k, hashtext(current_schema()))"), {"k": _EVENT_LOCK})
    # One executemany in Core: a writer's batch carries hundreds of events.
    conn = session.connection()
    conn.execute(insert(LiveEvent), [{"type": kind, "payload": payload} for kind, payload in pending])
    if postgres:
        last = conn.execute(select(func.max(LiveEvent.id))).scalar()
        session.execute(text(f"NOTIFY {NOTIFY_CHANNEL}, '{int(last or 0)}'"))


@sa_event.listens_for(Session, "after_transaction_create")
def _mark_events(session: Session, transaction: SessionTransaction) -> None:
    """A savepoint remembers how many events were queued when it began."""
    if transaction.nested:
        session.info.setdefault(_MARKS, {})[transaction] = len(session.info.get(_PENDING, ()))


@sa_event.listens_for(Session, "after_soft_rollback")
def _drop_events(session: Session, previous_transaction: SessionTransaction) -> None:
    """A rollback drops the events of what it undid: a savepoint's own, or all of them."""
    marks = session.info.get(_MARKS, {})
    if previous_transaction.nested and previous_transaction in marks:
        del pending_events(session)[marks.pop(previous_transaction):]
    elif not previous_transaction.nested:
        session.info.pop(_PENDING, None)
        session.info.pop(_MARKS, None)
