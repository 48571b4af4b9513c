"""Running a load against a server and turning what was seen into a Report; the presets."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from ..db import Database
from .integrity import max_ticket_id, verify
from .load import Load, Samples, Target, event_latencies, run_load
from .spawn import TreeWatch
from .stats import Report, Summary


@dataclass
class Phase:
    """One measured part of a run."""

    name: str
    load: Load
    target: Target


@dataclass
class Tally:
    """Everything the kiosks were told and the windows were handed, over all phases."""

    issued: dict[str, tuple[int, str]] = field(default_factory=dict)
    calls: list[tuple[int, int]] = field(default_factory=list)

    def add(self, samples: Samples) -> None:
        self.issued.update(samples.issued)
        self.calls.extend((tid, window) for tid, window, _ in samples.calls)


def measure(phase: Phase, *, procs: int, server_pid: int | None, settings: dict[str, Any]) -> tuple[Report, Samples]:
    load_before = os.getloadavg()[0]
    watch = TreeWatch(server_pid).start() if server_pid else None
    samples = run_load(phase.target, phase.load, procs)
    rss, cpu = watch.stop() if watch else (None, None)
    elapsed = max(1e-9, samples.ended - samples.started)
    operations = {op: Summary.of(values, elapsed) for op, values in sorted(samples.latencies.items())}
    latencies, expected = event_latencies(samples)
    events = Summary.of(latencies, elapsed) if phase.load.displays else None
    report = Report(name=phase.name, settings={**settings, **_load_settings(phase.load), "procs": procs},
                    elapsed_s=elapsed, operations=operations, events=events, events_expected=expected,
                    events_received=len(latencies), errors=Counter(samples.errors),
                    server_peak_rss_mb=rss, server_cpu_s=cpu, loadgen_cpu_s=samples.cpu_s,
                    load_average=(load_before, os.getloadavg()[0]))
    return report, samples


def _load_settings(load: Load) -> dict[str, Any]:
    return {"kiosks": load.kiosks, "windows": len(load.windows), "displays": load.displays,
            "duration_s": load.duration_s, "tickets": load.tickets, "kiosk_pause_s": load.kiosk_pause_s,
            "service_s": load.service_s}


def check(db_url: str | None, tally: Tally, since_ticket_id: int) -> dict[str, Any]:
    if not db_url:
        return {}
    db = Database(db_url)
    try:
        return verify(db, told=tally.issued, calls=tally.calls, since_ticket_id=since_ticket_id)
    finally:
        db.dispose()


def first_ticket_id(db_url: str | None) -> int:
    if not db_url:
        return 0
    db = Database(db_url)
    try:
        return max_ticket_id(db)
    finally:
        db.dispose()


# -- the API preset -------------------------------------------------------------------------

API_CLIENTS = (8, 64, 256)
API_SUBSCRIBERS = 200
CEILING_CLIENTS = 64


def hot_queues(db_url: str, windows: int, queues: int = 4) -> tuple[int, ...]:
    """Make the first ``windows`` windows comprehensive windows over the same few queues
    (the busiest case: every window competes for the same heads) and return the services
    of those queues. Only for the bench's own database."""
    from sqlalchemy import select

    from ..models import Queue, ServiceItem, Window
    from ..services import windows as wc
    from ..services.actors import SYSTEM

    db = Database(db_url)
    now = datetime.now(UTC)
    try:
        with db.write() as s:
            chosen = list(s.scalars(select(Queue.id).where(Queue.active.is_(True)).order_by(Queue.id)
                                    .offset(3).limit(queues)))
            for number in s.scalars(select(Window.number).order_by(Window.number).limit(windows)).all():
                wc.set_routing(s, number, chosen, policy="longest_wait", weights=None, actor=SYSTEM, now=now)
        with db.read() as s:
            return tuple(s.scalars(select(ServiceItem.id).where(ServiceItem.queue_id.in_(chosen),
                                                                ServiceItem.active.is_(True))))
    finally:
        db.dispose()


BARE = f"bare endpoint, {CEILING_CLIENTS} clients"
FLOOD_PER_S = 50
# Kiosks at a hall's busy pace (8 kiosks, one ticket every 0.1 s each): idle, then under a flood.
PACED = "kiosks at 80 tickets/s"
# The hall opening: 30 kiosks, 100 counters and 20 displays switched on at once.
BOOT_DEVICES = (30, 100, 20)
BOOT = f"{sum(BOOT_DEVICES)} devices booting at once"
FLOODED = f"kiosks at 80 tickets/s, {FLOOD_PER_S} wrong passwords/s"


