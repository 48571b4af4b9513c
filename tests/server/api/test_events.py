"""Live events over a real WebSocket: order, replay after a reconnect, several processes."""

from __future__ import annotations

import json
import threading
import time

import httpx
import pytest
from hallq.server.models import LiveEvent
from sqlalchemy import func, select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from hallq.client import EventStream
from tests.support.live import ServerProcess


def ws_url(base: str, token: str, **params: object) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"token": token, **params}.items())
    return base.replace("http", "ws", 1) + f"/api/v1/events?{query}"


def receive_until(sock, count: int, timeout: float = 10.0) -> list[dict]:
    out = []
    deadline = time.monotonic() + timeout
    while len(out) < count:
        raw = sock.recv(timeout=max(0.01, deadline - time.monotonic()))
        message = json.loads(raw)
        if "id" in message:
            out.append(message)
    return out


def test_subscriber_sees_issue_and_call_in_order(live):
    with connect(ws_url(live.url, live.tokens["display"])) as sock:
        hello = json.loads(sock.recv(timeout=5))
        assert hello["type"] == "hello"
        with live.client("kiosk") as kiosk, live.client("clerk") as clerk:
            kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]})
            clerk.post("/windows/1/call-next")
        events = receive_until(sock, 2)
    assert [e["type"] for e in events] == ["ticket.issued", "ticket.called"]
    assert events[0]["id"] < events[1]["id"]
    called = events[1]["data"]
    assert called["ticket"]["number"] == "A001" and called["window"]["number"] == 1
    assert "token" not in json.dumps(called)   # the status secret never goes out on the stream


def test_reconnect_with_last_id_receives_every_missed_event(live):
    service = live.hall.services["amr-001"]
    with connect(ws_url(live.url, live.tokens["display"])) as sock:
        json.loads(sock.recv(timeout=5))
        with live.client("kiosk") as kiosk:
            kiosk.post("/tickets", json={"service_id": service})
        last = receive_until(sock, 1)[-1]["id"]
    # offline: five more tickets and two calls happen
    with live.client("kiosk") as kiosk, live.client("clerk") as clerk:
        for _ in range(5):
            kiosk.post("/tickets", json={"service_id": service})
        clerk.post("/windows/1/call-next")
        clerk.post("/windows/1/recall")
    with connect(ws_url(live.url, live.tokens["display"], since=last)) as sock:
        hello = json.loads(sock.recv(timeout=5))
        assert hello["gap"] is False
        missed = receive_until(sock, 7)
        with live.client("clerk") as clerk:
            clerk.post("/windows/1/finish")
        after = receive_until(sock, 1)
    types = [e["type"] for e in missed]
    assert types == ["ticket.issued"] * 5 + ["ticket.called", "ticket.recalled"]
    ids = [e["id"] for e in missed + after]
    assert ids == sorted(ids) and len(set(ids)) == len(ids) and ids[0] > last
    assert after[0]["type"] == "ticket.finished"


def _newest(live) -> int:
    """The last id of the event log, once the server's hub has read it."""
    hub = live.server.app.state.hub
    with hub.db.read() as s:
        newest = int(s.scalar(select(func.max(LiveEvent.id))) or 0)
    deadline = time.monotonic() + 10
    while hub.last_id < newest and time.monotonic() < deadline:
        time.sleep(0.02)
    assert hub.last_id == newest
    return newest


def test_since_beyond_the_log_gets_a_gap_then_the_new_events(live):
    """A client whose last id the log never reached (the database was reset, or a made-up
    id) is told so, with the id the server goes on from, and then gets every new event."""
    service = live.hall.services["amr-001"]
    with live.client("kiosk") as kiosk:
        kiosk.post("/tickets", json={"service_id": service}).raise_for_status()
    last = _newest(live)
    with connect(ws_url(live.url, live.tokens["display"], since=last + 1000)) as sock:
        hello = json.loads(sock.recv(timeout=5))
        assert hello["type"] == "hello" and hello["gap"] is True and hello["last_id"] == last
        with live.client("kiosk") as kiosk:
            issued = kiosk.post("/tickets", json={"service_id": service}).json()
        event = receive_until(sock, 1)[0]
    assert event["type"] == "ticket.issued" and event["id"] > last
    assert event["data"]["ticket"]["number"] == issued["number"]


