"""The fewest windows per department that keep every queue's p90 wait under its target.

A plan counts windows per department (a window belongs to the department of its first
queue; comprehensive windows serve other departments' queues too, which the simulation
takes into account). The search starts from what the offered work needs at 85% utilisation,
adds a window where a queue misses its target by most, then tries to take each window away
again. Every candidate is judged on the same seeded days (common random numbers), so two
plans differ only by their windows.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .day import DayResult, plan_for_counts, simulate_day
from .model import Demand, HallModel
from .report import queue_stats


@dataclass(frozen=True)
class Staffing:
    counts: dict[str, int]          # department -> windows open
    available: dict[str, int]       # department -> windows it has
    meets: bool                     # every queue's p90 wait is under its limit with this plan
    days: list[DayResult]           # the simulated days of the chosen plan
    evaluated: int                  # plans simulated during the search
    # Queues that miss their target even with every window open: code -> (p90 then, target).
    # For them the plan only has to stay within 10% of that p90.
    unattainable: dict[str, tuple[float, int]]

    @property
    def windows(self) -> int:
        return sum(self.counts.values())


def _days(model: HallModel, demand: Demand, counts: dict[str, int], seeds: Sequence[int]) -> list[DayResult]:
    plan = plan_for_counts(model, counts)
    return [simulate_day(model, demand, plan, seed=s) for s in seeds]


def _limits(model: HallModel, full: list[DayResult]) -> tuple[dict[int, float], dict[str, tuple[float, int]]]:
    """Each queue's allowed p90: its target, or (when even every window open misses it) 10%
    over what every window open achieves."""
    limits: dict[int, float] = {}
    unattainable: dict[str, tuple[float, int]] = {}
    for s in queue_stats(full).values():
        limits[s.queue_id] = float(s.target_s)
        if not s.meets:
            limits[s.queue_id] = s.p90_wait_s * 1.1
            unattainable[s.code] = (s.p90_wait_s, s.target_s)
    return limits, unattainable


def _over(days: list[DayResult], limits: dict[int, float]) -> list[tuple[float, int]]:
    """(how far over its limit, queue) for every queue over its limit, worst first."""
    out = [(s.p90_wait_s / limits[s.queue_id], s.queue_id) for s in queue_stats(days).values()
           if s.tickets and s.p90_wait_s > limits[s.queue_id]]
    return sorted(out, reverse=True)


def _worst_department(model: HallModel, over: list[tuple[float, int]], counts: dict[str, int],
                      available: dict[str, int]) -> str | None:
    """The department to give a window: one whose spare window would serve the queue that is
    furthest over its limit, or relieve the windows that serve it."""
    for _, qid in over:
        department = model.queues[qid].department
        candidates = [department] + sorted({w.department for w in model.windows.values() if qid in w.queues})
        for dept in candidates:
            spare = model.windows_of(dept)[counts.get(dept, 0):]
            if any(qid in model.windows[n].queues for n in spare):
                return dept
        # Every window of this queue is open already: relieve them of their other queues.
        shared = {q for w in model.windows.values() if qid in w.queues for q in w.queues}
        for dept in sorted(available):
            spare = model.windows_of(dept)[counts.get(dept, 0):]
            if any(shared & set(model.windows[n].queues) for n in spare):
                return dept
    return None


def starting_counts(model: HallModel, demand: Demand, utilisation: float = 0.85) -> dict[str, int]:
    """Windows the offered work needs per department at ``utilisation``, at least one."""
    open_s = sum(b - a for a, b in model.hours) * 60.0
    work: dict[str, float] = {}
    for qid, hours in demand.per_hour.items():
        dept = model.queues[qid].department
        work[dept] = work.get(dept, 0.0) + sum(hours.values()) * demand.service[qid].mean_s
    counts = {}
    for dept in {w.department for w in model.windows.values()}:
        have = len(model.windows_of(dept))
        counts[dept] = min(have, max(1, math.ceil(work.get(dept, 0.0) / (open_s * utilisation))))
    return counts


def optimize(model: HallModel, demand: Demand, *, seeds: Sequence[int] = (1, 2, 3),
             max_plans: int = 400) -> Staffing:
    available = {d: len(model.windows_of(d)) for d in {w.department for w in model.windows.values()}}
    limits, unattainable = _limits(model, _days(model, demand, dict(available), seeds))
    counts = starting_counts(model, demand)
    days = _days(model, demand, counts, seeds)
    evaluated = 2
    # Grow where a queue is furthest over its limit.
    while evaluated < max_plans and (over := _over(days, limits)):
        dept = _worst_department(model, over, counts, available)
        if dept is None:
            break
        counts[dept] += 1
        days = _days(model, demand, counts, seeds)
        evaluated += 1
    meets = not _over(days, limits)
    # Then take away every window that is not needed, smallest departments first.
    if meets:
        for dept in sorted(counts, key=lambda d: (counts[d], d)):
            while counts[dept] > 1 and evaluated < max_plans:
                trial = {**counts, dept: counts[dept] - 1}
                trial_days = _days(model, demand, trial, seeds)
                evaluated += 1
                if _over(trial_days, limits):
                    break
                counts, days = trial, trial_days
    return Staffing(dict(sorted(counts.items())), dict(sorted(available.items())), meets, days, evaluated,
                    unattainable)


def markdown(result: Staffing, model: HallModel, *, title: str, notes: Sequence[str] = ()) -> str:
    stats = queue_stats(result.days)
    lines = [f"# {title}", ""]
    lines += [f"- {n}" for n in notes]
    lines += [
        f"- windows needed: {result.windows} of {sum(result.available.values())} "
        f"({'every queue within its limit' if result.meets else 'the search stopped before every queue was within its limit'}); "
        f"plans simulated: {result.evaluated}",
        *[f"- {code} misses its target even with every window open (p90 {p90 / 60:.1f} min, target {t // 60} min): "
          "the plan keeps it within 10% of that; it needs another window or routing" for code, (p90, t) in
          result.unattainable.items()],
        "", "| department | windows open | of | p90 wait (worst queue) min | target min |",
        "|---|---:|---:|---:|---:|",
    ]
    for dept, k in result.counts.items():
        own = [s for s in stats.values() if s.department == dept and s.tickets]
        worst = max(own, key=lambda s: s.p90_wait_s / s.target_s, default=None)
        p90 = f"{worst.p90_wait_s / 60:.1f}" if worst else "-"
        target = f"{worst.target_s // 60}" if worst else "-"
        lines.append(f"| {model.departments.get(dept, dept)} ({dept}) | {k} | {result.available[dept]} | {p90} | {target} |")
    return "\n".join(lines) + "\n"
