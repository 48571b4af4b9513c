"""The database is briefly locked (SQLite) or unreachable (PostgreSQL): requests fail cleanly
with 503 database_unavailable, nothing is half-written, and the server recovers by itself."""

from __future__ import annotations

import sqlite3
import threading
import uuid

import httpx
import pytest
from hallq.server.bench.integrity import verify
from hallq.server.models import DailyCounter, Ticket
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL
from tests.support.live import ServerProcess
from tests.support.proxy import FaultProxy

from .support import fault_hall, wait_for

pytestmark = pytest.mark.timeout(120)


def _issue(http: httpx.Client, service: int, key: str) -> httpx.Response:
    return http.post("/tickets", json={"service_id": service}, headers={"Idempotency-Key": key})


def _code(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


def _nothing_half_written(db, answered: dict[str, tuple[int, str]]) -> None:
    assert verify(db, told=answered)["problems"] == []
    with db.read() as s:
        tickets = s.scalar(select(func.count()).select_from(Ticket))
        numbered = s.scalar(select(func.sum(DailyCounter.last_seq)))
    assert tickets == len(answered) == numbered   # no ticket and no number from a failed request


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's file lock")
def test_sqlite_locked_longer_than_the_busy_timeout(db, tmp_path):
    hall = fault_hall(db, kiosks=1)
    service = hall.hall.services["amr-001"]
    server = ServerProcess(db.url, tmp_path / "server", env={"HALLQ_SQLITE_BUSY_TIMEOUT_MS": "300"}).start()
    answered: dict[str, tuple[int, str]] = {}
    kiosk = httpx.Client(base_url=server.url + "/api/v1", headers={"Authorization": f"Bearer {hall.kiosks[0]}"},
                         timeout=10)
    counter = httpx.Client(base_url=server.url + "/api/v1", timeout=10,
                           headers={"Authorization": f"Bearer {hall.counters[1]}"})
    try:
        first = _issue(kiosk, service, "k1")
        assert first.status_code == 201
        answered["k1"] = (first.json()["id"], first.json()["number"])

        # Another program holds the write lock for well over the server's busy timeout.
        blocker = sqlite3.connect(make_url(db.url).database, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            refused = [_issue(kiosk, service, "k2"), counter.post("/windows/1/call-next"),
                       counter.post("/windows/1/pause", json={"reason": "lunch"})]
            assert [r.status_code for r in refused] == [503, 503, 503]
            assert {_code(r) for r in refused} == {"database_unavailable"}
            assert all(r.headers.get("Retry-After") for r in refused)
            # Reading needs no write lock: displays and status pages keep working.
            assert kiosk.get("/queues").status_code == 200
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()

        # Recovered by itself: the same key now issues the ticket, numbered right after A001.
        second = _issue(kiosk, service, "k2")
        assert second.status_code == 201 and second.json()["number"] == "A002"
        answered["k2"] = (second.json()["id"], second.json()["number"])
        assert counter.post("/windows/1/call-next").status_code == 200
    finally:
        kiosk.close()
        counter.close()
        server.stop()
    _nothing_half_written(db, answered)
    assert "Exception in ASGI application" not in server.log.read_text()   # no 500 anywhere


@pytest.mark.skipif(not PG_URL, reason="PostgreSQL connections")
def test_postgres_unreachable_then_back(db, tmp_path):
    hall = fault_hall(db, kiosks=1)
    service = hall.hall.services["amr-001"]
    url = make_url(db.url)
    proxy = FaultProxy(url.port or 5432, url.host or "127.0.0.1").up()
    app_name = f"hallq_fault_{uuid.uuid4().hex[:8]}"
    via_proxy = url.set(port=proxy.port).update_query_dict({"application_name": app_name})
    server = ServerProcess(via_proxy.render_as_string(hide_password=False), tmp_path / "server").start()
    answered: dict[str, tuple[int, str]] = {}
    statuses: list[int] = []
    kiosk = httpx.Client(base_url=server.url + "/api/v1", headers={"Authorization": f"Bearer {hall.kiosks[0]}"},
                         timeout=15)
    admin = create_engine(PG_URL)
    try:
        first = _issue(kiosk, service, "k1")
        assert first.status_code == 201
        answered["k1"] = (first.json()["id"], first.json()["number"])

        # 1. The server's connections are terminated under it (a restart of PostgreSQL, a DBA).
        with admin.begin() as conn:
            killed = conn.execute(text("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                       "WHERE application_name = :a"), {"a": app_name}).scalar()
        assert killed >= 1
        for key in ("k2", "k2"):   # at worst one clean refusal, then the pool reconnects
            r = _issue(kiosk, service, key)
            statuses.append(r.status_code)
            if r.status_code in (200, 201):
                break
            assert r.status_code == 503 and _code(r) == "database_unavailable"
        assert r.status_code == 201
        answered["k2"] = (r.json()["id"], r.json()["number"])

        # 2. The database cannot be reached at all for a while.
        proxy.down()
        outage = [_issue(kiosk, service, "k3"), kiosk.get("/queues")]
        statuses += [r.status_code for r in outage]
        assert [r.status_code for r in outage] == [503, 503]
        assert {_code(r) for r in outage} == {"database_unavailable"}
        assert kiosk.get("/health").json()["database"] == "unreachable"
        proxy.up()
        assert wait_for(lambda: kiosk.get("/health").json()["database"] == "ok", 20, 0.2)
        third = _issue(kiosk, service, "k3")
        assert third.status_code == 201 and third.json()["number"] == "A003"
        answered["k3"] = (third.json()["id"], third.json()["number"])
    finally:
        kiosk.close()
        server.stop()
        proxy.down()
        admin.dispose()
    assert 500 not in statuses
    assert "Exception in ASGI application" not in server.log.read_text()
    _nothing_half_written(db, answered)


@pytest.mark.skipif(bool(PG_URL), reason="SQLite's single writer")
def test_writers_of_one_process_queue_within_the_busy_timeout(db_url):
    """Threads of one server process wait their turn for SQLite's write lock in a queue, and
    give up with OperationalError (503) after the busy timeout, not later."""
    from hallq.server.db import Database
    from sqlalchemy.exc import OperationalError

    db = Database(db_url, busy_timeout_ms=200)
    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with db.write() as s:
            s.execute(text("UPDATE queues SET waiting_count = waiting_count"))
            holding.set()
            release.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        with pytest.raises(OperationalError), db.write() as s:
            s.execute(text("UPDATE queues SET waiting_count = waiting_count"))
    finally:
        release.set()
        holder.join(10)
    with db.write() as s:   # free again
        s.execute(text("UPDATE queues SET waiting_count = waiting_count"))
    db.dispose()
