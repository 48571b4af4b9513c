"""Issuing tickets and reading their status."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from hallq.identifiers import check_id_number, check_phone, mask_id_number, mask_phone, person_hash

from .. import engine as eng
from ..engine import tickets as rules_of
from ..models import DailyCounter, Queue, ServiceItem, Ticket, TicketEvent, Window, WindowQueue
from . import idempotency
from .actors import Actor, Role
from .hall import get_hall, hall_rules, today
from .lifecycle import announce, lock_ticket, record, view
from .sql import insert


@dataclass(frozen=True)
class Position:
    """Where a waiting ticket stands: people ahead and the estimated wait."""

    ahead: int
    estimated_wait_s: int


def _active_service(session: Session, service_id: int) -> ServiceItem:
    service = session.get(ServiceItem, service_id)
    if service is None or not service.active:
        raise eng.QueueError("unknown_service", f"no service item {service_id}", service_id=service_id)
    return service


def _next_seq(session: Session, queue_id: int, day: date) -> int:
    """Claim the queue's next number for the day. The row lock this takes also serializes
    issuing per queue on PostgreSQL, which the quota and per-person checks rely on."""
    stmt = insert(session, DailyCounter).values(queue_id=queue_id, business_date=day, last_seq=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[DailyCounter.queue_id, DailyCounter.business_date],
        set_={"last_seq": DailyCounter.last_seq + 1},
    ).returning(DailyCounter.last_seq)
    return int(session.execute(stmt).scalar_one())


def issue_ticket(
    session: Session,
    service_id: int,
    *,
    actor: Actor,
    now: datetime,
    secret: bytes,
    priority: str = "normal",
    id_number: str | None = None,
    phone: str | None = None,
    idempotency_key: str | None = None,
    appointment_id: int | None = None,
) -> tuple[Ticket, bool]:
    """Issue a ticket for ``service_id``; returns (ticket, replayed)."""
    request = {"service_id": service_id, "priority": priority, "id": bool(id_number), "phone": bool(phone)}

    def run() -> dict[str, int]:
        return {"ticket_id": _issue(session, service_id, actor=actor, now=now, secret=secret,
                                    priority=priority, id_number=id_number, phone=phone,
                                    appointment_id=appointment_id).id}

    result, replayed = idempotency.once(session, actor, idempotency_key, "issue", request, run)
    ticket = session.get(Ticket, result["ticket_id"])
    assert ticket is not None
    return ticket, replayed


def _issue(session: Session, service_id: int, *, actor: Actor, now: datetime, secret: bytes,
           priority: str, id_number: str | None, phone: str | None,
           appointment_id: int | None) -> Ticket:
    hall = get_hall(session)
    rules = hall_rules(hall)
    service = _active_service(session, service_id)
    queue = session.get(Queue, service.queue_id)
    assert queue is not None
    who = None
    if id_number:
        checked = check_id_number(id_number)
        if not checked:
            raise eng.QueueError("invalid_id_number", "the ID number is not valid", reason=checked.code,
                                 field="id_number")
        who = person_hash(checked.normalized, secret)
    phone_masked = None
    if phone:
        checked_phone = check_phone(phone)
        if not checked_phone:
            raise eng.QueueError("invalid_phone", "the phone number is not valid", field="phone")
        phone_masked = mask_phone(checked_phone.normalized)
    day = today(hall, now)
    seq = _next_seq(session, queue.id, day)
    person_active = 0
    if who is not None:
        person_active = int(session.scalar(
            select(func.count()).select_from(Ticket).where(
                Ticket.person_hash == who, Ticket.queue_id == queue.id,
                Ticket.status.in_([s.value for s in eng.ACTIVE]))) or 0)
    cls = eng.check_issue(
        queue_name=queue.name_zh, queue_active=queue.active, daily_quota=queue.daily_quota,
        issued_today=seq - 1, person_active=person_active, rules=rules, priority=priority,
        self_service=actor.role is Role.KIOSK and appointment_id is None,
    )
    row = Ticket(
        token=secrets.token_urlsafe(18), queue_id=queue.id, issue_queue_id=queue.id,
        service_id=service.id, business_date=day, seq=seq,
        number=eng.format_number(queue.prefix, seq, rules.number_width), priority=cls.value,
        status=eng.TicketStatus.WAITING.value,
        sort_key=eng.sort_key(eng.to_ms(now), cls.value, rules), issued_at=now,
        person_hash=who, id_masked=mask_id_number(id_number) if id_number else None,
        phone_masked=phone_masked, device_id=actor.device_id, appointment_id=appointment_id,
        recall_count=0, transfer_count=0, version=0,
    )
    session.add(row)
    session.flush()
    session.execute(update(Queue).where(Queue.id == queue.id)
                    .values(waiting_count=Queue.waiting_count + 1))
    session.add(TicketEvent(ticket_id=row.id, at=now, action=eng.Action.ISSUE.value, from_status=None,
                            to_status=row.status, queue_id=queue.id, actor_kind=actor.kind,
                            actor_id=actor.id, staff_id=actor.staff_id, device_id=actor.device_id,
                            detail={"priority": cls.value, "service_id": service.id}))
    announce(session, row, eng.Action.ISSUE, actor=actor, now=now, window_id=None)
    return row


def position(session: Session, ticket: Ticket, now: datetime) -> Position:
    """People ahead of a waiting ticket in its queue and its estimated wait."""
    if ticket.status != eng.TicketStatus.WAITING.value:
        return Position(0, 0)
    ahead = int(session.scalar(
        select(func.count()).select_from(Ticket).where(
            Ticket.queue_id == ticket.queue_id, Ticket.status == eng.TicketStatus.WAITING.value,
            or_(Ticket.sort_key < ticket.sort_key,
                and_(Ticket.sort_key == ticket.sort_key, Ticket.id < ticket.id)))) or 0)
    queue = session.get(Queue, ticket.queue_id)
    assert queue is not None
    open_windows = int(session.scalar(
        select(func.count()).select_from(WindowQueue).join(Window, Window.id == WindowQueue.window_id)
        .where(WindowQueue.queue_id == queue.id, Window.state == eng.WindowState.OPEN.value)) or 0)
    mean = queue.mean_service_s if queue.mean_service_s is not None else float(queue.default_service_s)
    return Position(ahead, eng.estimate_wait_s(ahead, mean, open_windows))


def by_token(session: Session, token: str) -> Ticket:
    row = session.scalars(select(Ticket).where(Ticket.token == token)).first()
    if row is None:
        raise eng.QueueError("unknown_ticket", "no such ticket")
    return row


def by_number(session: Session, number: str, now: datetime) -> Ticket:
    """Today's ticket with this number (numbers restart every day)."""
    prefix, seq = eng.parse_number(number)
    hall = get_hall(session)
    day = today(hall, now)
    row = session.scalars(
        select(Ticket).join(Queue, Queue.id == Ticket.issue_queue_id)
        .where(Queue.prefix == prefix, Ticket.seq == seq, Ticket.business_date == day)
    ).first()
    if row is None:
        raise eng.QueueError("unknown_ticket", f"no ticket {number.upper()} today", number=number)
    return row


def cancel(session: Session, ticket_id: int, *, actor: Actor, now: datetime) -> Ticket:
    row = lock_ticket(session, ticket_id)
    if row.window_id is not None and row.status in (eng.TicketStatus.CALLED.value, eng.TicketStatus.SERVING.value):
        raise eng.QueueError("invalid_transition", f"ticket {row.number} is at a window")
    return record(session, row, eng.Action.CANCEL, rules_of.cancel(view(row), now), actor=actor, now=now)


def reactivate(session: Session, ticket_id: int, *, actor: Actor, now: datetime) -> Ticket:
    row = lock_ticket(session, ticket_id)
    rules = hall_rules(get_hall(session))
    return record(session, row, eng.Action.REACTIVATE, rules_of.reactivate(view(row), now, rules),
                  actor=actor, now=now)
