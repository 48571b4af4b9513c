"""Live events over WebSocket: /api/v1/events?token=...&since=<last id>&types=ticket.called,window."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from ..engine import QueueError
from .deps import READERS, actor_for_token

router = APIRouter(tags=["events"])
log = logging.getLogger(__name__)
HEARTBEAT_S = 15.0
CLOSE_CODES = {"unauthenticated": 4401, "forbidden": 4403, "invalid_value": 4400}


@router.websocket("/events")
async def events(websocket: WebSocket) -> None:
    """Send every live event in id order. ``since`` replays what a reconnecting client
    missed; when the log cannot go on from it (pruned past it, or never reached it) the
    hello says ``gap`` and the stream goes on after its ``last_id``. ``types`` (names, or
    prefixes ending in '.') filters them."""
    app = websocket.app
    params = websocket.query_params
    token = params.get("token") or ""
    auth = websocket.headers.get("authorization", "")
    if not token and auth.lower().startswith("bearer "):
        token = auth[7:].strip()
    try:
        actor = await asyncio.to_thread(actor_for_token, app.state.db, token, app.state.clock(), app.state.tokens)
        if actor.role not in READERS:
            raise QueueError("forbidden", "this token may not read events")
        since = _since(params.get("since"))
    except QueueError as exc:
        # Accept, then close with a code the client can act on (a refused handshake is only a 403).
        await websocket.accept()
        await websocket.close(code=CLOSE_CODES.get(exc.code, 4403), reason=exc.code)
        return
    types = [t.strip() for t in params.get("types", "").split(",") if t.strip()] or None
    await websocket.accept()
    hub = app.state.hub
    sub, missed, gap = await hub.subscribe(since, types)
    app.state.metrics.clients(+1, actor.role)
    # Live events start right after sub.after. A ``since`` the log never reached starts over
    # there (the hello's gap says so); any other one resumes right after itself.
    sent_upto: int = sub.after if since is None or (gap and since > sub.after) else since
    try:
        # The id live events follow, so a client that adopts it after a gap misses none.
        await websocket.send_json({"type": "hello", "last_id": sub.after, "gap": gap,
                                   "role": actor.role.value})
        for message in missed:
            await websocket.send_text(json.dumps(message, ensure_ascii=False))
            sent_upto = message["id"]
        receiver = asyncio.create_task(_receive(websocket))
        while True:
            getter = asyncio.create_task(sub.queue.get())
            done, _ = await asyncio.wait({getter, receiver}, timeout=HEARTBEAT_S,
                                         return_when=asyncio.FIRST_COMPLETED)
            if receiver in done:
                getter.cancel()
                break
            if getter not in done:
                getter.cancel()
                await websocket.send_json({"type": "heartbeat", "last_id": hub.last_id})
                continue
            message = getter.result()
            if message is None:   # the hub ended this stream (shutdown or too slow)
                await websocket.close(code=4408 if sub.lagging else 1012)
                break
            if message["id"] <= sent_upto:
                continue
            await websocket.send_text(json.dumps(message, ensure_ascii=False))
            sent_upto = message["id"]
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.unsubscribe(sub)
        app.state.metrics.clients(-1, actor.role)
        with contextlib.suppress(Exception):
            receiver.cancel()  # type: ignore[possibly-undefined]


def _since(raw: str | None) -> int | None:
    if raw in (None, ""):
        return None
    try:
        since: int | None = int(raw)
    except ValueError:   # not a number, or too many digits to be one
        since = None
    if since is None or since < 0:
        raise QueueError("invalid_value", "since must be a non-negative event id")
    return since


async def _receive(websocket: WebSocket) -> None:
    """Answer pings; return when the client goes away."""
    while True:
        try:
            raw = await websocket.receive_text()
        except (WebSocketDisconnect, RuntimeError):
            return
        try:
            data: Any = json.loads(raw)
        except ValueError:
            continue
        if isinstance(data, dict) and data.get("type") == "ping":
            await websocket.send_json({"type": "pong"})



