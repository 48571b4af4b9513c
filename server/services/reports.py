"""Reports over the hall's tickets: counts, waiting and service times, evaluations.

Percentiles are computed in Python over the selected rows, the same way on SQLite (which has
no percentile function) and PostgreSQL: linear interpolation between the closest ranks, the
definition of PostgreSQL's ``percentile_cont``. A day of a busy hall is a few thousand
tickets and a report range is capped at ``MAX_DAYS``, so the rows fit in memory comfortably
(only the needed columns are selected, as tuples).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from .. import engine as eng
from ..models import Department, Evaluation, Queue, Staff, Ticket, TicketEvent, Window
from .hall import get_hall, today

GROUPS = ("day", "department", "queue", "window", "clerk")
MAX_DAYS = 92
# Upper bounds (minutes) of the waiting-time histogram's buckets; the last is open-ended.
WAIT_BUCKETS_MIN = (5, 10, 15, 20, 30, 45, 60)
LEVELS = (5, 4, 3, 2, 1)


def percentile(values: Sequence[float], q: float) -> float | None:
    """The ``q`` quantile (0..1) by linear interpolation (PostgreSQL's percentile_cont)."""
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q
    low = math.floor(pos)
    high = math.ceil(pos)
    if low == high:
        return float(ordered[low])
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


@dataclass
class ReportRow:
    """One line of a report: a day, department, queue, window or clerk (``key``)."""

    key: str
    label_zh: str
    label_en: str
    tickets: int = 0
    served: int = 0
    no_show: int = 0
    cancelled: int = 0
    waits: list[float] = field(default_factory=list, repr=False)
    services: list[float] = field(default_factory=list, repr=False)
    evaluations: dict[int, int] = field(default_factory=lambda: {level: 0 for level in LEVELS})

    def as_dict(self) -> dict[str, Any]:
        def r(x: float | None) -> float | None:
            return round(x, 1) if x is not None else None

        rated = sum(self.evaluations.values())
        return {
            "key": self.key, "label_zh": self.label_zh, "label_en": self.label_en,
            "tickets": self.tickets, "served": self.served, "no_show": self.no_show,
            "cancelled": self.cancelled, "called": len(self.waits),
            "wait_avg_s": r(_mean(self.waits)), "wait_p90_s": r(percentile(self.waits, 0.9)),
            "service_avg_s": r(_mean(self.services)), "service_p90_s": r(percentile(self.services, 0.9)),
            "evaluations": {str(k): v for k, v in self.evaluations.items()}, "rated": rated,
            "bad": self.evaluations[1] + self.evaluations[2],
        }


def check_range(start: date, end: date) -> None:
    if end < start:
        raise eng.QueueError("invalid_value", "the range ends before it starts", field="to")
    if (end - start).days + 1 > MAX_DAYS:
        raise eng.QueueError("invalid_value", f"a report covers at most {MAX_DAYS} days", field="to",
                             max_days=MAX_DAYS)


class _Labels:
    """Names of the things rows are grouped by, read once per report."""

    def __init__(self, session: Session) -> None:
        self.departments = {d.id: d for d in session.scalars(select(Department))}
        self.queues = {q.id: q for q in session.scalars(select(Queue))}
        self.windows = {w.id: w for w in session.scalars(select(Window))}
        self.staff = {s.id: s for s in session.scalars(select(Staff))}

    def row(self, by: str, key: Any) -> ReportRow:
        if key is None:
            return ReportRow("", "（无）", "(none)")
        if by == "day":
            return ReportRow(key.isoformat(), key.isoformat(), key.isoformat())
        if by == "department":
            d = self.departments.get(key)
            return ReportRow(d.code if d else str(key), d.name_zh if d else "?", (d.name_en or d.name_zh) if d else "?")
        if by == "queue":
            q = self.queues.get(key)
            return ReportRow(q.code if q else str(key), f"{q.prefix} {q.name_zh}" if q else "?",
                             f"{q.prefix} {q.name_en or q.name_zh}" if q else "?")
        if by == "window":
            w = self.windows.get(key)
            return ReportRow(str(w.number) if w else str(key), w.name_zh if w else "?",
                             (w.name_en or w.name_zh) if w else "?")
        s = self.staff.get(key)
        return ReportRow(s.staff_number if s else str(key), f"{s.display_name} ({s.staff_number})" if s else "?",
                         f"{s.display_name} ({s.staff_number})" if s else "?")

    def sort_key(self, by: str, key: Any) -> Any:
        if key is None:
            return (1, 0)
        if by == "department":
            d = self.departments.get(key)
            return (0, d.sort if d else 0, key)
        if by == "window":
            w = self.windows.get(key)
            return (0, w.number if w else key)
        return (0, key)


def summary(session: Session, start: date, end: date, by: str) -> dict[str, Any]:
    """Report rows grouped ``by`` one of GROUPS over business days ``start``..``end``, and a
    total. Tickets count where they ended up (their last queue, window and clerk; a no-show
    at the window that last called it)."""
    if by not in GROUPS:
        raise eng.QueueError("invalid_value", f"by is one of {', '.join(GROUPS)}", field="by")
    check_range(start, end)
    labels = _Labels(session)
    rows = session.execute(
        select(Ticket.id, Ticket.business_date, Ticket.queue_id, Ticket.window_id, Ticket.staff_id,
               Ticket.status, Ticket.issued_at, Ticket.called_at, Ticket.started_at, Ticket.finished_at)
        .where(Ticket.business_date >= start, Ticket.business_date <= end)).all()
    levels = dict(session.execute(
        select(Evaluation.ticket_id, Evaluation.level).join(Ticket, Ticket.id == Evaluation.ticket_id)
        .where(Ticket.business_date >= start, Ticket.business_date <= end)).all())
    if by == "window":
        # A no-show leaves its window; count it where it was last called.
        last_window = dict(session.execute(
            select(TicketEvent.ticket_id, TicketEvent.window_id).join(Ticket, Ticket.id == TicketEvent.ticket_id)
            .where(Ticket.business_date >= start, Ticket.business_date <= end, Ticket.window_id.is_(None),
                   TicketEvent.action.in_([eng.Action.CALL.value, eng.Action.RECALL.value]))
            .order_by(TicketEvent.id)).all())
    groups: dict[Any, ReportRow] = {}
    total = ReportRow("total", "合计", "Total")
    for tid, day, queue_id, window_id, staff_id, status, issued, called, started, finished in rows:
        if by == "day":
            key: Any = day
        elif by == "department":
            q = labels.queues.get(queue_id)
            key = q.department_id if q else None
        elif by == "queue":
            key = queue_id
        elif by == "window":
            key = window_id if window_id is not None else last_window.get(tid)
        else:
            key = staff_id
        row = groups.get(key)
        if row is None:
            row = groups[key] = labels.row(by, key)
        for target in (row, total):
            target.tickets += 1
            if status == eng.TicketStatus.DONE.value:
                target.served += 1
            elif status == eng.TicketStatus.NO_SHOW.value:
                target.no_show += 1
            elif status == eng.TicketStatus.CANCELLED.value:
                target.cancelled += 1
            if called is not None:
                target.waits.append((called - issued).total_seconds())
            if started is not None and finished is not None:
                target.services.append((finished - started).total_seconds())
            level = levels.get(tid)
            if level in target.evaluations:
                target.evaluations[level] += 1
    ordered = sorted(groups, key=lambda k: labels.sort_key(by, k))
    return {"from": start.isoformat(), "to": end.isoformat(), "by": by,
            "rows": [groups[k].as_dict() for k in ordered], "total": total.as_dict()}


def _local_hour(at: datetime, tz: ZoneInfo) -> int:
    return at.astimezone(tz).hour


def hourly(session: Session, day: date) -> dict[str, Any]:
    """Tickets issued per local hour of ``day``, per department (a stacked bar chart)."""
    hall = get_hall(session)
    tz = ZoneInfo(hall.timezone)
    departments = {q.id: q.department_id for q in session.scalars(select(Queue))}
    counts: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for issue_queue_id, issued in session.execute(
            select(Ticket.issue_queue_id, Ticket.issued_at).where(Ticket.business_date == day)):
        counts[departments.get(issue_queue_id, 0)][_local_hour(issued, tz)] += 1
    used = [h for c in counts.values() for h in c]
    first = min([8, *used])
    last = max([17, *used])
    hours = list(range(first, last + 1))
    names = {d.id: d for d in session.scalars(select(Department))}
    series = []
    for did in sorted(counts, key=lambda d: (names[d].sort, d) if d in names else (0, d)):
        d = names.get(did)
        series.append({"department_id": did, "name_zh": d.name_zh if d else "?",
                       "name_en": (d.name_en or d.name_zh) if d else "?",
                       "counts": [counts[did].get(h, 0) for h in hours]})
    return {"date": day.isoformat(), "hours": hours, "series": series}


def wait_distribution(session: Session, start: date, end: date) -> dict[str, Any]:
    """How long called tickets waited (called_at - issued_at), in minute buckets."""
    check_range(start, end)
    counts = [0] * (len(WAIT_BUCKETS_MIN) + 1)
    waits: list[float] = []
    for issued, called in session.execute(
            select(Ticket.issued_at, Ticket.called_at).where(
                Ticket.business_date >= start, Ticket.business_date <= end, Ticket.called_at.is_not(None))):
        if issued is None or called is None:
            continue
        minutes = (called - issued).total_seconds() / 60
        waits.append(minutes * 60)
        for i, bound in enumerate(WAIT_BUCKETS_MIN):
            if minutes < bound:
                counts[i] += 1
                break
        else:
            counts[-1] += 1
    return {"from": start.isoformat(), "to": end.isoformat(), "bounds_min": list(WAIT_BUCKETS_MIN),
            "counts": counts, "called": len(waits), "wait_p90_s": percentile(waits, 0.9)}


def waiting_trend(session: Session, now: datetime, *, minutes: int = 60, step_min: int = 5) -> dict[str, Any]:
    """Tickets waiting per queue (and department) at every ``step_min`` over the last
    ``minutes``, replayed from today's ticket audit trail (transfers and cancellations too)."""
    if not 5 <= minutes <= 24 * 60 or not 1 <= step_min <= minutes:
        raise eng.QueueError("invalid_value", "minutes is 5-1440 and step_min 1..minutes", field="minutes")
    day = today(get_hall(session), now)
    samples = [now - timedelta(minutes=minutes) + timedelta(minutes=step_min * k)
               for k in range(minutes // step_min + 1)]
    events = session.execute(
        select(TicketEvent.ticket_id, TicketEvent.at, TicketEvent.to_status, TicketEvent.queue_id)
        .join(Ticket, Ticket.id == TicketEvent.ticket_id).where(Ticket.business_date == day)
        .order_by(TicketEvent.at, TicketEvent.id)).all()
    state: dict[int, tuple[str, int | None]] = {}
    waiting: dict[int, int] = defaultdict(int)
    series: dict[int, list[int]] = defaultdict(lambda: [0] * len(samples))
    queue_ids = list(session.scalars(select(Queue.id)))
    i = 0

    def take(k: int) -> None:
        for qid in queue_ids:
            series[qid][k] = waiting.get(qid, 0)

    for k, at in enumerate(samples):
        while i < len(events) and events[i][1] <= at:
            tid, _, to_status, queue_id = events[i]
            before = state.get(tid)
            if before and before[0] == eng.TicketStatus.WAITING.value and before[1] is not None:
                waiting[before[1]] -= 1
            state[tid] = (to_status, queue_id)
            if to_status == eng.TicketStatus.WAITING.value and queue_id is not None:
                waiting[queue_id] += 1
            i += 1
        take(k)
    departments = {q.id: q.department_id for q in session.scalars(select(Queue))}
    per_department: dict[int, list[int]] = defaultdict(lambda: [0] * len(samples))
    for qid, values in series.items():
        target = per_department[departments.get(qid, 0)]
        for k, v in enumerate(values):
            target[k] += v
    return {"at": [s.isoformat() for s in samples],
            "queues": {str(q): v for q, v in series.items()},
            "departments": {str(d): v for d, v in per_department.items()}}


def days(start: date, end: date) -> Iterable[date]:
    d = start
    while d <= end:
        yield d
        d += timedelta(days=1)
