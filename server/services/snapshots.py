"""What the hall looks like now: queues, windows and today's statistics."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import engine as eng
from ..models import Queue, Staff, Ticket, Window, WindowQueue
from . import accounts
from .hall import get_hall, today


@dataclass(frozen=True)
class QueueSnapshot:
    id: int
    code: str
    prefix: str
    name_zh: str
    name_en: str
    department_id: int
    waiting: int
    longest_wait_s: int
    estimated_wait_s: int
    waiting_target_s: int
    open_windows: int
    over_target: bool
    mean_service_s: float | None


@dataclass(frozen=True)
class WindowSnapshot:
    id: int
    number: int
    name_zh: str
    name_en: str
    floor: int
    zone: str
    state: str
    pause_reason: str | None
    state_since: datetime
    policy: str
    queue_ids: list[int]
    staff_number: str
    staff_name: str
    current: dict[str, Any] | None
    comprehensive: bool
    green_channel: bool
    idle_while_waiting: bool = False
    # Who is signed in at the window now (the one sign-in that holds it).
    signed_in_number: str = ""
    signed_in_name: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def _open_windows_per_queue(session: Session) -> dict[int, int]:
    rows = session.execute(
        select(WindowQueue.queue_id, func.count()).join(Window, Window.id == WindowQueue.window_id)
        .where(Window.state == eng.WindowState.OPEN.value).group_by(WindowQueue.queue_id)).all()
    return {qid: n for qid, n in rows}


def queues(session: Session, now: datetime, queue_ids: list[int] | None = None) -> list[QueueSnapshot]:
    stmt = select(Queue).order_by(Queue.id)
    if queue_ids is not None:
        stmt = stmt.where(Queue.id.in_(queue_ids))
    open_per_queue = _open_windows_per_queue(session)
    oldest = dict(session.execute(
        select(Ticket.queue_id, func.min(Ticket.issued_at)).where(Ticket.status == eng.TicketStatus.WAITING.value)
        .group_by(Ticket.queue_id)).all())
    out = []
    for q in session.scalars(stmt):
        first = oldest.get(q.id)
        longest = int((now - first).total_seconds()) if first else 0
        mean = q.mean_service_s if q.mean_service_s is not None else float(q.default_service_s)
        open_n = open_per_queue.get(q.id, 0)
        out.append(QueueSnapshot(
            id=q.id, code=q.code, prefix=q.prefix, name_zh=q.name_zh, name_en=q.name_en,
            department_id=q.department_id, waiting=q.waiting_count, longest_wait_s=max(0, longest),
            estimated_wait_s=eng.estimate_wait_s(q.waiting_count, mean, open_n),
            waiting_target_s=q.waiting_target_s, open_windows=open_n,
            over_target=longest > q.waiting_target_s, mean_service_s=q.mean_service_s))
    return out


def windows(session: Session, now: datetime, numbers: list[int] | None = None) -> list[WindowSnapshot]:
    stmt = select(Window).order_by(Window.number)
    if numbers is not None:
        stmt = stmt.where(Window.number.in_(numbers))
    routes: dict[int, list[int]] = defaultdict(list)
    for wid, qid in session.execute(select(WindowQueue.window_id, WindowQueue.queue_id)
                                    .order_by(WindowQueue.window_id, WindowQueue.position)):
        routes[wid].append(qid)
    waiting = dict(session.execute(select(Queue.id, Queue.waiting_count)).all())
    staff = {s.id: s for s in session.scalars(select(Staff))}
    current_ids = [w for w in session.scalars(select(Window.current_ticket_id).where(
        Window.current_ticket_id.is_not(None)))]
    current = {t.id: t for t in session.scalars(select(Ticket).where(Ticket.id.in_(current_ids)))} if current_ids else {}
    holders = accounts.window_holders(session, now=now)
    out = []
    for w in session.scalars(stmt):
        t = current.get(w.current_ticket_id) if w.current_ticket_id else None
        holder = holders.get(w.id)
        member = staff.get(w.staff_id) if w.staff_id else None
        cur = None
        if t is not None:
            since = t.started_at or t.last_called_at or t.called_at
            cur = {"id": t.id, "number": t.number, "status": t.status, "queue_id": t.queue_id,
                   "service_id": t.service_id, "since": since.isoformat() if since else None,
                   "for_s": int((now - since).total_seconds()) if since else 0,
                   "waited_s": int(((t.called_at or now) - t.issued_at).total_seconds())}
        idle = (w.state == eng.WindowState.OPEN.value and t is None
                and any(waiting.get(q, 0) > 0 for q in routes[w.id]))
        out.append(WindowSnapshot(
            id=w.id, number=w.number, name_zh=w.name_zh, name_en=w.name_en, floor=w.floor, zone=w.zone,
            state=w.state, pause_reason=w.pause_reason, state_since=w.state_since, policy=w.policy,
            queue_ids=routes[w.id], staff_number=member.staff_number if member else "",
            staff_name=member.display_name if member else "", current=cur, comprehensive=w.comprehensive,
            green_channel=w.green_channel, idle_while_waiting=idle,
            signed_in_number=holder.staff_number if holder else "", signed_in_name=holder.display_name if holder else ""))
    return out


def window_waiting(session: Session, window_number: int) -> list[dict[str, Any]]:
    """What is waiting for one window, queue by queue in its order of preference."""
    window = session.scalars(select(Window).where(Window.number == window_number)).first()
    if window is None:
        raise eng.QueueError("unknown_window", f"no window {window_number}", window=window_number)
    out = []
    for route in window.routes:
        q = session.get(Queue, route.queue_id)
        assert q is not None
        nxt = session.execute(
            select(Ticket.number, Ticket.priority).where(Ticket.queue_id == q.id,
                                                         Ticket.status == eng.TicketStatus.WAITING.value)
            .order_by(Ticket.sort_key, Ticket.id).limit(5)).all()
        out.append({"queue_id": q.id, "code": q.code, "prefix": q.prefix, "name_zh": q.name_zh,
                    "name_en": q.name_en, "waiting": q.waiting_count,
                    "next": [{"number": n, "priority": p} for n, p in nxt]})
    return out


def window_held(session: Session, window_number: int, now: datetime) -> list[dict[str, Any]]:
    """Tickets a window put on hold and has not resumed: the clerk resumes them by number."""
    window = session.scalars(select(Window).where(Window.number == window_number)).first()
    if window is None:
        raise eng.QueueError("unknown_window", f"no window {window_number}", window=window_number)
    rows = session.scalars(select(Ticket).where(Ticket.held_by_window_id == window.id,
                                                Ticket.status == eng.TicketStatus.HELD.value)
                           .order_by(Ticket.id)).all()
    return [{"id": t.id, "number": t.number, "queue_id": t.queue_id, "service_id": t.service_id,
             "issued_at": t.issued_at.isoformat(), "waited_s": int((now - t.issued_at).total_seconds())}
            for t in rows]


def statistics(session: Session, now: datetime, *, staff_id: int | None = None) -> dict[str, Any]:
    """Today's counts per queue and status (and for one clerk, if ``staff_id``)."""
    day = today(get_hall(session), now)
    stmt = select(Ticket.issue_queue_id, Ticket.status, func.count()).where(Ticket.business_date == day)
    if staff_id is not None:
        stmt = stmt.where(Ticket.staff_id == staff_id)
    per_queue: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    totals: dict[str, int] = defaultdict(int)
    for qid, status, n in session.execute(stmt.group_by(Ticket.issue_queue_id, Ticket.status)):
        per_queue[qid][status] += n
        totals[status] += n
    departments = dict(session.execute(select(Queue.id, Queue.department_id)).all())
    per_department: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for qid, counts in per_queue.items():
        for status, n in counts.items():
            per_department[departments.get(qid, 0)][status] += n
    return {
        "business_date": day.isoformat(),
        "issued": sum(totals.values()),
        "totals": dict(totals),
        "per_queue": {str(q): dict(c) for q, c in per_queue.items()},
        "per_department": {str(d): dict(c) for d, c in per_department.items()},
    }
