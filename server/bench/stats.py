"""Numbers of a benchmark run: latency percentiles, throughput, error counts, and the table."""

from __future__ import annotations

import math
import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q`` quantile (0-1) of already sorted values, nearest-rank; NaN when empty."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(q * len(sorted_values)))
    return float(sorted_values[min(rank, len(sorted_values)) - 1])


@dataclass(frozen=True)
class Summary:
    """Latency summary of one operation, in milliseconds, and its rate per second."""

    count: int
    per_s: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    mean_ms: float

    @classmethod
    def of(cls, seconds: Iterable[float], elapsed_s: float) -> Summary:
        values = sorted(seconds)
        n = len(values)
        ms = 1000.0
        return cls(
            count=n,
            per_s=n / elapsed_s if elapsed_s > 0 else math.nan,
            p50_ms=percentile(values, 0.50) * ms,
            p95_ms=percentile(values, 0.95) * ms,
            p99_ms=percentile(values, 0.99) * ms,
            max_ms=(values[-1] * ms) if values else math.nan,
            mean_ms=(sum(values) / n * ms) if n else math.nan,
        )


@dataclass
class Report:
    """What one run measured; ``as_dict`` is the --json output."""

    name: str
    settings: dict[str, Any]
    elapsed_s: float
    operations: dict[str, Summary]
    events: Summary | None
    events_expected: int
    events_received: int
    errors: Counter[str]
    server_peak_rss_mb: float | None
    server_cpu_s: float | None
    loadgen_cpu_s: float
    load_average: tuple[float, float] = (math.nan, math.nan)   # the machine's 1-minute load, before and after
    integrity: dict[str, Any] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return sum(s.count for s in self.operations.values())

    @property
    def server_cpu_ms_per_request(self) -> float:
        """Server CPU per HTTP request: what the load costs whatever else runs on the machine."""
        if self.server_cpu_s is None or not self.requests:
            return math.nan
        return self.server_cpu_s * 1000 / self.requests

    @property
    def loadgen_cpu_share(self) -> float:
        """Cores the load generator used on average (1.0 = one core busy all the time)."""
        return self.loadgen_cpu_s / self.elapsed_s if self.elapsed_s > 0 else math.nan

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name, "settings": self.settings, "elapsed_s": round(self.elapsed_s, 3),
            "operations": {k: _rounded(asdict(v)) for k, v in self.operations.items()},
            "events": _rounded(asdict(self.events)) if self.events else None,
            "events_expected": self.events_expected, "events_received": self.events_received,
            "errors": dict(sorted(self.errors.items())),
            "server_peak_rss_mb": _round(self.server_peak_rss_mb),
            "server_cpu_s": _round(self.server_cpu_s),
            "loadgen_cpu_s": round(self.loadgen_cpu_s, 2),
            "loadgen_cores": _round(self.loadgen_cpu_share),
            "server_cpu_ms_per_request": _round(self.server_cpu_ms_per_request),
            "load_average": list(self.load_average),
            "integrity": self.integrity,
        }

    def table(self) -> str:
        """The human-readable report (Markdown, so it pastes into RESULTS.md as is)."""
        lines = [f"### {self.name}", "",
                 "| operation | count | per s | p50 ms | p95 ms | p99 ms | max ms |",
                 "|---|---:|---:|---:|---:|---:|---:|"]
        for name, s in self.operations.items():
            lines.append(f"| {name} | {s.count} | {_f(s.per_s, 1)} | {_f(s.p50_ms)} | {_f(s.p95_ms)} | "
                         f"{_f(s.p99_ms)} | {_f(s.max_ms)} |")
        if self.events is not None:
            e = self.events
            lines.append(f"| call -> display event | {e.count} | {_f(e.per_s, 1)} | {_f(e.p50_ms)} | "
                         f"{_f(e.p95_ms)} | {_f(e.p99_ms)} | {_f(e.max_ms)} |")
        lines.append("")
        facts = [f"duration {self.elapsed_s:.1f} s"]
        if self.events_expected:
            facts.append(f"events received {self.events_received}/{self.events_expected}")
        facts.append("errors " + (", ".join(f"{k} {v}" for k, v in sorted(self.errors.items())) or "none"))
        if self.server_peak_rss_mb is not None:
            facts.append(f"server peak RSS {self.server_peak_rss_mb:.0f} MB")
        if self.server_cpu_s is not None:
            facts.append(f"server CPU {self.server_cpu_s / self.elapsed_s:.2f} cores, "
                         f"{self.server_cpu_ms_per_request:.1f} ms per request")
        facts.append(f"load generator CPU {self.loadgen_cpu_share:.2f} cores")
        facts.append(f"machine load average {self.load_average[0]:.1f} -> {self.load_average[1]:.1f} "
                     f"({os.cpu_count()} cores)")
        lines.append("; ".join(facts) + ".")
        if self.integrity:
            verdict = "OK" if self.integrity.get("ok") else "FAILED"
            shown = {k: v for k, v in self.integrity.items() if k not in ("ok", "problems")}
            lines.append(f"Integrity {verdict}: " + ", ".join(f"{k} {v}" for k, v in shown.items()) + ".")
            for problem in self.integrity.get("problems", [])[:10]:
                lines.append(f"- {problem}")
        return "\n".join(lines) + "\n"


def _f(value: float, digits: int = 1) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _round(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else round(value, 2)


def _rounded(d: dict[str, Any]) -> dict[str, Any]:
    return {k: (_round(v) if isinstance(v, float) else v) for k, v in d.items()}
