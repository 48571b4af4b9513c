"""A client loses the server for a while and recovers by itself: the event stream misses no
event and sees none twice, and the HTTP client carries on with the same key."""

from __future__ import annotations

import threading

import pytest
from hallq.server.models import LiveEvent, Ticket
from sqlalchemy import func, select

from hallq.client import ApiError, EventStream, HallClient, new_key
from tests.support.live import ServerProcess

from .support import fault_hall, wait_for

pytestmark = pytest.mark.timeout(120)


def test_client_rides_out_a_server_outage(db, tmp_path):
    hall = fault_hall(db, kiosks=1)
    service = hall.hall.services["amr-001"]
    server = ServerProcess(db.url, tmp_path / "server").start()
    received: list[int] = []
    states: list[str] = []
    lock = threading.Lock()

    def on_event(message):
        with lock:
            received.append(int(message["id"]))

    stream = EventStream(server.url, hall.display, on_event, on_state=states.append, max_backoff=0.5).start()
    kiosk = HallClient(server.url, hall.kiosks[0], timeout=3, retries=0)
    counter = HallClient(server.url, hall.counters[1], timeout=3, retries=0)
    try:
        assert stream.connected.wait(10)
        first_id = stream.last_id
        before = [kiosk.issue_ticket(service, key=new_key()) for _ in range(3)]
        counter.window_action(1, "call-next", key=new_key())
        assert wait_for(lambda: len(received) == 4, 10)  # 3 issued, 1 called

        server.kill()
        assert wait_for(lambda: not stream.connected.is_set(), 10)
        key = new_key()
        with pytest.raises(ApiError) as away:
            kiosk.issue_ticket(service, key=key)
        assert away.value.unreachable

        server.start()
        # The same clients, no restart of theirs: the kiosk asks again with the same key.
        during = kiosk.issue_ticket(service, key=key)
        again = kiosk.issue_ticket(service, key=key)
        assert again["id"] == during["id"] and again["replayed"]
        counter.window_action(1, "finish")
        called = counter.window_action(1, "call-next", key=new_key())
        after = [kiosk.issue_ticket(service, key=new_key()) for _ in range(2)]

        with db.read() as s:
            newest = int(s.scalar(select(func.max(LiveEvent.id))))
        assert wait_for(lambda: stream.last_id == newest, 20)
    finally:
        stream.stop()
        kiosk.close()
        counter.close()
        server.stop()

    with db.read() as s:
        logged = list(s.scalars(select(LiveEvent.id).where(LiveEvent.id > first_id).order_by(LiveEvent.id)))
        tickets = s.scalar(select(func.count()).select_from(Ticket))
    assert received == logged          # every event, in order, none twice
    assert "disconnected" in states and states[-1] == "connected"
    assert tickets == len(before) + 1 + len(after)
    assert called is not None and called["id"] == before[1]["id"]
