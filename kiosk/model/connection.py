"""The kiosk's link to the hall server: finding it, enrolling with the device token,
knowing whether it answers, and the live event stream.

``Connection.call(fn)`` is how every request goes out: it keeps ``state`` current from the
outcome, so a failed request turns the "server unreachable" notice on at once and the next
good answer turns it off.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from enum import StrEnum
from typing import Any, TypeVar

from hallq.client import ApiError, EventStream, HallClient
from hallq.discovery import ServerInfo

log = logging.getLogger(__name__)
T = TypeVar("T")

# Answers that mean "the hall cannot serve right now" (as opposed to a refusal).
UNAVAILABLE = frozenset({"unreachable", "database_unavailable", "database_error", "http_502", "http_503",
                         "http_504"})
# What the kiosk follows live: tickets and queue counts change the waiting numbers it shows.
EVENT_TYPES = ["ticket.", "queue.", "catalog."]


class Link(StrEnum):
    SEARCHING = "searching"        # no server found yet (zeroconf and no URL)
    ONLINE = "online"
    OFFLINE = "offline"            # a server is known but does not answer (or cannot serve)
    UNAUTHORIZED = "unauthorized"  # the server refuses this kiosk's token


def unavailable(exc: ApiError) -> bool:
    """The server could not serve (network, database): the same request may be asked again."""
    return exc.code in UNAVAILABLE or exc.status in (502, 503, 504)


Browse = Callable[..., list[ServerInfo]]
ClientFactory = Callable[..., HallClient]


def _default_browse(timeout: float, interfaces: list[str] | None = None, hall: str | None = None
                    ) -> list[ServerInfo]:
    from zeroconf import InterfaceChoice

    from hallq.discovery import browse

    # hallq.discovery passes ``interfaces or None`` to Zeroconf, which refuses None: name
    # "every interface" explicitly.
    return browse(timeout, interfaces or InterfaceChoice.All, hall)  # type: ignore[arg-type]


class Connection:
    """Where the hall server is and whether it answers. Thread-safe; ``locate`` and
    ``check`` block (call them from a worker thread)."""

    def __init__(self, *, url: str | None, token: str | None, discovery: bool = True, hall: str | None = None,
                 timeout: float = 5.0, retries: int = 2, discovery_timeout: float = 3.0,
                 browse: Browse | None = None, client_factory: ClientFactory = HallClient,
                 on_change: Callable[[Link], None] | None = None) -> None:
        self.url = url.rstrip("/") if url else None
        self.token = token
        self.discovery = discovery
        self.hall_code = hall
        self.timeout = timeout
        self.retries = retries
        self.discovery_timeout = discovery_timeout
        self._browse = browse or _default_browse
        self._factory = client_factory
        self.on_change = on_change
        self.server: ServerInfo | None = None
        self.client: HallClient | None = None
        self._probe: HallClient | None = None
        self.hall: dict[str, Any] | None = None
        self.state = Link.SEARCHING
        self._lock = threading.RLock()
        self._stream: EventStream | None = None

    # -- state ----------------------------------------------------------------------------

    def _set(self, state: Link) -> None:
        with self._lock:
            changed = state != self.state
            self.state = state
        if changed:
            log.info("hall server: %s", state.value)
            if self.on_change is not None:
                self.on_change(state)

    @property
    def online(self) -> bool:
        return self.state == Link.ONLINE

    # -- finding the server ---------------------------------------------------------------

    def candidates(self) -> list[ServerInfo]:
        """Servers answering on the LAN (zeroconf), then the configured URL."""
        found: list[ServerInfo] = []
        if self.discovery:
            try:
                found += self._browse(self.discovery_timeout, hall=self.hall_code)
            except Exception as exc:  # zeroconf needs a working network stack; the URL may still work
                log.warning("zeroconf look-up failed: %s", exc)
        if self.url and all(s.url != self.url for s in found):
            found.append(ServerInfo(url=self.url, hall=self.hall_code or "", name="", api="v1",
                                    tls=self.url.startswith("https"), fingerprint=None, source="configured"))
        return found

    def locate(self) -> Link:
        """Find a server that accepts this kiosk's token: the first candidate whose
        ``GET /hall`` answers. Blocks up to the discovery timeout plus one request per
        candidate."""
        refused = False
        for server in self.candidates():
            client = self._make(server, retries=self.retries, timeout=self.timeout)
            if client is None:
                continue
            try:
                hall = client.hall()
            except ApiError as exc:
                client.close()
                refused = refused or exc.code in ("unauthenticated", "forbidden")
                log.info("server %s (%s): %s", server.url, server.source, exc.code)
                continue
            probe = self._make(server, retries=0, timeout=min(self.timeout, 3.0))
            with self._lock:
                old = (self.client, self._probe)
                self.server, self.client, self._probe, self.hall = server, client, probe, hall
            for stale in old:
                if stale is not None:
                    stale.close()
            self._set(Link.ONLINE)
            return self.state
        if refused:
            self._set(Link.UNAUTHORIZED)
        elif self.server is not None or self.url:
            self._set(Link.OFFLINE)
        else:
            self._set(Link.SEARCHING)
        return self.state

    def _make(self, server: ServerInfo, *, retries: int, timeout: float) -> HallClient | None:
        try:
            return self._factory(server.url, self.token, timeout=timeout, retries=retries,
                                 fingerprint=server.fingerprint)
        except ApiError as exc:   # a pinned certificate that does not match
            log.warning("server %s: %s", server.url, exc.code)
            return None

    # -- asking ---------------------------------------------------------------------------

    def check(self) -> Link:
        """Ask the server whether it can serve this kiosk now (``GET /hall``: network,
        database and token at once); locate it first when none is known yet."""
        with self._lock:
            probe = self._probe
        if probe is None:
            return self.locate()
        try:
            hall = probe.hall()
        except ApiError as exc:
            if exc.code in ("unauthenticated", "forbidden"):
                self._set(Link.UNAUTHORIZED)
            elif unavailable(exc):
                self._set(Link.OFFLINE)
            return self.state
        with self._lock:
            self.hall = hall
        self._set(Link.ONLINE)
        return self.state

    def call(self, fn: Callable[[HallClient], T]) -> T:
        """Run one request with the current client; raises ``ApiError`` (``unreachable``
        when no server is known yet) and keeps ``state`` current."""
        with self._lock:
            client = self.client
        if client is None:
            raise ApiError("unreachable", "no hall server has been found yet")
        try:
            result = fn(client)
        except ApiError as exc:
            if exc.code == "unauthenticated":
                self._set(Link.UNAUTHORIZED)
            elif unavailable(exc):
                self._set(Link.OFFLINE)
            raise
        self._set(Link.ONLINE)
        return result

    # -- live events ----------------------------------------------------------------------

    def follow(self, on_event: Callable[[dict[str, Any]], None],
               on_state: Callable[[str], None] | None = None) -> None:
        """Start (or restart, after the server moved) the live event stream."""
        with self._lock:
            server = self.server
            old, self._stream = self._stream, None
        if old is not None:
            old.stop(timeout=2)
        if server is None or not self.token:
            return
        stream = EventStream(server.url, self.token, on_event, types=EVENT_TYPES, on_state=on_state,
                             fingerprint=server.fingerprint)
        with self._lock:
            self._stream = stream
        stream.start()

    @property
    def following(self) -> bool:
        return self._stream is not None

    def close(self) -> None:
        with self._lock:
            stream, self._stream = self._stream, None
            clients = (self.client, self._probe)
            self.client = self._probe = None
        if stream is not None:
            stream.stop(timeout=2)
        for client in clients:
            if client is not None:
                client.close()
