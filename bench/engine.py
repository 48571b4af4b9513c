"""Engine benchmark: decisions per second of the pure engine, and the cost of "call next" with
100, 10,000 and 100,000 tickets waiting, on SQLite and PostgreSQL.

    .venv/bin/python bench/engine.py                      # SQLite (a temporary file)
    .venv/bin/python bench/engine.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test

On PostgreSQL the benchmark works in a schema of its own and drops it afterwards. The queues
are filled by bulk insert; "call next" then runs through the real use case
(server/services/windows.call_next) in its own transaction, followed by finish, as a window
does. It must not grow with the queue: the heads of a window's queues are index seeks.
"""

from __future__ import annotations

import argparse
import json
import random
import secrets
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from hallq.server.bench.spawn import fresh_database
from hallq.server.catalog import CatalogFile, import_catalog
from hallq.server.db import Database, upgrade
from hallq.server.engine import (
    HallRules,
    Head,
    MemoryHall,
    Queue,
    Route,
    RoutingPolicy,
    Window,
    choose,
    format_number,
    sort_key,
    to_ms,
)
from hallq.server.models import DailyCounter, Ticket
from hallq.server.models import Queue as QueueRow
from hallq.server.services import windows as window_cases
from hallq.server.services.actors import SYSTEM
from hallq.server.services.hall import get_hall, today
from sqlalchemy import func, insert, select, update

SIZES = (100, 10_000, 100_000)
CATALOG: dict[str, Any] = {
    "version": 1,
    "hall": {"code": "bench", "name_zh": "基准大厅"},
    "departments": [{"code": "d", "name_zh": "部门"}],
    "queues": [{"code": f"q{i}", "department": "d", "prefix": p, "name_zh": f"队列{i}"}
               for i, p in enumerate("ABC")],
    "services": [{"code": f"s{i}", "department": "d", "queue": f"q{i}", "name_zh": f"事项{i}"} for i in range(3)],
    # Windows serving the three queues under each routing policy.
    "windows": [{"number": n, "queues": ["q0", "q1", "q2"], "policy": policy}
                for n, policy in enumerate(["strict", "weighted", "longest_wait", "sla"], start=1)],
}


# -- the pure engine ---------------------------------------------------------------------------

def bench_choose(seconds: float = 1.0) -> dict[str, float]:
    """choose() calls per second for each policy over a window of 5 queues, all with heads."""
    route = Route((1, 2, 3, 4, 5), (3, 1, 1, 2, 1))
    now = 1_700_000_000_000
    heads = {q: Head(q, q, now - q * 60_000, 1200) for q in route.queue_ids}
    out = {}
    for policy in RoutingPolicy:
        credits: dict[int, int] = {}
        n = 0
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            for _ in range(1000):
                credits = choose(policy, route, heads, now_ms=now, credits=credits).credits
            n += 1000
        out[policy.value] = n / seconds
    return out


def bench_memory_hall(waiting: int = 10_000, calls: int = 20_000) -> dict[str, float]:
    """MemoryHall: issue, then call next + finish, per second, with ``waiting`` tickets queued."""
    hall = MemoryHall(rules=HallRules(number_width=6))
    for q in (1, 2, 3):
        hall.add_queue(Queue(q, prefix="ABC"[q - 1]))
    hall.add_window(Window(1, 1, policy=RoutingPolicy.SLA), Route((1, 2, 3)))
    hall.open(1)
    t0 = datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
    rng = random.Random(1)
    start = time.perf_counter()
    for i in range(waiting + calls):
        hall.issue(rng.choice((1, 2, 3)), t0 + timedelta(milliseconds=i))
    issued = (waiting + calls) / (time.perf_counter() - start)
    start = time.perf_counter()
    now = t0 + timedelta(hours=1)
    for _ in range(calls):
        hall.call_next(1, now)
        hall.finish(1, now)
    called = calls / (time.perf_counter() - start)
    return {"issue_per_s": issued, "call_next_and_finish_per_s": called}


# -- call next on a database ---------------------------------------------------------------------

