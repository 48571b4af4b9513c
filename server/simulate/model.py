"""What the day simulation knows of a hall: queues, windows and their routing, opening hours;
and what visitors do: when they come, to which queue, with which priority, for how long.

The hall comes from a catalog file (the demo hall by default) or from a hall's database; the
demand from defaults for a district hall or from the hall's own ticket history.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..engine import HallRules

DEMO_CATALOG = Path(__file__).resolve().parents[1] / "data" / "demo-hall.yaml"
DEFAULT_HOURS = ((9 * 60, 12 * 60), (13 * 60 + 30, 17 * 60))

# Relative arrivals per clock hour in a district hall: busy from opening, a peak between
# 10:00 and 11:00, a quiet start after lunch and a tail before closing.
DEFAULT_PROFILE: dict[int, float] = {9: 1.15, 10: 1.6, 11: 1.1, 12: 0.0, 13: 0.8, 14: 1.0, 15: 0.9, 16: 0.6}
DEFAULT_PRIORITY = {"elderly": 0.08, "appointment": 0.06}


@dataclass(frozen=True)
class QueueSpec:
    id: int
    code: str
    prefix: str
    name: str
    department: str
    target_s: int
    service_s: float
    daily_quota: int | None = None


@dataclass(frozen=True)
class WindowSpec:
    number: int
    queues: tuple[int, ...]
    policy: str
    name: str
    department: str   # the department of its first queue: the group a staffing plan counts


@dataclass(frozen=True)
class HallModel:
    queues: dict[int, QueueSpec]
    windows: dict[int, WindowSpec]
    hours: tuple[tuple[int, int], ...]      # open spans in minutes after midnight
    departments: dict[str, str]             # code -> name
    rules: HallRules = field(default_factory=HallRules)

    @property
    def opens(self) -> int:
        return self.hours[0][0]

    @property
    def closes(self) -> int:
        return self.hours[-1][1]

    def open_minutes(self, start: int, end: int) -> list[tuple[int, int]]:
        """The parts of [start, end) (minutes) when the hall is open."""
        out = []
        for a, b in self.hours:
            lo, hi = max(a, start), min(b, end)
            if lo < hi:
                out.append((lo, hi))
        return out

    def windows_of(self, department: str) -> list[int]:
        return sorted(n for n, w in self.windows.items() if w.department == department)


def _minutes(hhmm: str) -> int:
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def hours_from(spans: Sequence[Sequence[str]] | None) -> tuple[tuple[int, int], ...]:
    if not spans:
        return DEFAULT_HOURS
    return tuple(sorted((_minutes(a), _minutes(b)) for a, b in spans))


def model_from_catalog(data: dict[str, Any], *, weekday: str = "wed") -> HallModel:
    """A hall model from a catalog (the parsed YAML/JSON of ``hallq catalog``)."""
    from ..catalog import CatalogFile

    cat = CatalogFile.parse(data)
    departments = {d.code: d.name_zh for d in cat.departments}
    queues: dict[int, QueueSpec] = {}
    ids: dict[str, int] = {}
    for i, q in enumerate((q for q in cat.queues if q.active), start=1):
        ids[q.code] = i
        queues[i] = QueueSpec(i, q.code, q.prefix, q.name_zh, q.department, q.waiting_target_min * 60,
                              q.default_service_min * 60.0, q.daily_quota)
    windows: dict[int, WindowSpec] = {}
    for w in cat.windows:
        codes = [r if isinstance(r, str) else r.queue for r in w.queues]
        route = tuple(ids[c] for c in codes if c in ids)
        if route:
            windows[w.number] = WindowSpec(w.number, route, w.policy, w.name_zh or f"{w.number}号窗口",
                                           queues[route[0]].department)
    rules = HallRules.from_dict(cat.hall.rules) if cat.hall.rules else HallRules(timezone=cat.hall.timezone)
    return HallModel(queues, windows, hours_from(cat.hall.hours.get(weekday)), departments, rules)


def demo_model() -> HallModel:
    from ..catalog import load_catalog_file

    return model_from_catalog(load_catalog_file(DEMO_CATALOG))


# -- demand -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ServiceTime:
    """Minutes at the window: lognormal around ``mean_s``, or drawn from observed ``samples``."""

    mean_s: float
    sigma: float = 0.5
    samples: tuple[float, ...] = ()

    def draw(self, rng: random.Random) -> float:
        if self.samples:
            return rng.choice(self.samples)
        mu = math.log(self.mean_s) - self.sigma ** 2 / 2   # so that the mean is mean_s
        return rng.lognormvariate(mu, self.sigma)


@dataclass(frozen=True)
class Demand:
    """Expected tickets per queue per clock hour, priority shares, and service times."""

    per_hour: dict[int, dict[int, float]]             # queue id -> hour -> expected tickets
    service: dict[int, ServiceTime]
    priority: dict[int, dict[str, float]]             # queue id -> class -> share
    no_show: float = 0.03                             # share of called visitors who do not come
    no_show_wait_s: float = 90.0                      # a clerk recalls, then marks the no-show

    @property
    def tickets_per_day(self) -> float:
        return sum(sum(h.values()) for h in self.per_hour.values())

    def scaled(self, factor: float) -> Demand:
        return Demand({q: {h: v * factor for h, v in hours.items()} for q, hours in self.per_hour.items()},
                      self.service, self.priority, self.no_show, self.no_show_wait_s)


def default_demand(model: HallModel, *, tickets: float = 1350, sigma: float = 0.5,
                   profile: dict[int, float] | None = None,
                   priority: dict[str, float] | None = None) -> Demand:
    """A district hall's day: ``tickets`` spread over the queues in proportion to their daily
    quotas (queues without one count as a median queue), over the hours by ``profile``."""
    profile = profile or DEFAULT_PROFILE
    quotas = sorted(q.daily_quota for q in model.queues.values() if q.daily_quota)
    median = quotas[len(quotas) // 2] if quotas else 100
    weight = {qid: float(q.daily_quota or median) for qid, q in model.queues.items()}
    total_weight = sum(weight.values())
    # An hour's weight counts only the minutes the hall is open in it.
    hour_weight = {h: p * sum(b - a for a, b in model.open_minutes(h * 60, h * 60 + 60)) / 60
                   for h, p in profile.items()}
    total_hours = sum(hour_weight.values())
    per_hour = {qid: {h: tickets * (w / total_weight) * (hw / total_hours) for h, hw in hour_weight.items() if hw > 0}
                for qid, w in weight.items()}
    service = {qid: ServiceTime(q.service_s, sigma) for qid, q in model.queues.items()}
    shares = dict(DEFAULT_PRIORITY if priority is None else priority)
    return Demand(per_hour, service, {qid: shares for qid in model.queues})


@dataclass(frozen=True)
class Arrival:
    at_s: float          # seconds after midnight
    queue_id: int
    priority: str


def arrivals(model: HallModel, demand: Demand, rng: random.Random) -> list[Arrival]:
    """A Poisson stream per queue and hour, inside the hall's open minutes only."""
    out: list[Arrival] = []
    for qid in sorted(demand.per_hour):
        shares = demand.priority.get(qid, {})
        for hour in sorted(demand.per_hour[qid]):
            expected = demand.per_hour[qid][hour]
            spans = model.open_minutes(hour * 60, hour * 60 + 60)
            length = sum(b - a for a, b in spans) * 60.0
            if expected <= 0 or length <= 0:
                continue
            t = rng.expovariate(expected / length)
            while t < length:
                out.append(Arrival(_place(spans, t), qid, _priority(rng, shares)))
                t += rng.expovariate(expected / length)
    out.sort(key=lambda a: (a.at_s, a.queue_id))
    return out


def _place(spans: list[tuple[int, int]], offset_s: float) -> float:
    """The clock time ``offset_s`` seconds into the open spans."""
    for a, b in spans:
        span = (b - a) * 60.0
        if offset_s < span:
            return a * 60.0 + offset_s
        offset_s -= span
    return spans[-1][1] * 60.0 - 1


def _priority(rng: random.Random, shares: dict[str, float]) -> str:
    x = rng.random()
    for cls, share in shares.items():
        if x < share:
            return cls
        x -= share
    return "normal"
