"""kill -9 the writer process alone while kiosks issue and windows call, with two workers:
the workers stay up and answer 503 ``writer_unavailable`` while it is away, the server
starts a new writer that takes its state from the database, and afterwards every ticket a
kiosk was told about exists once, no number repeats and no ticket was called twice."""

from __future__ import annotations

import os
import signal
import threading
import time

import httpx
import psutil
import pytest
from hallq.server.bench.integrity import verify
from hallq.server.models import DailyCounter, Ticket
from sqlalchemy import func, select

from tests.support.live import ServerProcess

from . import support
from .support import Counter, Kiosk, Tally, fault_hall

pytestmark = pytest.mark.timeout(240)
KILLS = 3


def _writer_pid(server: ServerProcess, timeout: float = 20) -> int:
    assert server.proc is not None
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        for child in psutil.Process(server.proc.pid).children():
            try:
                if "writer" in child.cmdline():
                    return int(child.pid)
            except psutil.NoSuchProcess:
                continue
        time.sleep(0.05)
    raise AssertionError("the server runs no writer process")


def _workers(server: ServerProcess) -> set[int]:
    assert server.proc is not None
    return {c.pid for c in psutil.Process(server.proc.pid).children() if "writer" not in c.cmdline()}


def test_killing_the_writer_alone_answers_503_then_recovers_losing_nothing(db, tmp_path, monkeypatch):
    # The devices ask again on the writer's 503 as on any other outage.
    monkeypatch.setattr(support, "RETRY", support.RETRY | {"writer_unavailable"})
    hall = fault_hall(db, kiosks=3)
    server = ServerProcess(db.url, tmp_path / "server", workers=2).start()
    tally = Tally()
    stop = threading.Event()
    deadline = time.monotonic() + 150
    services = list(hall.hall.services.values())
    devices: list[Kiosk | Counter] = [
        Kiosk(server.url, token, tally, stop, deadline, service_ids=services[i:] + services[:i])
        for i, token in enumerate(hall.kiosks)]
    devices += [Counter(server.url, token, tally, stop, deadline, window=n) for n, token in hall.counters.items()]
    answers: list[httpx.Response] = []
    try:
        workers = _workers(server)
        for d in devices:
            d.start()
        for _ in range(KILLS):
            time.sleep(1.5)
            told_before = len(tally.told)
            writer = _writer_pid(server)
            os.kill(writer, signal.SIGKILL)
            # While it is away, a write is answered at once with a coded 503, not left hanging.
            answers.append(httpx.post(f"{server.url}/api/v1/tickets", json={"service_id": services[0]},
                                      headers={"Authorization": f"Bearer {hall.kiosks[0]}"}, timeout=10))
            assert _writer_pid(server) != writer
            assert _until(lambda: len(tally.told) > told_before, 30)  # noqa: B023
            assert _workers(server) == workers      # the workers lived through it
        time.sleep(1.0)
    finally:
        stop.set()
        for d in devices:
            d.join(timeout=30)
        server.stop()
    assert not [d.error for d in devices if d.error is not None]
    assert "writer_unavailable" in tally.refused     # the kills hit requests in flight
    refused = [a for a in answers if a.status_code != 201]
    assert refused, "no write arrived while the writer was away"
    for answer in refused:
        assert answer.status_code == 503
        assert answer.json()["error"]["code"] == "writer_unavailable"
        assert answer.headers["Retry-After"] == "1"
    told = {**tally.told, **{f"direct-{i}": (a.json()["id"], a.json()["number"])
                             for i, a in enumerate(answers) if a.status_code == 201}}
    result = verify(db, told=told, calls=tally.calls)
    assert result["problems"] == []
    assert result["ok"] and result["tickets_audited"] >= len(told)
    with db.read() as s:
        tickets = s.scalar(select(func.count()).select_from(Ticket))
        numbered = s.scalar(select(func.sum(DailyCounter.last_seq)))
    assert tickets == len(told)
    assert numbered == tickets


def _until(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False