def api_phases(target: Target, *, duration_s: float, seed: int, bare: Target | None = None) -> list[Phase]:
    """The bare endpoint at 64 clients (the ceiling), 150 devices booting at once, issuing
    with 8, 64 and 256 clients, then calling (call-next + finish) with as many, then the time
    from a call to its event at 200 subscribers, then kiosks at a busy pace alone and under a
    login flood."""
    base = Load(kiosks=0, windows=(), displays=0, duration_s=duration_s, seed=seed, idle_poll_s=0.02)
    numbers = sorted(target.window_tokens)
    phases = [Phase(BARE, replace(base, kiosks=CEILING_CLIENTS), bare)] if bare is not None else []
    kiosks, counters, displays = BOOT_DEVICES
    phases.append(Phase(BOOT, replace(base, kiosks=kiosks, windows=tuple(numbers[:counters]), displays=displays,
                                      boot=True), target))
    phases += [Phase(f"issue, {c} clients", replace(base, kiosks=c), target) for c in API_CLIENTS]
    phases += [Phase(f"call, {c} clients", replace(base, windows=tuple(numbers[:c])), target)
               for c in API_CLIENTS]
    phases.append(Phase(f"call -> event, {API_SUBSCRIBERS} subscribers",
                        replace(base, kiosks=4, kiosk_pause_s=0.1, windows=tuple(numbers[:8]),
                                service_s=0.25, displays=API_SUBSCRIBERS), target))
    paced = replace(base, kiosks=8, kiosk_pause_s=0.1)
    phases.append(Phase(PACED, paced, target))
    phases.append(Phase(FLOODED, replace(paced, login_flood_per_s=FLOOD_PER_S), target))
    return phases


def ceiling(reports: list[Report]) -> dict[str, Any]:
    """hallq against the bare endpoint of the same run, at 64 clients: requests per second
    and the ratio (a call cycle is a call-next and a finish, two requests)."""
    by_name = {r.name: r for r in reports}
    bare = by_name.get(BARE)
    if bare is None or "issue" not in bare.operations:
        return {}
    ceiling_s = bare.operations["issue"].per_s
    out: dict[str, Any] = {"bare_per_s": round(ceiling_s, 1),
                           "bare_loadgen_cores": round(bare.loadgen_cpu_share, 2),
                           "bare_server_cores": round((bare.server_cpu_s or 0) / bare.elapsed_s, 2)}
    issue = by_name.get(f"issue, {CEILING_CLIENTS} clients")
    if issue is not None and "issue" in issue.operations:
        per_s = issue.operations["issue"].per_s
        out["issue_per_s"] = round(per_s, 1)
        out["issue_ratio"] = round(per_s / ceiling_s, 3)
    call = by_name.get(f"call, {CEILING_CLIENTS} clients")
    if call is not None and "finish" in call.operations:
        cycles = call.operations["finish"].per_s
        out["call_cycles_per_s"] = round(cycles, 1)
        out["call_cycle_ratio"] = round(cycles / ceiling_s, 3)
    boot = by_name.get(BOOT)
    if boot is not None and "boot: any device" in boot.operations:
        first = boot.operations["boot: any device"]
        out.update(boot_devices=first.count, boot_p50_ms=round(first.p50_ms, 1), boot_p99_ms=round(first.p99_ms, 1))
    out.update(flood_effect(by_name))
    return out


def flood_effect(by_name: dict[str, Report]) -> dict[str, Any]:
    """Kiosk issue p50 under the login flood against the same kiosks without it."""
    idle, flooded = by_name.get(PACED), by_name.get(FLOODED)
    if idle is None or flooded is None or "issue" not in idle.operations or "issue" not in flooded.operations:
        return {}
    refused = sum(s.per_s for op, s in flooded.operations.items() if op.startswith("login refused"))
    idle_p50, flooded_p50 = idle.operations["issue"].p50_ms, flooded.operations["issue"].p50_ms
    return {"idle_issue_p50_ms": round(idle_p50, 1), "flood_issue_p50_ms": round(flooded_p50, 1),
            "flood_logins_per_s": round(refused, 1),
            "flood_p50_factor": round(flooded_p50 / idle_p50, 2) if idle_p50 > 0 else None}


def ceiling_table(c: dict[str, Any]) -> str:
    lines = [f"### hallq against the bare endpoint ({CEILING_CLIENTS} clients, same load generator)", "",
             "| | per s | ratio to bare |", "|---|---:|---:|",
             f"| bare FastAPI endpoint with a bearer check | {c['bare_per_s']} | 1.000 |"]
    if "issue_per_s" in c:
        lines.append(f"| hallq issue | {c['issue_per_s']} | {c['issue_ratio']:.3f} |")
    if "call_cycles_per_s" in c:
        lines.append(f"| hallq call cycles (call-next + finish) | {c['call_cycles_per_s']} | "
                     f"{c['call_cycle_ratio']:.3f} |")
    lines += ["", f"At the ceiling the load generator used {c['bare_loadgen_cores']} cores and the bare "
                  f"server {c['bare_server_cores']} cores."]
    if "boot_p99_ms" in c:
        lines += ["", f"{c['boot_devices']} devices booting at once: first answer p50 {c['boot_p50_ms']} ms, "
                      f"p99 {c['boot_p99_ms']} ms."]
    if "flood_p50_factor" in c:
        lines += ["", f"Login flood: kiosk issue p50 {c['idle_issue_p50_ms']} ms alone, {c['flood_issue_p50_ms']} ms "
                      f"under {c['flood_logins_per_s']} wrong passwords/s ({c['flood_p50_factor']}x)."]
    return "\n".join(lines) + "\n"
