"""Many kiosks and windows at the same instant: no duplicate numbers, no ticket called twice,
nothing lost. Runs on SQLite and, with HALLQ_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from datetime import timedelta

from hallq.server.db import Database
from hallq.server.models import Queue, Ticket, TicketEvent
from hallq.server.services import tickets as tc
from hallq.server.services import windows as wc
from hallq.server.services.actors import SYSTEM
from sqlalchemy import func, select

THREADS = 8
PER_THREAD = 25


def run_threads(target, count):
    errors: list[BaseException] = []
    barrier = threading.Barrier(count)

    def wrapped(i):
        try:
            barrier.wait(timeout=30)
            target(i)
        except BaseException as exc:  # collected and re-raised in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=wrapped, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    if errors:
        raise errors[0]


def test_concurrent_issue_and_call(hall, db, now):
    service = hall.services["amr-001"]
    with db.write() as s:
        s.execute(Queue.__table__.update().values(daily_quota=None))
    issued: list[str] = []
    lock = threading.Lock()

    def kiosk(i):
        for n in range(PER_THREAD):
            with db.write() as s:
                t, _ = tc.issue_ticket(s, service, actor=hall.kiosk, now=now + timedelta(milliseconds=n),
                                       secret=b"s", idempotency_key=f"kiosk-{i}-{n}")
                number = t.number
            with lock:
                issued.append(number)

    run_threads(kiosk, THREADS)
    total = THREADS * PER_THREAD
    assert len(issued) == total
    assert sorted(issued) == [f"A{i:03d}" for i in range(1, total + 1)]

    called: list[int] = []
    windows = [1, 2, 3, 9]    # all four serve amr-reg

    def window(i):
        number = windows[i]
        while True:
            with db.write() as s:
                t, _ = wc.call_next(s, number, actor=SYSTEM, now=now + timedelta(minutes=1))
                if t is None:
                    return
                tid = t.id
                wc.finish(s, number, actor=SYSTEM, now=now + timedelta(minutes=2))
            with lock:
                called.append(tid)

    run_threads(window, len(windows))
    assert len(called) == total
    assert len(set(called)) == total, "a ticket was called by two windows"
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket).where(Ticket.status == "done")) == total
        calls = Counter(s.scalars(select(TicketEvent.ticket_id).where(TicketEvent.action == "call")))
        assert set(calls.values()) == {1}
        assert s.get(Queue, hall.queues["amr-reg"]).waiting_count == 0


def test_concurrent_retries_with_one_key_make_one_ticket(hall, db, now):
    results: list[int] = []
    lock = threading.Lock()

    def retry(_i):
        with db.write() as s:
            t, _ = tc.issue_ticket(s, hall.services["amr-001"], actor=hall.kiosk, now=now, secret=b"s",
                                   idempotency_key="same-key")
            with lock:
                results.append(t.id)

    run_threads(retry, 6)
    assert len(set(results)) == 1
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1


def _issue_in_process(url: str, service_id: int, device_id: int, count: int, start_iso: str, out) -> None:
    from datetime import datetime

    from hallq.server.services.actors import device_actor

    database = Database(url)
    now = datetime.fromisoformat(start_iso)
    numbers = []
    for _ in range(count):
        with database.write() as s:
            t, _ = tc.issue_ticket(s, service_id, actor=device_actor(device_id, "kiosk"), now=now, secret=b"s")
            numbers.append(t.number)
    database.dispose()
    out.put(numbers)


def test_concurrent_issue_from_several_processes(hall, db, db_url, now):
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    procs = [ctx.Process(target=_issue_in_process,
                         args=(db_url, hall.services["amr-002"], hall.kiosk.id, 30, now.isoformat(), out))
             for _ in range(3)]
    for p in procs:
        p.start()
    numbers = [n for _ in procs for n in out.get(timeout=120)]
    for p in procs:
        p.join(timeout=30)
        assert p.exitcode == 0
    assert sorted(numbers) == [f"B{i:03d}" for i in range(1, 91)]
