"""Following the hall's live events from a worker thread, reconnecting by itself.

The stream remembers the last event id it delivered and reconnects with it, so a client
that loses the server for a while receives every event it missed, in order, exactly once.
When the server answers with a gap (it cannot continue from that id) the state is "resync":
the client reloads what it shows, and the stream goes on from the server's ids.
"""

from __future__ import annotations

import json
import logging
import ssl
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from websockets.exceptions import WebSocketException
from websockets.sync.client import connect

from .http import ApiError

log = logging.getLogger(__name__)


class EventStream:
    def __init__(self, base_url: str, token: str, on_event: Callable[[dict[str, Any]], None], *,
                 types: list[str] | None = None, since: int | None = None,
                 on_state: Callable[[str], None] | None = None, max_backoff: float = 5.0,
                 fingerprint: str | None = None) -> None:
        self.url = base_url.rstrip("/").replace("http", "ws", 1) + "/api/v1/events"
        # A hall with a self-signed certificate: trust exactly the advertised one.
        self.fingerprint = fingerprint
        self._ssl: ssl.SSLContext | None = None
        self.token = token
        self.on_event = on_event
        self.on_state = on_state or (lambda _state: None)
        self.types = types
        self.last_id = since
        self.max_backoff = max_backoff
        self.connected = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._socket: Any = None

    def start(self) -> EventStream:
        self._thread = threading.Thread(target=self._run, name="hallq-events", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        sock = self._socket
        if sock is not None:
            try:
                sock.close()
            except Exception:
                pass
        if self._thread is not None:
            self._thread.join(timeout)

    def _context(self) -> ssl.SSLContext | None:
        if self.fingerprint is None:
            return None
        if self._ssl is None:
            from urllib.parse import urlsplit

            from .http import pinned_context

            parts = urlsplit(self.url)
            self._ssl = pinned_context(parts.hostname or "", parts.port or 443, self.fingerprint)
        return self._ssl

    def _address(self) -> str:
        params: dict[str, Any] = {"token": self.token}
        if self.last_id is not None:
            params["since"] = self.last_id
        if self.types:
            params["types"] = ",".join(self.types)
        return f"{self.url}?{urlencode(params)}"

    def _run(self) -> None:
        backoff = 0.2
        while not self._stop.is_set():
            try:
                options: dict[str, Any] = {}
                if self.url.startswith("wss"):
                    options["ssl"] = self._context()
                with connect(self._address(), open_timeout=5, close_timeout=1, **options) as sock:
                    self._socket = sock
                    backoff = 0.2
                    for raw in sock:
                        message = json.loads(raw)
                        kind = message.get("type")
                        if kind == "hello":
                            newest = int(message.get("last_id") or 0)
                            if self.last_id is None:
                                self.last_id = newest
                            elif message.get("gap") and self.last_id > newest:
                                # The server's log never reached our id (its database was
                                # reset): follow its ids from there instead of dropping them
                                # all as already seen. on_state("resync") refreshes the state.
                                self.last_id = newest
                            self.connected.set()
                            self.on_state("resync" if message.get("gap") else "connected")
                            continue
                        if kind in ("heartbeat", "pong"):
                            continue
                        if "id" in message:
                            if self.last_id is not None and message["id"] <= self.last_id:
                                continue
                            self.last_id = int(message["id"])
                            try:
                                self.on_event(message)
                            except Exception:
                                log.exception("an event handler failed")
                    close_code = getattr(sock, "close_code", None)
                    if close_code in (4401, 4403):
                        self.on_state("unauthorized")
                        return
            except (OSError, WebSocketException, TimeoutError, ValueError, ApiError) as exc:
                log.debug("event stream: %s", exc)
            finally:
                self._socket = None
            if self._stop.is_set():
                break
            self.connected.clear()
            self.on_state("disconnected")
            self._stop.wait(backoff)
            backoff = min(self.max_backoff, backoff * 2)
        self.connected.clear()