def fill(db: Database, waiting: int, now: datetime) -> None:
    """Bulk-insert ``waiting`` waiting tickets spread over the three queues (and keep the
    queues' waiting counts and daily counters in step, as issuing would)."""
    with db.write() as s:
        hall = get_hall(s)
        day = today(hall, now)
        queues = dict(s.execute(select(QueueRow.id, QueueRow.prefix)).all())
        seq = dict(s.execute(select(DailyCounter.queue_id, DailyCounter.last_seq)
                             .where(DailyCounter.business_date == day)).all())
    rules = HallRules(number_width=6)
    ids = sorted(queues)
    rng = random.Random(waiting)
    rows: list[dict[str, Any]] = []
    added = dict.fromkeys(ids, 0)

    def flush() -> None:
        if rows:
            with db.write() as s:
                s.execute(insert(Ticket), rows)
            rows.clear()

    base = now - timedelta(hours=2)
    for i in range(waiting):
        qid = ids[i % len(ids)]
        added[qid] += 1
        n = seq.get(qid, 0) + added[qid]
        issued = base + timedelta(milliseconds=i * 50)
        priority = "elderly" if rng.random() < 0.1 else "normal"
        rows.append({"token": secrets.token_urlsafe(18), "queue_id": qid, "issue_queue_id": qid, "service_id": None,
                     "business_date": day, "seq": n, "number": format_number(queues[qid], n, rules.number_width),
                     "priority": priority, "status": "waiting", "sort_key": sort_key(to_ms(issued), priority, rules),
                     "issued_at": issued, "recall_count": 0, "transfer_count": 0, "version": 0})
        if len(rows) >= 5000:
            flush()
    flush()
    with db.write() as s:
        for qid, n in added.items():
            s.execute(update(QueueRow).where(QueueRow.id == qid).values(waiting_count=QueueRow.waiting_count + n))
            if qid in seq:
                s.execute(update(DailyCounter).where(DailyCounter.queue_id == qid, DailyCounter.business_date == day)
                          .values(last_seq=seq[qid] + n))
            else:
                s.add(DailyCounter(queue_id=qid, business_date=day, last_seq=n))


def time_calls(db: Database, calls: int, now: datetime) -> dict[str, float]:
    """Call next + finish ``calls`` times, round robin over the four windows (policies)."""
    took: list[float] = []
    for i in range(calls):
        window = 1 + i % 4
        at = now + timedelta(seconds=i)
        start = time.perf_counter()
        with db.write() as s:
            ticket, _ = window_cases.call_next(s, window, actor=SYSTEM, now=at)
        took.append(time.perf_counter() - start)
        assert ticket is not None
        with db.write() as s:
            window_cases.finish(s, window, actor=SYSTEM, now=at)
    took.sort()
    return {"mean_ms": statistics.fmean(took) * 1000, "p50_ms": took[len(took) // 2] * 1000,
            "p99_ms": took[int(len(took) * 0.99) - 1] * 1000, "per_s": 1 / statistics.fmean(took)}


def bench_database(url: str | None, calls: int) -> tuple[str, dict[int, dict[str, float]]]:
    workdir = Path(tempfile.mkdtemp(prefix="hallq-engine-bench-"))
    fresh = fresh_database(url, workdir)
    try:
        upgrade(fresh.url)
        db = Database(fresh.url)
        now = datetime.now(UTC).replace(hour=2, minute=0)   # 10:00 in the hall
        with db.write() as s:
            import_catalog(s, CatalogFile.parse(CATALOG), actor=SYSTEM, now=now)
        with db.write() as s:
            for n in (1, 2, 3, 4):
                window_cases.open_window(s, n, actor=SYSTEM, now=now)
        out: dict[int, dict[str, float]] = {}
        for size in SIZES:
            with db.read() as s:
                have = int(s.scalar(select(func.count()).select_from(Ticket).where(Ticket.status == "waiting")) or 0)
            fill(db, size + calls - have, now)
            if not db.sqlite:
                with db.writer.connect() as conn:
                    conn.exec_driver_sql("ANALYZE tickets")
            time_calls(db, 20, now)   # warm the caches and the statement cache
            out[size] = time_calls(db, calls, now + timedelta(minutes=1))
        backend = "SQLite" if db.sqlite else "PostgreSQL"
        db.dispose()
        return backend, out
    finally:
        fresh.drop()
        shutil.rmtree(workdir, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None, help="PostgreSQL URL (a schema is made in it); default SQLite")
    parser.add_argument("--calls", type=int, default=400, help="calls measured per queue size")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers as JSON")
    args = parser.parse_args()

    print("## Pure engine (no database)\n")
    decisions = bench_choose()
    print("| routing policy | choose() decisions per s |\n|---|---:|")
    for policy, rate in decisions.items():
        print(f"| {policy} | {rate:,.0f} |")
    memory = bench_memory_hall()
    print(f"\nMemoryHall (SLA window over 3 queues, 10,000 waiting): issue {memory['issue_per_s']:,.0f}/s, "
          f"call next + finish {memory['call_next_and_finish_per_s']:,.0f}/s\n")
    backend, calls = bench_database(args.db, args.calls)
    print(f"## call next on {backend} (use case, one transaction; 4 windows x 3 queues, {args.calls} calls)\n")
    print("| tickets waiting | mean ms | p50 ms | p99 ms | calls per s |\n|---:|---:|---:|---:|---:|")
    for size, r in calls.items():
        print(f"| {size:,} | {r['mean_ms']:.2f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['per_s']:.0f} |")
    if args.json:
        args.json.write_text(json.dumps({"choose_per_s": decisions, "memory_hall": memory,
                                         "database": backend, "call_next": calls}, indent=2))


if __name__ == "__main__":
    main()
