"""The load generator's HTTP client against real servers on 127.0.0.1: keep-alive, chunked
answers, a server that closes, a server that is gone; and the bare endpoint it is measured by."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from hallq.server.bench.spawn import BareServer, free_port
from hallq.server.bench.wire import WireClient, WireError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route


async def echo(request: Request) -> Response:
    client = request.client
    return JSONResponse({"body": await request.json(), "peer": client.port if client else None,
                         "auth": request.headers.get("authorization")}, status_code=201)


async def chunked(request: Request) -> Response:
    async def parts() -> Iterator[bytes]:   # type: ignore[misc]
        for piece in (b'{"parts": [', b'"a", ', b'"b"', b"]}"):
            yield piece
    return StreamingResponse(parts(), media_type="application/json")


async def closing(request: Request) -> Response:
    client = request.client
    return JSONResponse({"peer": client.port if client else None}, headers={"Connection": "close"})


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    app = Starlette(routes=[Route("/echo", echo, methods=["POST"]), Route("/chunked", chunked),
                            Route("/closing", closing)])
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not instance.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert instance.started
    yield f"http://127.0.0.1:{port}"
    instance.should_exit = True
    thread.join(timeout=10)


def test_requests_share_one_keep_alive_connection(server):
    async def go() -> list[dict]:
        client = WireClient(server, headers={"Authorization": "Bearer t"})
        try:
            return [(await client.post("/echo", json={"n": i})).json() for i in range(3)]
        finally:
            await client.aclose()

    answers = asyncio.run(go())
    assert [a["body"] for a in answers] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert len({a["peer"] for a in answers}) == 1          # the same client port: one connection
    assert all(a["auth"] == "Bearer t" for a in answers)


def test_a_chunked_answer_is_read_whole(server):
    async def go():
        client = WireClient(server)
        try:
            first = await client.get("/chunked")
            second = await client.post("/echo", json=1)     # the connection is still in step
            return first, second
        finally:
            await client.aclose()

    first, second = asyncio.run(go())
    assert first.status_code == 200 and first.headers.get("transfer-encoding") == "chunked"
    assert first.json() == {"parts": ["a", "b"]} and second.status_code == 201 and second.json()["body"] == 1


def test_after_the_server_closes_the_next_request_opens_a_new_connection(server):
    async def go():
        client = WireClient(server)
        try:
            return [(await client.get("/closing")).json()["peer"] for _ in range(2)]
        finally:
            await client.aclose()

    peers = asyncio.run(go())
    assert peers[0] != peers[1]


def test_a_server_that_is_gone_is_a_wire_error_and_the_client_recovers(server):
    with socket.socket() as s:          # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]

    async def go():
        client = WireClient(f"http://127.0.0.1:{dead}", timeout=2)
        with pytest.raises(WireError):
            await client.get("/echo")
        client.port = int(server.rsplit(":", 1)[1])     # the same client, now pointed at a live server
        return await client.post("/echo", json="again")

    assert asyncio.run(go()).json()["body"] == "again"


@pytest.mark.timeout(120)
def test_the_bare_endpoint_checks_the_bearer_and_validates_the_body(tmp_path):
    bare = BareServer(tmp_path, workers=1).start()
    try:
        async def go():
            good = WireClient(bare.url, headers={"Authorization": f"Bearer {bare.token}"})
            wrong = WireClient(bare.url, headers={"Authorization": "Bearer guessed"})
            try:
                return (await good.post("/api/v1/tickets", json={"service_id": 7}),
                        await good.post("/api/v1/tickets", json={"service_id": "seven"}),
                        await wrong.post("/api/v1/tickets", json={"service_id": 7}))
            finally:
                await good.aclose()
                await wrong.aclose()

        issued, invalid, refused = asyncio.run(go())
        assert issued.status_code == 201 and issued.json()["service_id"] == 7 and issued.json()["number"]
        assert invalid.status_code == 422 and refused.status_code == 401
    finally:
        bare.stop()
    assert bare.proc is not None and bare.proc.poll() is not None
