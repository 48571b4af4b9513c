"""How the hot path grows with the hall: 10, 100 and 1,000 windows, and a day of 100,000
tickets already stored. Each shape gets a fresh database and server; in each, 64 kiosks issue
back to back, then up to 64 windows call and finish."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ..db import Database
from .load import Load, Target
from .scenario import CEILING_CLIENTS, Phase, Tally, check, hot_queues, measure
from .stats import Report


@dataclass(frozen=True)
class Shape:
    windows: int
    preloaded: int = 0

    @property
    def name(self) -> str:
        day = f", {self.preloaded:,} tickets already today" if self.preloaded else ""
        return f"{self.windows} windows{day}"


SHAPES = (Shape(10), Shape(100), Shape(1000), Shape(100, preloaded=100_000))


def preload_day(db_url: str, tickets: int, *, chunk: int = 5000, now: datetime | None = None) -> None:
    """Store a day of ``tickets`` served tickets (issued, called, finished, each with its
    three audit rows) over every active queue, with the day's counters moved on, as a hall
    would have them by closing time. Only for the bench's own database."""
    from sqlalchemy import insert, select, update

    from .. import engine as eng
    from ..models import DailyCounter, Queue, ServiceItem, Ticket, TicketEvent, Window
    from ..writer.hot import load_config

    db = Database(db_url)
    now = now or datetime.now(UTC)
    try:
        with db.write() as s:
            conf = load_config(s.connection(), None)
            assert conf is not None, "the demo hall is seeded first"
            day = conf.today(now)
            queues = [(q.id, q.prefix) for q in s.scalars(select(Queue).where(Queue.active.is_(True))
                                                         .order_by(Queue.id))]
            service_of = {q: sid for sid, q in s.execute(select(ServiceItem.id, ServiceItem.queue_id)
                                                        .where(ServiceItem.active.is_(True)))}
            window_ids = list(s.scalars(select(Window.id).order_by(Window.number)))
            width = conf.rules.number_width
            seq = {qid: 0 for qid, _ in queues}
            start = now - timedelta(hours=8)
            step = timedelta(hours=7) / max(1, tickets)
            done = 0
            while done < tickets:
                rows, n = [], min(chunk, tickets - done)
                for i in range(done, done + n):
                    qid, prefix = queues[i % len(queues)]
                    seq[qid] += 1
                    issued = start + step * i
                    rows.append({"token": secrets.token_urlsafe(18), "queue_id": qid, "issue_queue_id": qid,
                                 "service_id": service_of.get(qid), "business_date": day, "seq": seq[qid],
                                 "number": eng.format_number(prefix, seq[qid], width), "priority": "normal",
                                 "status": eng.TicketStatus.DONE.value, "sort_key": eng.to_ms(issued),
                                 "issued_at": issued, "called_at": issued + timedelta(minutes=5),
                                 "last_called_at": issued + timedelta(minutes=5),
                                 "started_at": issued + timedelta(minutes=5),
                                 "finished_at": issued + timedelta(minutes=12),
                                 "window_id": window_ids[i % len(window_ids)], "recall_count": 0,
                                 "transfer_count": 0, "version": 3})
                ids = s.execute(insert(Ticket).returning(Ticket.id), rows).scalars().all()
                audit = []
                for tid, row in zip(ids, rows, strict=True):
                    audit += [
                        {"ticket_id": tid, "at": row["issued_at"], "action": "issue", "from_status": None,
                         "to_status": "waiting", "queue_id": row["queue_id"], "actor_kind": "device"},
                        {"ticket_id": tid, "at": row["called_at"], "action": "call", "from_status": "waiting",
                         "to_status": "called", "queue_id": row["queue_id"], "window_id": row["window_id"],
                         "actor_kind": "staff"},
                        {"ticket_id": tid, "at": row["finished_at"], "action": "finish", "from_status": "serving",
                         "to_status": "done", "queue_id": row["queue_id"], "window_id": row["window_id"],
                         "actor_kind": "staff"}]
                s.execute(insert(TicketEvent), audit)
                done += n
            for qid, last in seq.items():
                if last:
                    s.merge(DailyCounter(queue_id=qid, business_date=day, last_seq=last))
            s.execute(update(Queue).values(waiting_count=0))
    finally:
        db.dispose()


