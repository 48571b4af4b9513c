"""Benchmark: from the kiosk's confirming touch to the ticket cut on the printer.

    .venv/bin/python bench/kiosk_print.py              # 50 tickets per mode, SQLite, loopback
    .venv/bin/python bench/kiosk_print.py -n 200 --write bench/RESULTS-kiosk.md

What is timed is what a visitor waits for after touching "确认取号": the view-model's
``TakeNumber.confirm()`` (POST /api/v1/tickets with its Idempotency-Key to a real server on
127.0.0.1, then rendering the ticket and sending it to the printer) until the virtual
printer, listening on TCP like a network printer, has received the cut. Both Chinese modes
of the printer profile are measured: ``native`` (GB18030 text, the printer's own font) and
``raster`` (every line drawn with Pillow and sent as an image). Not a test: numbers depend
on the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from hallq.hardware.printer import PrinterProfile, PrinterSimulator, Receipt, open_printer
from hallq.kiosk.config import KioskSettings
from hallq.kiosk.model import Issued, Kiosk
from hallq.server.app import create_app
from hallq.server.catalog import CatalogFile, import_catalog, load_catalog_file
from hallq.server.cli import DEMO_CATALOG
from hallq.server.db import Database, upgrade
from hallq.server.models import Queue
from hallq.server.services import accounts
from hallq.server.services import windows as wc
from hallq.server.services.actors import SYSTEM
from hallq.server.settings import Settings
from sqlalchemy import select, update


class TimedPrinter(PrinterSimulator):
    """The virtual printer, noting when each receipt's cut arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.cut_at: list[float] = []

    def _record(self, receipt: Receipt) -> None:
        self.cut_at.append(time.perf_counter())
        super()._record(receipt)


def serve(db_url: str, data_dir: Path) -> tuple[uvicorn.Server, threading.Thread, str]:
    settings = Settings(database_url=db_url, data_dir=data_dir, secret_key="bench", discovery=False,
                        sweep_interval_s=3600)
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}"


def seed(db: Database) -> str:
    """The demo catalog, every window open, no daily quotas (a benchmark takes many
    tickets); returns a kiosk device token."""
    now = datetime.now(UTC)
    with db.write() as s:
        import_catalog(s, CatalogFile.parse(load_catalog_file(DEMO_CATALOG)), actor=SYSTEM, now=now)
        s.execute(update(Queue).values(daily_quota=None))
    with db.write() as s:
        from hallq.server.models import Window

        for number in s.scalars(select(Window.number)).all():
            wc.open_window(s, number, actor=SYSTEM, now=now)
        _, token = accounts.add_device(s, "kiosk", "bench-kiosk", actor=SYSTEM, now=now)
    return token


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_mode(kiosk: Kiosk, printer: TimedPrinter, n: int, warmup: int) -> dict[str, Any]:
    flow = kiosk.take_number
    departments = kiosk.catalog.departments_in(None)
    to_cut: list[float] = []
    to_return: list[float] = []
    for i in range(warmup + n):
        dept = departments[i % len(departments)]
        flow.reset()
        services = flow.choose_department(int(dept["id"]))
        flow.choose_service(int(services[i % len(services)]["id"]))
        cuts = len(printer.cut_at)
        started = time.perf_counter()
        outcome = flow.confirm()                     # the confirming touch
        returned = time.perf_counter()
        if not isinstance(outcome, Issued) or not outcome.printed.printed:
            raise RuntimeError(f"ticket {i} not issued and printed: {outcome}")
        printer.wait_for_receipts(cuts + 1, timeout=10)
        if i >= warmup:
            to_cut.append((printer.cut_at[cuts] - started) * 1000)
            to_return.append((returned - started) * 1000)
    return {"n": n, "cut_p50": statistics.median(to_cut), "cut_p95": pct(to_cut, 0.95),
            "cut_max": max(to_cut), "return_p50": statistics.median(to_return),
            "return_p95": pct(to_return, 0.95)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=50, help="tickets per mode (default 50)")
    parser.add_argument("--warmup", type=int, default=5, help="tickets before timing starts")
    parser.add_argument("--write", type=Path, help="write the results as Markdown to this file")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="hallq-bench-") as tmp:
        db_url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade(db_url)
        db = Database(db_url)
        token = seed(db)
        server, thread, url = serve(db_url, Path(tmp) / "var")
        results: dict[str, dict[str, Any]] = {}
        try:
            for mode in ("native", "raster"):
                printer = TimedPrinter()
                printer.serve_tcp("127.0.0.1", 0)
                profile = PrinterProfile.mm80(mode=mode)
                kiosk = Kiosk(KioskSettings(url=url, token=token, discovery=False, prefetch_guides=False,
                                            cache_dir=Path(tmp) / "cache"),
                              printer=open_printer(printer.tcp_uri, profile))
                kiosk.boot()
                try:
                    results[mode] = run_mode(kiosk, printer, args.n, args.warmup)
                finally:
                    kiosk.stop()
                    printer.close()
        finally:
            server.should_exit = True
            thread.join(timeout=15)
            db.dispose()

    lines = report(results, args.n)
    print("\n".join(lines))
    if args.write:
        args.write.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return 0


def report(results: dict[str, dict[str, Any]], n: int) -> list[str]:
    cpu = os.cpu_count()
    lines = [
        "# Kiosk: confirming touch to ticket cut",
        "",
        "`bench/kiosk_print.py`: the kiosk's view-model `TakeNumber.confirm()` issues a ticket "
        "(POST /api/v1/tickets with an Idempotency-Key, real server on 127.0.0.1, SQLite, demo "
        "catalog) and prints it on the virtual printer over TCP; timed until the printer has "
        "received the cut. \"Returned\" adds the driver's status query after the job (the "
        "screen shows the ticket then).",
        "",
        f"Run {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')} on {platform.system()} "
        f"{platform.machine()}, {cpu} CPUs, Python {platform.python_version()}; {n} tickets per mode "
        "after a warm-up.",
        "",
        "| Chinese mode | to cut p50 | to cut p95 | to cut max | returned p50 | returned p95 |",
        "|---|---|---|---|---|---|",
    ]
    for mode, r in results.items():
        label = {"native": "native (GB18030 text)", "raster": "raster (Pillow images)"}[mode]
        lines.append(f"| {label} | {r['cut_p50']:.1f} ms | {r['cut_p95']:.1f} ms | {r['cut_max']:.1f} ms | "
                     f"{r['return_p50']:.1f} ms | {r['return_p95']:.1f} ms |")
    return lines


if __name__ == "__main__":
    sys.exit(main())
