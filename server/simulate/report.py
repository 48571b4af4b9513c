"""Turning simulated days into numbers a floor manager reads: waits per queue, window
utilisation, tickets that missed their waiting target; the report and the plot."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .day import DayResult


def _pct(sorted_values: Sequence[float], q: float) -> float:
    if not sorted_values:
        return math.nan
    return sorted_values[min(len(sorted_values), max(1, math.ceil(q * len(sorted_values)))) - 1]


@dataclass(frozen=True)
class QueueStats:
    queue_id: int
    code: str
    name: str
    department: str
    tickets: int
    mean_wait_s: float
    p90_wait_s: float
    max_wait_s: float
    target_s: int
    missed: int          # tickets that waited longer than the target (or were never called)

    @property
    def meets(self) -> bool:
        return self.tickets == 0 or self.p90_wait_s <= self.target_s


def queue_stats(days: Sequence[DayResult]) -> dict[int, QueueStats]:
    """Per queue over one or several days (replications are pooled)."""
    model = days[0].model
    waits: dict[int, list[float]] = defaultdict(list)
    for d in days:
        for t in d.tickets:
            waits[t.queue_id].append(t.wait_s(d.end_s))
    out = {}
    for qid, q in model.queues.items():
        w = sorted(waits.get(qid, []))
        n = len(w)
        out[qid] = QueueStats(qid, q.code, q.name, q.department, n,
                              sum(w) / n if n else math.nan, _pct(w, 0.9), w[-1] if w else math.nan,
                              q.target_s, sum(1 for x in w if x > q.target_s))
    return out


def utilisation(days: Sequence[DayResult]) -> dict[int, float]:
    """Busy share of each open window's time, overtime included."""
    busy: dict[int, float] = defaultdict(float)
    open_: dict[int, float] = defaultdict(float)
    for d in days:
        for n, s in d.busy_s.items():
            busy[n] += s
        for n in d.plan:
            open_[n] += d.open_s.get(n, 0.0) + d.overtime_s.get(n, 0.0)
    return {n: busy[n] / open_[n] if open_[n] else 0.0 for n in sorted(open_)}


def all_meet(days: Sequence[DayResult]) -> bool:
    return all(s.meets for s in queue_stats(days).values())


def _m(seconds: float) -> str:
    return "-" if seconds is None or math.isnan(seconds) else f"{seconds / 60:.1f}"


def markdown(days: Sequence[DayResult], *, title: str, notes: Sequence[str] = ()) -> str:
    """The day's report: totals, then queue by queue, then windows."""
    model = days[0].model
    stats = queue_stats(days)
    tickets = sum(s.tickets for s in stats.values())
    waits = sorted(t.wait_s(d.end_s) for d in days for t in d.tickets)
    missed = sum(s.missed for s in stats.values())
    util = utilisation(days)
    overtime = sum(sum(d.overtime_s.values()) for d in days) / len(days)
    refused = sum(sum(d.refused.values()) for d in days)
    lines = [f"# {title}", ""]
    lines += [f"- {note}" for note in notes]
    lines += [
        f"- days simulated: {len(days)}; tickets per day: {tickets / len(days):.0f}"
        + (f"; refused (quota) per day: {refused / len(days):.1f}" if refused else ""),
        f"- windows open: {len(days[0].plan)} of {len(model.windows)}; mean utilisation "
        f"{(sum(util.values()) / len(util) if util else 0):.0%}; overtime {overtime / 60:.0f} window-minutes per day",
        f"- wait: mean {_m(sum(waits) / len(waits) if waits else math.nan)} min, p90 {_m(_pct(waits, 0.9))} min, "
        f"max {_m(waits[-1] if waits else math.nan)} min",
        f"- tickets over their queue's waiting target: {missed} ({missed / tickets:.1%})" if tickets else "- no tickets",
        f"- queues whose p90 wait is over target: {sum(1 for s in stats.values() if not s.meets)} of {len(stats)}",
        "", "## Queues", "",
        "| queue | department | tickets/day | mean wait min | p90 min | max min | target min | over target |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s in sorted(stats.values(), key=lambda s: (-s.p90_wait_s / s.target_s if s.tickets else 0, s.code)):
        name = model.departments.get(s.department, s.department)
        lines.append(f"| {s.code} {s.name} | {name} | {s.tickets / len(days):.1f} | {_m(s.mean_wait_s)} | "
                     f"{_m(s.p90_wait_s)} | {_m(s.max_wait_s)} | {s.target_s // 60} | "
                     f"{s.missed / len(days):.1f} |")
    lines += ["", "## Windows", "", "| window | department | queues | utilisation |", "|---|---|---:|---:|"]
    for n, u in util.items():
        w = model.windows[n]
        lines.append(f"| {w.name} | {model.departments.get(w.department, w.department)} | {len(w.queues)} | {u:.0%} |")
    return "\n".join(lines) + "\n"


def plot(day: DayResult, path: Path, *, top: int = 6, title: str = "") -> Path:
    """Queue length over the day: all queues together and the busiest few."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    model = day.model
    hours = [t / 3600 for t, _ in day.waiting]
    total = [sum(s.values()) for _, s in day.waiting]
    peak: defaultdict[int, int] = defaultdict(int)
    for _, s in day.waiting:
        for q, n in s.items():
            peak[q] = max(peak[q], n)
    busiest = sorted(peak, key=lambda q: -peak[q])[:top]
    fig, ax = plt.subplots(figsize=(10, 4.8), dpi=110)
    ax.step(hours, total, where="post", color="black", linewidth=2, label="all queues")
    for q in busiest:
        spec = model.queues[q]
        ax.step(hours, [s.get(q, 0) for _, s in day.waiting], where="post", linewidth=1.2,
                label=f"{spec.prefix} {spec.code}")
    for a, b in zip(model.hours, model.hours[1:], strict=False):
        ax.axvspan(a[1] / 60, b[0] / 60, color="0.9", zorder=0)
    ax.set_xlabel("time of day (h)")
    ax.set_ylabel("tickets waiting")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(model.opens / 60 - 0.25, max(hours[-1], model.closes / 60) + 0.25)
    ax.set_title(title or "Queue length over the day")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
