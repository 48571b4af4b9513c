"""Benchmark of the credit records: import rate and search latency on 100,000 companies.

    .venv/bin/python bench/credit_search.py                       # SQLite, in a temporary file
    .venv/bin/python bench/credit_search.py --db postgresql+psycopg://postgres@127.0.0.1:5432/test

On PostgreSQL the run gets a schema of its own, dropped at the end. Reports the import rate
(rows per second: reading the JSON Lines file, validating, masking and writing, FTS upkeep
included) and p50/p99 search latency through the same code the API uses (LocalSource), for
exact codes, name fragments of 2 characters (below the trigram size: a scan) and of 4, and
pinyin initials; and guide search on the demo hall's 363 items. Not a test: numbers vary with
the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path

from hallq.server.catalog import CatalogFile, import_catalog, load_catalog_file
from hallq.server.cli import DEMO_CATALOG
from hallq.server.credit import LocalSource, demo, import_rows, load_file, parse_query
from hallq.server.credit.guides import search_guides
from hallq.server.credit.search import name_initials
from hallq.server.db import Database, upgrade
from hallq.server.services.actors import SYSTEM
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

FORMS = tuple(f[0] for f in demo.FORMS)
REGIONS = tuple(sorted({demo.CITY, demo.CITY[:2], *(d for _, d in demo.DISTRICTS),
                        *(demo.CITY + d for _, d in demo.DISTRICTS)}, key=len, reverse=True))


def core(name: str) -> str:
    """华瑞建材贸易 of 湘江市华瑞建材贸易有限公司: the part visitors remember."""
    for region in REGIONS:
        if name.startswith(region):
            name = name[len(region):]
            break
    for form in FORMS:
        name = name.removesuffix(form)
    return name


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default=None, help="Database URL (default: a temporary SQLite file)")
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300, help="queries of each kind")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="hallq-bench-"))
    schema = None
    url = args.db or f"sqlite:///{workdir / 'bench.sqlite3'}"
    if make_url(url).get_backend_name() == "postgresql":
        schema = f"hallq_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False)
    try:
        return run(url, workdir, args)
    finally:
        if schema is not None:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def run(url: str, workdir: Path, args: argparse.Namespace) -> int:
    backend = make_url(url).get_backend_name()
    print(f"database: {backend}; {args.count} companies", flush=True)
    upgrade(url)
    db = Database(url)
    now = datetime.now(UTC)

    started = time.perf_counter()
    records = list(demo.companies(args.count, seed=args.seed))
    export = workdir / "companies.jsonl"
    demo.write_jsonl(export, records)
    print(f"generated and written in {time.perf_counter() - started:.1f} s ({export.stat().st_size >> 20} MB)",
          flush=True)

    started = time.perf_counter()
    loaded = load_file(export)
    report = import_rows(db, loaded, actor=SYSTEM, now=now, batch_size=args.batch)
    elapsed = time.perf_counter() - started
    assert report.created == args.count, report.summary()
    print(f"import: {report.summary()} in {elapsed:.1f} s = {args.count / elapsed:.0f} rows/s", flush=True)

    started = time.perf_counter()
    again = import_rows(db, load_file(export), actor=SYSTEM, now=now, batch_size=args.batch)
    elapsed_again = time.perf_counter() - started
    assert again.unchanged == args.count, again.summary()
    print(f"re-import (nothing changes): {elapsed_again:.1f} s = {args.count / elapsed_again:.0f} rows/s", flush=True)

    rng = random.Random(args.seed)
    picks = rng.sample(records, args.queries)
    kinds: dict[str, list[str]] = {
        "code (exact)": [r["code"] for r in picks],
        "name, 2 characters": [core(r["name"])[:2] for r in picks],
        "name, 4 characters": [core(r["name"])[:4] for r in picks],
        "initials, 4 letters": [name_initials(core(r["name"]))[:4] for r in picks],
    }
    source = LocalSource(db)
    today = date.today()
    rows = []
    for label, queries in kinds.items():
        source.search(parse_query(queries[0]), limit=20, today=today)   # warm the caches
        found: list[int] = []
        samples = []
        for q in queries:
            parsed = parse_query(q)
            started = time.perf_counter()
            found.append(len(source.search(parsed, limit=20, today=today)))
            samples.append((time.perf_counter() - started) * 1000)
        p50, p99 = percentiles(samples)
        rows.append((label, p50, p99, statistics.mean(found)))

    with db.write() as s:
        import_catalog(s, CatalogFile.parse(load_catalog_file(DEMO_CATALOG)), actor=SYSTEM, now=now)
    words = ["营业执照", "身份证", "申请表", "社保", "不动产", "qysldj", "公积金", "护照", "税务", "婚姻登记", "医保",
             "出生", "gs", "许可证", "户口"]
    samples = []
    guides_found: list[int] = []
    for q in words * 10:
        def guide(q: str = q) -> None:
            with db.read() as s:
                results, _total = search_guides(s, q, department_id=None, limit=20)
            guides_found.append(len(results))
        samples.append(timed(guide))
    p50, p99 = percentiles(samples)
    rows.append(("guides (363 items)", p50, p99, statistics.mean(guides_found)))

    print(f"\nsearch latency on {backend}, {args.queries} queries each (limit 20):")
    print("| query | p50 ms | p99 ms | mean results |")
    print("|---|---|---|---|")
    for label, p50, p99, mean in rows:
        print(f"| {label} | {p50:.2f} | {p99:.2f} | {mean:.1f} |")
    db.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
