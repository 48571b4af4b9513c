"""One simulated day: visitors arrive, take numbers, wait, are called and served, driving the
REAL queue engine (``MemoryHall``): the same issuing checks, routing policies and ticket
lifecycle as the server, with simulated time instead of the clock.

A staffing plan says when each window is open. At the end of a span (lunch, closing) a
window serves whoever is still waiting for it, for at most ``drain_s``, as clerks do.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from ..engine import MemoryHall, QueueError, Route, RoutingPolicy
from ..engine import Queue as EngineQueue
from ..engine import Window as EngineWindow
from .model import Arrival, Demand, HallModel, arrivals

Plan = dict[int, tuple[tuple[int, int], ...]]   # window number -> open spans (minutes)

_OPEN, _CLOSE, _FINISH, _ARRIVE = 0, 1, 2, 3     # order of events at the same instant


def full_plan(model: HallModel) -> Plan:
    """Every window open whenever the hall is."""
    return {n: model.hours for n in model.windows}


def plan_for_counts(model: HallModel, counts: dict[str, int]) -> Plan:
    """The first ``counts[d]`` windows (by number) of each department, open all day."""
    plan: Plan = {}
    for dept, k in counts.items():
        for n in model.windows_of(dept)[:k]:
            plan[n] = model.hours
    return plan


@dataclass
class TicketRecord:
    queue_id: int
    priority: str
    issued_s: float
    called_s: float | None = None
    window: int | None = None
    no_show: bool = False

    def wait_s(self, end_s: float) -> float:
        return (self.called_s if self.called_s is not None else end_s) - self.issued_s


@dataclass
class DayResult:
    model: HallModel
    plan: Plan
    tickets: list[TicketRecord]
    refused: Counter[str]
    busy_s: dict[int, float]
    open_s: dict[int, float]
    overtime_s: dict[int, float]
    waiting: list[tuple[float, dict[int, int]]] = field(default_factory=list)   # samples every 5 minutes
    end_s: float = 0.0
    engine_log: int = 0    # state changes the engine recorded (for a consistency check)


@dataclass
class _Win:
    number: int
    spans: list[tuple[float, float]]
    open: bool = False
    ticket: int | None = None
    started_s: float = 0.0
    opened_s: float = 0.0
    span_end_s: float = 0.0       # when the current span ends; draining after it
    duration_s: float = 0.0


class _Day:
    def __init__(self, model: HallModel, demand: Demand, plan: Plan, rng: random.Random, day: date,
                 drain_s: float, sample_s: float) -> None:
        self.model = model
        self.demand = demand
        self.rng = rng
        self.drain_s = drain_s
        self.sample_s = sample_s
        self.base = datetime(day.year, day.month, day.day, tzinfo=ZoneInfo(model.rules.timezone))
        self.hall = MemoryHall(rules=model.rules)
        for q in model.queues.values():
            self.hall.add_queue(EngineQueue(id=q.id, prefix=q.prefix, name=q.name, daily_quota=q.daily_quota,
                                            waiting_target_s=q.target_s, default_service_s=q.service_s))
        self.windows: dict[int, _Win] = {}
        self.serving: dict[int, list[int]] = defaultdict(list)   # queue -> windows that serve it
        for n in sorted(plan):
            spec = model.windows[n]
            self.hall.add_window(EngineWindow(id=n, number=n, policy=RoutingPolicy(spec.policy)), Route(spec.queues))
            self.windows[n] = _Win(n, [(a * 60.0, b * 60.0) for a, b in plan[n]])
            for qid in spec.queues:
                self.serving[qid].append(n)
        self.records: dict[int, TicketRecord] = {}
        self.waiting: Counter[int] = Counter()
        self.refused: Counter[str] = Counter()
        self.busy: defaultdict[int, float] = defaultdict(float)
        self.open_total: defaultdict[int, float] = defaultdict(float)
        self.overtime: defaultdict[int, float] = defaultdict(float)
        self.samples: list[tuple[float, dict[int, int]]] = []
        self.events: list[tuple[float, int, int, object]] = []
        self.seq = 0
        self.now = 0.0

    def at(self, t: float) -> datetime:
        return self.base + timedelta(seconds=t)

    def push(self, t: float, kind: int, arg: object) -> None:
        self.seq += 1
        heapq.heappush(self.events, (t, kind, self.seq, arg))

    # -- the loop --------------------------------------------------------------------------
    def run(self, stream: list[Arrival]) -> DayResult:
        for w in self.windows.values():
            for a, b in w.spans:
                self.push(a, _OPEN, (w.number, b))
                self.push(b, _CLOSE, w.number)
        for arrival in stream:
            self.push(arrival.at_s, _ARRIVE, arrival)
        next_sample = self.model.opens * 60.0
        while self.events:
            t, kind, _, arg = heapq.heappop(self.events)
            while next_sample <= t:
                self.samples.append((next_sample, {q: n for q, n in self.waiting.items() if n}))
                next_sample += self.sample_s
            self.now = t
            if kind == _ARRIVE:
                self.arrive(arg)  # type: ignore[arg-type]
            elif kind == _OPEN:
                number, end = cast(tuple[int, float], arg)
                self.open(number, end)
            elif kind == _CLOSE:
                self.span_over(arg)  # type: ignore[arg-type]
            else:
                self.finish(arg)  # type: ignore[arg-type]
        self.samples.append((next_sample, {q: n for q, n in self.waiting.items() if n}))
        return DayResult(self.model, {n: tuple((int(a // 60), int(b // 60)) for a, b in w.spans)
                                      for n, w in self.windows.items()},
                         list(self.records.values()), self.refused, dict(self.busy), dict(self.open_total),
                         dict(self.overtime), self.samples, self.now, len(self.hall.log))

    # -- what happens ----------------------------------------------------------------------
    def arrive(self, a: Arrival) -> None:
        try:
            ticket = self.hall.issue(a.queue_id, self.at(a.at_s), priority=a.priority)
        except QueueError as exc:
            self.refused[exc.code] += 1
            return
        self.records[ticket.id] = TicketRecord(a.queue_id, a.priority, a.at_s)
        self.waiting[a.queue_id] += 1
        for n in self.serving[a.queue_id]:
            if self.waiting[a.queue_id] == 0:
                break
            w = self.windows[n]
            if w.open and w.ticket is None and self.now < w.span_end_s:
                self.call(w)

    def open(self, number: int, span_end_s: float) -> None:
        w = self.windows[number]
        self.hall.open(number)
        w.open, w.opened_s, w.span_end_s = True, self.now, span_end_s
        if w.ticket is None:
            self.call(w)

    def span_over(self, number: int) -> None:
        w = self.windows[number]
        if w.ticket is None and not self.call(w, draining=True):
            self.close(w)

    def close(self, w: _Win) -> None:
        self.hall.close(w.number)
        self.open_total[w.number] += min(self.now, w.span_end_s) - w.opened_s
        self.overtime[w.number] += max(0.0, self.now - w.span_end_s)
        w.open = False

    def call(self, w: _Win, *, draining: bool = False) -> bool:
        """Call the next visitor to ``w``; False when nobody waits for it (or it is past its
        span and past draining time)."""
        if self.now >= w.span_end_s and not draining:
            return False
        if self.now >= w.span_end_s + self.drain_s:
            return False
        ticket = self.hall.call_next(w.number, self.at(self.now))
        if ticket is None:
            return False
        record = self.records[ticket.id]
        record.called_s, record.window = self.now, w.number
        self.waiting[ticket.queue_id] -= 1
        if self.rng.random() < self.demand.no_show:
            record.no_show = True
            duration = self.demand.no_show_wait_s
        else:
            duration = self.demand.service[ticket.queue_id].draw(self.rng)
        w.ticket, w.started_s, w.duration_s = ticket.id, self.now, duration
        self.push(self.now + duration, _FINISH, w.number)
        return True

    def finish(self, number: int) -> None:
        w = self.windows[number]
        assert w.ticket is not None
        if self.records[w.ticket].no_show:
            self.hall.no_show(number, self.at(self.now))
        else:
            self.hall.finish(number, self.at(self.now))
        self.busy[number] += w.duration_s
        w.ticket = None
        draining = self.now >= w.span_end_s
        if not self.call(w, draining=draining) and draining:
            self.close(w)


def simulate_day(model: HallModel, demand: Demand, plan: Plan | None = None, *, seed: int = 1,
                 day: date = date(2026, 3, 4), drain_s: float = 1800.0, sample_s: float = 300.0) -> DayResult:
    """Simulate one day; the same seed gives the same day."""
    rng = random.Random(seed)
    stream = arrivals(model, demand, rng)
    service_rng = random.Random(seed * 7919 + 1)   # service draws do not shift with the arrivals
    return _Day(model, demand, plan if plan is not None else full_plan(model), service_rng, day,
                drain_s, sample_s).run(stream)
