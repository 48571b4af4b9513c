"""好差评: one rating per service, its follow-up when bad, and rating reports.

The rating is recorded with what the national rule asks for (window, staff number, service,
department, times of acceptance and completion) and is never shown to the window that was
rated: the live event and the answer to the counter carry no level. A bad rating (1 or 2)
opens a follow-up (回访/整改) with a deadline in working days, an owner, call-back notes and
a resolution.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..engine import QueueError, TicketStatus
from ..events import EventType, publish_raw
from ..models import AuditEntry, Department, Evaluation, Queue, ServiceItem, Staff, Window
from ..models.followups import FollowUp
from .actors import Actor, Role
from .appointments import Context
from .lifecycle import lock_ticket
from .workdays import end_of_day, local_date, local_datetime

LEVELS = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}
BAD = 2   # levels at or below are bad ratings (差评)
CHANNELS = ("evaluator", "screen")
MAX_REASONS = 10
MAX_REASON_LEN = 60


def _audit(session: Session, actor: Actor, action: str, target: str, now: datetime, **detail: Any) -> None:
    session.add(AuditEntry(at=now, actor_kind=actor.kind, actor_id=actor.id, action=action, target=target,
                           detail=detail))


def _check_values(level: int, reasons: list[str], comment: str, channel: str) -> list[str]:
    if not isinstance(level, int) or isinstance(level, bool) or level not in LEVELS:
        raise QueueError("invalid_value", "a rating is a level from 1 to 5", field="level")
    if channel not in CHANNELS:
        raise QueueError("invalid_value", f"channel is one of {', '.join(CHANNELS)}", field="channel")
    if len(reasons) > MAX_REASONS:
        raise QueueError("invalid_value", f"at most {MAX_REASONS} reasons", field="reasons")
    cleaned = [r.strip() for r in reasons if r.strip()]
    if any(len(r) > MAX_REASON_LEN for r in cleaned):
        raise QueueError("invalid_value", f"a reason is at most {MAX_REASON_LEN} characters", field="reasons")
    if len(comment) > 500:
        raise QueueError("invalid_value", "a comment is at most 500 characters", field="comment")
    return cleaned


def record(session: Session, ticket_id: int, level: int, *, reasons: list[str] | None = None,
           comment: str = "", channel: str = "evaluator", actor: Actor, now: datetime) -> Evaluation:
    """Record the rating of a finished service (一次一评)."""
    cleaned = _check_values(level, list(reasons or []), comment, channel)
    ticket = lock_ticket(session, ticket_id)
    at_window = actor.role in (Role.CLERK, Role.COUNTER)
    if at_window and (actor.window_id is None or ticket.window_id != actor.window_id):
        raise QueueError("forbidden", "a window rates only the services it finished", ticket_id=ticket.id)
    if not at_window and actor.role not in (Role.MANAGER, Role.ADMIN, Role.SYSTEM):
        raise QueueError("forbidden", f"a {actor.role.value} may not record ratings")
    if session.scalar(select(func.count()).select_from(Evaluation).where(Evaluation.ticket_id == ticket.id)):
        raise QueueError("already_evaluated", f"ticket {ticket.number} has been rated", ticket_id=ticket.id)
    if ticket.status != TicketStatus.DONE.value:
        raise QueueError("not_finished", f"ticket {ticket.number} is {ticket.status}, not done",
                         ticket_id=ticket.id, status=ticket.status)
    ctx = Context.load(session, now)
    if at_window:
        assert ticket.finished_at is not None
        closes = ticket.finished_at + timedelta(minutes=ctx.config.evaluation_window_min)
        if now > closes:
            raise QueueError("evaluation_closed", "the time to rate this service has passed",
                             until=closes.isoformat())
    service = session.get(ServiceItem, ticket.service_id) if ticket.service_id else None
    queue = session.get(Queue, ticket.queue_id)
    staff = session.get(Staff, ticket.staff_id) if ticket.staff_id else None
    row = Evaluation(
        ticket_id=ticket.id, level=level, reasons=cleaned, comment=comment.strip(), stage="completed",
        channel=channel, window_id=ticket.window_id, staff_id=ticket.staff_id,
        staff_number=staff.staff_number if staff else "", service_id=ticket.service_id,
        department_id=service.department_id if service else (queue.department_id if queue else None),
        accepted_at=ticket.started_at or ticket.called_at, completed_at=ticket.finished_at, created_at=now)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise QueueError("already_evaluated", f"ticket {ticket.number} has been rated", ticket_id=ticket.id) from None
    # Neither the audit row nor the event carries the level: the rated window sees both.
    _audit(session, actor, "evaluation.record", f"ticket:{ticket.id}", now, channel=channel)
    window = session.get(Window, ticket.window_id) if ticket.window_id else None
    publish_raw(session, EventType.EVALUATION_RECORDED.value, {
        "ticket_number": ticket.number, "window_number": window.number if window else None,
        "at": now.isoformat()})
    if level <= BAD:
        deadline_day = ctx.calendar.add(local_date(now, ctx.timezone), ctx.config.follow_up_days)
        session.add(FollowUp(evaluation_id=row.id, status="open", opened_at=now,
                             deadline=end_of_day(deadline_day, ctx.timezone), notes=[], resolution=""))
    return row


# -- follow-ups ------------------------------------------------------------------------------

def _manager(actor: Actor) -> None:
    if actor.role not in (Role.MANAGER, Role.ADMIN, Role.SYSTEM):
        raise QueueError("forbidden", "follow-ups are for floor managers")


def _lock_follow_up(session: Session, follow_up_id: int) -> FollowUp:
    row = session.scalars(select(FollowUp).where(FollowUp.id == follow_up_id).with_for_update()).first()
    if row is None:
        raise QueueError("unknown_follow_up", f"no follow-up {follow_up_id}")
    return row


def _open(row: FollowUp) -> None:
    if row.status != "open":
        raise QueueError("already_resolved", f"follow-up {row.id} is resolved")


def follow_ups(session: Session, *, state: str, now: datetime) -> list[tuple[FollowUp, Evaluation]]:
    """Follow-ups by state: open, overdue (open past the deadline), resolved or all."""
    stmt = select(FollowUp, Evaluation).join(Evaluation, Evaluation.id == FollowUp.evaluation_id)
    if state in ("open", "overdue"):
        stmt = stmt.where(FollowUp.status == "open")
    elif state == "resolved":
        stmt = stmt.where(FollowUp.status == "resolved")
    elif state != "all":
        raise QueueError("invalid_value", "state is open, overdue, resolved or all", field="state")
    if state == "overdue":
        stmt = stmt.where(FollowUp.deadline < now)
    return [(f, e) for f, e in session.execute(stmt.order_by(FollowUp.deadline, FollowUp.id)).all()]


def get_follow_up(session: Session, follow_up_id: int) -> tuple[FollowUp, Evaluation]:
    row = session.get(FollowUp, follow_up_id)
    if row is None:
        raise QueueError("unknown_follow_up", f"no follow-up {follow_up_id}")
    evaluation = session.get(Evaluation, row.evaluation_id)
    assert evaluation is not None
    return row, evaluation


def assign(session: Session, follow_up_id: int, owner_staff_id: int, *, actor: Actor, now: datetime) -> FollowUp:
    _manager(actor)
    row = _lock_follow_up(session, follow_up_id)
    _open(row)
    owner = session.get(Staff, owner_staff_id)
    if owner is None or not owner.active:
        raise QueueError("unknown_staff", f"no staff {owner_staff_id}", staff_id=owner_staff_id)
    row.owner_staff_id = owner.id
    _audit(session, actor, "follow_up.assign", f"follow_up:{row.id}", now, owner_staff_id=owner.id)
    return row


def add_note(session: Session, follow_up_id: int, text: str, *, actor: Actor, now: datetime) -> FollowUp:
    """A call-back note (回访记录)."""
    _manager(actor)
    text = text.strip()
    if not text or len(text) > 1000:
        raise QueueError("invalid_value", "a note is 1-1000 characters", field="text")
    row = _lock_follow_up(session, follow_up_id)
    _open(row)
    row.notes = [*row.notes, {"at": now.isoformat(), "staff_id": actor.staff_id, "text": text}]
    _audit(session, actor, "follow_up.note", f"follow_up:{row.id}", now)
    return row


def resolve(session: Session, follow_up_id: int, resolution: str, *, actor: Actor, now: datetime) -> FollowUp:
    """Close the follow-up with what was done about it (整改结果)."""
    _manager(actor)
    resolution = resolution.strip()
    if not resolution or len(resolution) > 2000:
        raise QueueError("invalid_value", "a resolution is 1-2000 characters", field="resolution")
    row = _lock_follow_up(session, follow_up_id)
    _open(row)
    row.status = "resolved"
    row.resolution = resolution
    row.resolved_at = now
    row.resolved_by = actor.staff_id
    _audit(session, actor, "follow_up.resolve", f"follow_up:{row.id}", now, late=now > row.deadline)
    return row


# -- reports ---------------------------------------------------------------------------------

GROUPS = ("window", "staff", "department", "service")


@dataclass
class Tally:
    key: Any
    label_zh: str = ""
    label_en: str = ""
    levels: dict[int, int] = field(default_factory=lambda: dict.fromkeys(range(1, 6), 0))

    @property
    def total(self) -> int:
        return sum(self.levels.values())

    @property
    def bad(self) -> int:
        return sum(n for level, n in self.levels.items() if level <= BAD)

    @property
    def average(self) -> float | None:
        return round(sum(lv * n for lv, n in self.levels.items()) / self.total, 2) if self.total else None

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "label_zh": self.label_zh, "label_en": self.label_en,
                "levels": {str(k): v for k, v in self.levels.items()}, "total": self.total,
                "average": self.average, "bad": self.bad}


def summary(session: Session, *, start: date, end: date, by: str, now: datetime) -> list[Tally]:
    """Ratings from ``start`` to ``end`` (local days, inclusive) per window, clerk,
    department or service item: counts per level, average and bad count."""
    if by not in GROUPS:
        raise QueueError("invalid_value", f"by is one of {', '.join(GROUPS)}", field="by")
    if end < start:
        raise QueueError("invalid_value", "to is before from", field="to")
    if start.year < 2000 or end.year > 2999:
        raise QueueError("invalid_value", "dates are between 2000 and 2999", field="from")
    ctx = Context.load(session, now)
    column = {"window": Evaluation.window_id, "staff": Evaluation.staff_number,
              "department": Evaluation.department_id, "service": Evaluation.service_id}[by]
    rows = session.execute(
        select(column, Evaluation.level, func.count()).where(
            Evaluation.created_at >= local_datetime(start, datetime.min.time(), ctx.timezone),
            Evaluation.created_at < end_of_day(end, ctx.timezone))
        .group_by(column, Evaluation.level)).all()
    tallies: dict[Any, Tally] = defaultdict(lambda: Tally(None))
    for key, level, count in rows:
        tally = tallies[key]
        tally.key = key
        tally.levels[int(level)] += int(count)
    _label(session, by, tallies)
    return sorted(tallies.values(), key=lambda t: (-t.total, str(t.key)))


def _label(session: Session, by: str, tallies: dict[Any, Tally]) -> None:
    keys = [k for k in tallies if k is not None and k != ""]
    if not keys:
        return
    if by == "window":
        for w in session.scalars(select(Window).where(Window.id.in_(keys))):
            tallies[w.id].key = w.number
            tallies[w.id].label_zh = w.name_zh or f"{w.number}号窗口"
            tallies[w.id].label_en = w.name_en or f"Window {w.number}"
    elif by == "staff":
        for st in session.scalars(select(Staff).where(Staff.staff_number.in_(keys))):
            tallies[st.staff_number].label_zh = tallies[st.staff_number].label_en = st.display_name
    elif by == "department":
        for d in session.scalars(select(Department).where(Department.id.in_(keys))):
            tallies[d.id].label_zh, tallies[d.id].label_en = d.name_zh, d.name_en
    else:
        for x in session.scalars(select(ServiceItem).where(ServiceItem.id.in_(keys))):
            tallies[x.id].label_zh, tallies[x.id].label_en = x.name_zh, x.name_en
