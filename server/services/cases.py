"""Time-limited cases (限时办结): a case starts when a clerk finishes a ticket with a case
number; it is due ``promised_days`` working days after acceptance (from the service item's
guide) and is watched until it is closed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..engine import QueueError
from ..models import AuditEntry, ServiceItem, Ticket
from ..models.cases import CaseClosure
from .actors import Actor, Role
from .appointments import Context
from .workdays import local_date

STATES = ("approaching", "overdue", "open", "all")


@dataclass(frozen=True)
class Case:
    ticket: Ticket
    service: ServiceItem | None
    accepted_on: date
    promised_days: int
    due_on: date
    # Working days from today to the due date: 0 on the due day, negative once overdue.
    days_left: int
    closed: CaseClosure | None
    warning_days: int
    timezone: str

    @property
    def state(self) -> str:
        if self.closed is not None:
            return "closed"
        if self.days_left < 0:
            return "overdue"
        if self.days_left <= self.warning_days:
            return "approaching"
        return "open"

    def as_dict(self) -> dict[str, Any]:
        closed_on_time = None
        if self.closed is not None:
            closed_on_time = local_date(self.closed.closed_at, self.timezone) <= self.due_on
        return {
            "ticket_id": self.ticket.id, "case_number": self.ticket.case_number, "ticket_number": self.ticket.number,
            "service": {"id": self.service.id, "code": self.service.code, "name_zh": self.service.name_zh,
                        "name_en": self.service.name_en} if self.service else None,
            "accepted_on": self.accepted_on.isoformat(), "promised_days": self.promised_days,
            "due_on": self.due_on.isoformat(), "days_left": self.days_left, "state": self.state,
            "closed_at": self.closed.closed_at.isoformat() if self.closed else None,
            "closed_on_time": closed_on_time, "note": self.closed.note if self.closed else "",
        }


def _case(ctx: Context, ticket: Ticket, service: ServiceItem | None, closure: CaseClosure | None) -> Case:
    accepted = local_date(ticket.finished_at, ctx.timezone) if ticket.finished_at else ticket.business_date
    promised = int((service.guide or {}).get("promised_days") or 0) if service else 0
    due = ctx.calendar.add(accepted, promised)
    return Case(ticket, service, accepted, promised, due, ctx.calendar.between(ctx.today, due), closure,
                ctx.config.case_warning_days, ctx.timezone)


def cases(session: Session, *, state: str, now: datetime) -> list[Case]:
    """Cases by state: approaching (open, due within the warning days), overdue (open, past
    the due date), open (every open case) or all (closed ones too); soonest due first."""
    if state not in STATES:
        raise QueueError("invalid_value", f"state is one of {', '.join(STATES)}", field="state")
    ctx = Context.load(session, now)
    stmt = (select(Ticket, ServiceItem, CaseClosure)
            .outerjoin(ServiceItem, ServiceItem.id == Ticket.service_id)
            .outerjoin(CaseClosure, CaseClosure.ticket_id == Ticket.id)
            .where(Ticket.case_number.is_not(None), Ticket.case_number != ""))
    if state != "all":
        stmt = stmt.where(CaseClosure.ticket_id.is_(None))
    out = [_case(ctx, t, x, c) for t, x, c in session.execute(stmt).all()]
    if state in ("approaching", "overdue"):
        out = [c for c in out if c.state == state]
    return sorted(out, key=lambda c: (c.closed is not None, c.due_on, c.ticket.id))


def get_case(session: Session, ticket_id: int, *, now: datetime) -> Case:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or not ticket.case_number:
        raise QueueError("unknown_case", f"ticket {ticket_id} started no case", ticket_id=ticket_id)
    service = session.get(ServiceItem, ticket.service_id) if ticket.service_id else None
    return _case(Context.load(session, now), ticket, service, session.get(CaseClosure, ticket.id))


def close(session: Session, ticket_id: int, *, note: str = "", actor: Actor, now: datetime) -> Case:
    """Mark a case done (办结)."""
    if actor.role not in (Role.MANAGER, Role.ADMIN, Role.SYSTEM):
        raise QueueError("forbidden", "cases are closed by floor managers")
    ticket = session.scalars(select(Ticket).where(Ticket.id == ticket_id).with_for_update()).first()
    if ticket is None or not ticket.case_number:
        raise QueueError("unknown_case", f"ticket {ticket_id} started no case", ticket_id=ticket_id)
    if session.get(CaseClosure, ticket.id) is not None:
        raise QueueError("case_closed", f"case {ticket.case_number} is closed", ticket_id=ticket_id)
    if len(note) > 500:
        raise QueueError("invalid_value", "a note is at most 500 characters", field="note")
    session.add(CaseClosure(ticket_id=ticket.id, closed_at=now, closed_by=actor.staff_id, note=note.strip()))
    session.add(AuditEntry(at=now, actor_kind=actor.kind, actor_id=actor.id, action="case.close",
                           target=f"ticket:{ticket.id}", detail={"case_number": ticket.case_number}))
    session.flush()
    return get_case(session, ticket.id, now=now)
