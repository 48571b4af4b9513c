"""The ticket lifecycle as pure functions: a ticket and ``now`` in, the changed ticket out.

The persistence layer loads a ticket, asks these functions what it becomes and writes the
answer back with an audit row; the in-memory hall (``memory.py``) does the same without a
database. Nothing here reads a clock or touches storage.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from .errors import QueueError
from .routing import sort_key
from .rules import HallRules
from .states import ACTIVE, AT_WINDOW, Action, TicketStatus, next_status


def to_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


@dataclass(frozen=True)
class Ticket:
    """What the engine knows of a ticket; field names match the database columns."""

    id: int
    queue_id: int
    number: str
    priority: str
    status: TicketStatus
    sort_key: int
    issued_at: datetime
    window_id: int | None = None
    called_at: datetime | None = None
    last_called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    no_show_at: datetime | None = None
    recall_count: int = 0
    transfer_count: int = 0
    held_by_window_id: int | None = None


def enters_queue(before: Ticket, after: Ticket) -> bool:
    """True when a change makes the ticket active in a queue it was not active in: a transfer
    or a re-activation. The per-person limit then applies as it does when issuing."""
    return after.status in ACTIVE and (before.status not in ACTIVE or before.queue_id != after.queue_id)


def _move(ticket: Ticket, action: Action, **changes: object) -> Ticket:
    return replace(ticket, status=next_status(ticket.status, action), **changes)  # type: ignore[arg-type]


def _at_window(ticket: Ticket, window_id: int) -> None:
    if ticket.status in AT_WINDOW and ticket.window_id != window_id:
        raise QueueError("not_served_here", f"ticket {ticket.number} is at another window",
                         ticket=ticket.number)


def call(ticket: Ticket, window_id: int, now: datetime) -> Ticket:
    """A waiting ticket is called to ``window_id``."""
    return _move(ticket, Action.CALL, window_id=window_id, called_at=now, last_called_at=now,
                 recall_count=0, held_by_window_id=None)


def recall(ticket: Ticket, window_id: int, now: datetime, rules: HallRules) -> Ticket:
    _at_window(ticket, window_id)
    if ticket.status is TicketStatus.CALLED and ticket.recall_count >= rules.no_show_after_recalls:
        raise QueueError("recall_limit",
                         f"ticket {ticket.number} was recalled {ticket.recall_count} times; mark it no-show",
                         ticket=ticket.number, recalls=ticket.recall_count)
    return _move(ticket, Action.RECALL, last_called_at=now, recall_count=ticket.recall_count + 1)


def start(ticket: Ticket, window_id: int, now: datetime) -> Ticket:
    _at_window(ticket, window_id)
    return _move(ticket, Action.START, started_at=now)


def finish(ticket: Ticket, window_id: int, now: datetime) -> Ticket:
    _at_window(ticket, window_id)
    started = ticket.started_at or ticket.last_called_at or now
    return _move(ticket, Action.FINISH, started_at=started, finished_at=now)


def no_show(ticket: Ticket, window_id: int | None, now: datetime) -> Ticket:
    """Marked by the clerk (``window_id``) or by the hall's sweeper (``None``)."""
    if window_id is not None:
        _at_window(ticket, window_id)
    return _move(ticket, Action.NO_SHOW, no_show_at=now, window_id=None)


def no_show_due(ticket: Ticket, now: datetime, rules: HallRules) -> bool:
    """A called ticket nobody came for becomes a no-show after ``no_show_after_s``."""
    if ticket.status is not TicketStatus.CALLED or ticket.last_called_at is None:
        return False
    return (now - ticket.last_called_at).total_seconds() >= rules.no_show_after_s


def reactivate(ticket: Ticket, now: datetime, rules: HallRules) -> Ticket:
    """A no-show who comes back within the grace period queues again from now."""
    if ticket.status is TicketStatus.NO_SHOW:
        assert ticket.no_show_at is not None
        if (now - ticket.no_show_at).total_seconds() > rules.reactivation_grace_s:
            raise QueueError("reactivation_expired",
                             f"ticket {ticket.number} missed its call more than "
                             f"{rules.reactivation_grace_s // 60} minutes ago",
                             ticket=ticket.number)
    return _move(ticket, Action.REACTIVATE, sort_key=sort_key(to_ms(now), ticket.priority, rules),
                 window_id=None, called_at=None, last_called_at=None, recall_count=0)


def hold(ticket: Ticket, window_id: int, now: datetime) -> Ticket:
    """The visitor steps away (to copy a document); the window may call others meanwhile."""
    _at_window(ticket, window_id)
    return _move(ticket, Action.HOLD, window_id=None, held_by_window_id=window_id)


def resume(ticket: Ticket, window_id: int, now: datetime) -> Ticket:
    if ticket.status is TicketStatus.HELD and ticket.held_by_window_id != window_id:
        raise QueueError("not_served_here", f"ticket {ticket.number} is held by another window",
                         ticket=ticket.number)
    return _move(ticket, Action.RESUME, window_id=window_id, last_called_at=now,
                 held_by_window_id=None)


def transfer(ticket: Ticket, to_queue_id: int) -> Ticket:
    """一票到底: the ticket moves to another queue keeping its number and its place in time."""
    if to_queue_id == ticket.queue_id:
        raise QueueError("same_queue", f"ticket {ticket.number} is already in that queue",
                         ticket=ticket.number)
    return _move(ticket, Action.TRANSFER, queue_id=to_queue_id, window_id=None,
                 called_at=None, last_called_at=None, started_at=None, recall_count=0,
                 held_by_window_id=None, transfer_count=ticket.transfer_count + 1)


def cancel(ticket: Ticket, now: datetime) -> Ticket:
    return _move(ticket, Action.CANCEL, finished_at=now, held_by_window_id=None)


def expire(ticket: Ticket, now: datetime) -> Ticket:
    return _move(ticket, Action.EXPIRE, finished_at=now, window_id=None, held_by_window_id=None)