@pytest.mark.parametrize("since", ["-1", "abc", "1e3", "9" * 5000])
def test_a_since_that_is_no_event_id_is_refused_with_a_code(live, since):
    with connect(ws_url(live.url, live.tokens["display"], since=since)) as sock:
        with pytest.raises(ConnectionClosed):
            sock.recv(timeout=5)
    assert sock.close_code == 4400 and sock.close_reason == "invalid_value"


def test_a_since_too_large_for_any_event_id_gets_a_gap(live):
    with connect(ws_url(live.url, live.tokens["display"], since="9" * 40)) as sock:
        hello = json.loads(sock.recv(timeout=5))
    assert hello["gap"] is True and hello["last_id"] == _newest(live)


def test_type_filter_and_roles(live):
    with connect(ws_url(live.url, live.tokens["display"], types="ticket.called,window.")) as sock:
        json.loads(sock.recv(timeout=5))
        with live.client("kiosk") as kiosk, live.client("clerk") as clerk:
            kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]})
            clerk.post("/windows/1/pause", json={"reason": "break"})
            clerk.post("/windows/1/open")
            clerk.post("/windows/1/call-next")
        events = receive_until(sock, 3)
    assert [e["type"] for e in events] == ["window.changed", "window.changed", "ticket.called"]
    with connect(ws_url(live.url, "hqd_wrong")) as sock:
        with pytest.raises(ConnectionClosed):
            sock.recv(timeout=5)
        assert sock.close_code == 4401


def test_event_stream_client_recovers_by_itself(live):
    got: list[dict] = []
    seen = threading.Event()

    def on_event(message: dict) -> None:
        got.append(message)
        if len(got) >= 3:
            seen.set()

    stream = EventStream(live.url, live.tokens["display"], on_event, types=["ticket."]).start()
    try:
        assert stream.connected.wait(10)
        with live.client("kiosk") as kiosk:
            kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]})
            # drop the connection from the server side: the client reconnects with its last id
            for sub in list(live.server.app.state.hub.subscribers):
                sub.offer({"id": 0, "type": "x"})
                sub.lagging = True
                sub.queue.put_nowait(None)
            kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]})
            kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]})
        assert seen.wait(15)
    finally:
        stream.stop()
    assert [m["data"]["ticket"]["number"] for m in got] == ["A001", "A002", "A003"]


def test_event_stream_client_follows_the_server_after_a_reset(live):
    """A client that last saw an id the server never reached (its database was reset)
    resyncs and takes the server's ids from then on instead of dropping them as seen."""
    service = live.hall.services["amr-001"]
    with live.client("kiosk") as kiosk:
        kiosk.post("/tickets", json={"service_id": service}).raise_for_status()
    last = _newest(live)
    got: list[dict] = []
    states: list[str] = []
    seen = threading.Event()

    def on_event(message: dict) -> None:
        got.append(message)
        seen.set()

    stream = EventStream(live.url, live.tokens["display"], on_event, types=["ticket."],
                         since=last + 1000, on_state=states.append).start()
    try:
        assert stream.connected.wait(10)
        assert states == ["resync"] and stream.last_id == last
        with live.client("kiosk") as kiosk:
            issued = kiosk.post("/tickets", json={"service_id": service}).json()
        assert seen.wait(10)
    finally:
        stream.stop()
    assert [m["data"]["ticket"]["number"] for m in got] == [issued["number"]]
    assert stream.last_id == got[0]["id"] > last


@pytest.mark.slow
def test_two_server_processes_deliver_each_others_events(hall, db, db_url, tmp_path):
    """Two `hallq serve` processes on one database: a call made through one reaches a
    subscriber of the other (PostgreSQL LISTEN/NOTIFY; on SQLite the shared log is polled)."""
    from datetime import UTC, datetime

    from tests.support.live import enrol

    tokens = enrol(db, datetime.now(UTC))
    a = ServerProcess(db_url, tmp_path / "a").start()
    b = ServerProcess(db_url, tmp_path / "b").start()
    try:
        with connect(ws_url(b.url, tokens["display"])) as sock:
            json.loads(sock.recv(timeout=10))
            headers = {"Authorization": f"Bearer {tokens['kiosk']}"}
            for _ in range(3):
                answer = httpx.post(a.url + "/api/v1/tickets", json={"service_id": hall.services["amr-001"]},
                                    headers=headers, timeout=10)
                assert answer.status_code == 201
            events = receive_until(sock, 3, timeout=15)
        assert [e["data"]["ticket"]["number"] for e in events] == ["A001", "A002", "A003"]
    finally:
        a.stop()
        b.stop()