def run_shape(shape: Shape, *, db_url: str | None, workdir: Path, workers: int, procs: int, duration_s: float,
              seed: int, settings: dict[str, Any], echo: Any) -> list[Report]:
    """One hall shape on a fresh database and server: issue, then call; integrity checked."""
    from .scenario import first_ticket_id
    from .spawn import Server, fresh_database, prepare, target_for

    fresh = fresh_database(db_url, workdir)   # SQLite: a new file each time (db_url None)
    server = None
    try:
        echo(f"preparing {shape.name} in a fresh database ...")
        creds = prepare(fresh.url, kiosks=CEILING_CLIENTS, displays=1, windows=shape.windows,
                        data_dir=workdir)
        services = hot_queues(fresh.url, shape.windows)
        if shape.preloaded:
            preload_day(fresh.url, shape.preloaded)
        since = first_ticket_id(fresh.url)
        server = Server(fresh.url, workdir, workers=workers).start()
        target: Target = target_for(server.url, creds, services)
        base = Load(kiosks=0, windows=(), displays=0, duration_s=duration_s, seed=seed, idle_poll_s=0.02)
        calling = tuple(sorted(target.window_tokens)[:CEILING_CLIENTS])
        phases = [Phase(f"{shape.name}: issue, {CEILING_CLIENTS} clients", replace(base, kiosks=CEILING_CLIENTS),
                        target),
                  Phase(f"{shape.name}: call, {len(calling)} clients", replace(base, windows=calling), target)]
        tally, reports = Tally(), []
        for phase in phases:
            echo(f"running: {phase.name} ...")
            report, samples = measure(phase, procs=procs, server_pid=server.pid,
                                      settings={**settings, "hall_windows": shape.windows,
                                                "preloaded": shape.preloaded})
            tally.add(samples)
            reports.append(report)
        reports[-1].integrity = check(fresh.url, tally, since)
        return reports
    finally:
        if server is not None:
            server.stop()
        fresh.drop()


def scale_table(reports: list[Report]) -> str:
    """One row per hall shape: issue and call cycles per second, p50 / p99, CPU per request."""
    lines = ["### How it grows with the hall (64 clients issuing; up to 64 windows calling)", "",
             "| hall | issue per s | issue p50 / p99 ms | call cycles per s | call-next p50 / p99 ms | "
             "server CPU ms per request (issue / call) |", "|---|---:|---:|---:|---:|---:|"]
    by_shape: dict[str, dict[str, Report]] = {}
    for r in reports:
        shape, _, phase = r.name.partition(": ")
        by_shape.setdefault(shape, {})[phase.split(",")[0]] = r
    for shape, phases in by_shape.items():
        issue, call = phases.get("issue"), phases.get("call")
        cells = [shape]
        if issue is not None and "issue" in issue.operations:
            s = issue.operations["issue"]
            cells += [f"{s.per_s:.0f}", f"{s.p50_ms:.1f} / {s.p99_ms:.1f}"]
        else:
            cells += ["-", "-"]
        if call is not None and "finish" in call.operations:
            f, c = call.operations["finish"], call.operations.get("call-next", call.operations["finish"])
            cells += [f"{f.per_s:.0f}", f"{c.p50_ms:.1f} / {c.p99_ms:.1f}"]
        else:
            cells += ["-", "-"]
        cpu = [f"{r.server_cpu_ms_per_request:.1f}" if r is not None else "-" for r in (issue, call)]
        cells.append(" / ".join(cpu))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
