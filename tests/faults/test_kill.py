"""kill -9 the server (two workers) again and again while kiosks issue and windows call:
afterwards every ticket a kiosk was told about exists once, no number repeats, no ticket was
called by two windows, and every ticket's audit trail is complete."""

from __future__ import annotations

import threading
import time

import pytest
from hallq.server.bench.integrity import verify
from hallq.server.models import DailyCounter, Ticket
from sqlalchemy import func, select

from tests.support.live import ServerProcess

from .support import Counter, Kiosk, Tally, fault_hall

pytestmark = pytest.mark.timeout(240)
KILLS = 3


def test_kill9_during_load_loses_and_doubles_nothing(db, tmp_path):
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
    try:
        for d in devices:
            d.start()
        for _ in range(KILLS):
            time.sleep(1.5)
            told_before = len(tally.told)
            server.kill()
            time.sleep(0.3)
            server.start()
            # The devices carry on by themselves once the server is back.
            assert _until(lambda: len(tally.told) > told_before, 30)  # noqa: B023
        time.sleep(1.0)
    finally:
        stop.set()
        for d in devices:
            d.join(timeout=30)
        server.stop()
    assert not [d.error for d in devices if d.error is not None]
    assert not any(d.is_alive() for d in devices)
    # The kills hit requests in flight (otherwise this test proves nothing).
    assert "unreachable" in tally.refused
    assert len(tally.told) >= 30 and len(tally.calls) >= 10

    result = verify(db, told=tally.told, calls=tally.calls)
    assert result["problems"] == []
    assert result["ok"] and result["tickets_audited"] >= len(tally.told)
    with db.read() as s:
        tickets = s.scalar(select(func.count()).select_from(Ticket))
        numbered = s.scalar(select(func.sum(DailyCounter.last_seq)))
    # Every ticket in the database is one a kiosk was told about (none orphaned by a retry),
    # and no number was used up by a request that did not finish.
    assert tickets == len(tally.told)
    assert numbered == tickets


def _until(predicate, timeout: float) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return False
