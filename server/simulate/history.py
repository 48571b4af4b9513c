"""The hall and its demand from its own database: catalog, windows, hours, and what the last
days' tickets say about arrivals per hour and queue, priorities, service times and no-shows."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ..db import Database
from ..engine import HallRules
from ..models import Department, Hall, Queue, Ticket, Window, WindowQueue
from .model import DEFAULT_HOURS, Demand, HallModel, QueueSpec, ServiceTime, WindowSpec, hours_from

MIN_SAMPLES = 5


def model_from_db(db: Database, *, weekday: str = "wed") -> HallModel:
    with db.read() as s:
        hall = s.scalars(select(Hall).order_by(Hall.id)).first()
        if hall is None:
            raise ValueError("the database has no hall (import a catalog first)")
        departments = {d.id: (d.code, d.name_zh) for d in s.scalars(select(Department))}
        queues = {q.id: QueueSpec(q.id, q.code, q.prefix, q.name_zh, departments[q.department_id][0],
                                  q.waiting_target_s, float(q.default_service_s), q.daily_quota)
                  for q in s.scalars(select(Queue).where(Queue.active.is_(True)))}
        routes: dict[int, list[int]] = defaultdict(list)
        for wid, qid in s.execute(select(WindowQueue.window_id, WindowQueue.queue_id).order_by(
                WindowQueue.window_id, WindowQueue.position)):
            if qid in queues:
                routes[wid].append(qid)
        windows = {w.number: WindowSpec(w.number, tuple(routes[w.id]), w.policy, w.name_zh or f"{w.number}号窗口",
                                        queues[routes[w.id][0]].department)
                   for w in s.scalars(select(Window)) if routes.get(w.id)}
        rules = HallRules.from_dict(hall.rules) if hall.rules else HallRules(timezone=hall.timezone)
        hours = hours_from((hall.hours or {}).get(weekday)) if hall.hours else DEFAULT_HOURS
        return HallModel(queues, windows, hours, {c: n for c, n in departments.values()}, rules)


def demand_from_db(db: Database, model: HallModel, *, days: int, today: date | None = None) -> Demand:
    """Mean arrivals per queue and clock hour over the last ``days`` business days that had
    tickets; service times as observed (called or started to finished); the no-show share."""
    tz = ZoneInfo(model.rules.timezone)
    with db.read() as s:
        last = today or s.scalar(select(func.max(Ticket.business_date)))
        if last is None:
            raise ValueError("the database has no tickets to learn from")
        first = last - timedelta(days=days - 1)
        rows = s.execute(select(Ticket.issue_queue_id, Ticket.priority, Ticket.issued_at, Ticket.called_at,
                                Ticket.started_at, Ticket.finished_at, Ticket.status, Ticket.business_date)
                         .where(Ticket.business_date >= first, Ticket.business_date <= last)).all()
    if not rows:
        raise ValueError(f"no tickets between {first} and {last}")
    seen_days = {r.business_date for r in rows}
    counts: dict[int, Counter[int]] = defaultdict(Counter)
    classes: dict[int, Counter[str]] = defaultdict(Counter)
    samples: dict[int, list[float]] = defaultdict(list)
    called = no_shows = 0
    for r in rows:
        if r.issue_queue_id not in model.queues:
            continue
        counts[r.issue_queue_id][r.issued_at.astimezone(tz).hour] += 1
        classes[r.issue_queue_id][r.priority] += 1
        if r.called_at is not None:
            called += 1
        if r.status == "no_show":
            no_shows += 1
        start = r.started_at or r.called_at
        if r.status == "done" and start is not None and r.finished_at is not None:
            seconds = (r.finished_at - start).total_seconds()
            if seconds > 0:
                samples[r.issue_queue_id].append(seconds)
    n_days = len(seen_days)
    per_hour = {q: {h: c / n_days for h, c in hours.items()} for q, hours in counts.items()}
    service = {}
    for qid, spec in model.queues.items():
        observed = samples.get(qid, [])
        if len(observed) >= MIN_SAMPLES:
            service[qid] = ServiceTime(sum(observed) / len(observed), samples=tuple(observed))
        else:
            service[qid] = ServiceTime(spec.service_s)
    priority = {q: {cls: n / sum(c.values()) for cls, n in c.items() if cls != "normal"} for q, c in classes.items()}
    return Demand(per_hour, service, priority, no_show=(no_shows / called) if called else 0.03)
