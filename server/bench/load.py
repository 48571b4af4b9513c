"""The load: kiosks issuing, windows calling and finishing, displays following live events.

Every kiosk, window and display is an asyncio task with its own HTTP connection or
WebSocket, as the real devices have. Kiosks and windows send an Idempotency-Key and retry
on a network error or a 503 with the same key, as the hallq client does, so a ticket a
kiosk was told about is counted once however often it had to ask.

One process drives everything by default; ``procs`` > 1 splits the devices over several
processes (spawned, each with its own event loop) so that the load generator is not what
limits the numbers. Times are ``time.monotonic()`` (CLOCK_MONOTONIC, shared by every
process on the machine), so a call sent in one process and its event received in another
can be compared.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import math
import multiprocessing
import random
import re
import ssl
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

from .wire import Answer, WireClient, WireError

RETRY_STATUS = frozenset({502, 503, 504})
_EVENT_ID = re.compile(rb'^\{"id":\s*(\d+)')
_TICKET_ID = re.compile(rb'"ticket":\s*\{"id":\s*(\d+)')
_CALLED = b'"type": "ticket.called"'


@dataclass(frozen=True)
class Target:
    """Where the server is and the tokens the devices use."""

    url: str
    kiosk_tokens: tuple[str, ...]
    window_tokens: dict[int, str]          # window number -> a token allowed to act there
    display_tokens: tuple[str, ...]
    services: tuple[int, ...]               # service items kiosks choose from


@dataclass(frozen=True)
class Load:
    """How hard and how long."""

    kiosks: int
    windows: tuple[int, ...]                # window numbers to drive
    displays: int = 0
    duration_s: float | None = 10.0          # stop after this long ...
    tickets: int | None = None              # ... or after this many tickets were issued
    max_duration_s: float = 600.0           # hard bound in ticket-count mode
    kiosk_pause_s: float = 0.0              # mean pause between a kiosk's tickets (0: back to back)
    service_s: float = 0.0                  # mean time a visitor spends at the window
    idle_poll_s: float = 0.05               # pause after "nobody waiting"
    finish: bool = True                     # windows finish each ticket (call-next alone otherwise)
    elderly_share: float = 0.1
    request_timeout_s: float = 10.0
    retries: int = 8
    event_grace_s: float = 2.0              # displays keep listening this long after the load
    login_flood_per_s: float = 0.0          # wrong passwords per second, sprayed over usernames
    boot: bool = False                      # every device starts at once and asks its first question
    seed: int = 1


@dataclass
class Samples:
    """Raw observations of one process; merged by the caller."""

    latencies: dict[str, list[float]] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    issued: dict[str, tuple[int, str]] = field(default_factory=dict)   # key -> (ticket id, number)
    calls: list[tuple[int, int, float]] = field(default_factory=list)  # (ticket id, window, sent at)
    received: list[dict[int, float]] = field(default_factory=list)     # per display: ticket id -> at
    started: float = 0.0
    ended: float = 0.0
    cpu_s: float = 0.0

    def add(self, op: str, seconds: float) -> None:
        self.latencies.setdefault(op, []).append(seconds)

    def merge(self, other: Samples) -> None:
        for op, values in other.latencies.items():
            self.latencies.setdefault(op, []).extend(values)
        self.errors.update(other.errors)
        self.issued.update(other.issued)
        self.calls.extend(other.calls)
        self.received.extend(other.received)
        self.started = min(self.started, other.started) if self.started else other.started
        self.ended = max(self.ended, other.ended)
        self.cpu_s += other.cpu_s


class _Quota:
    """Tickets still to issue in ticket-count mode, shared by the kiosks of one process."""

    def __init__(self, total: int | None) -> None:
        self.left = total

    def take(self) -> bool:
        if self.left is None:
            return True
        if self.left <= 0:
            return False
        self.left -= 1
        return True


class Run:
    """One process's share of the load."""

    def __init__(self, target: Target, load: Load, *, name: str, kiosks_left: Any) -> None:
        self.target = target
        self.load = load
        self.name = name
        self.samples = Samples(received=[{} for _ in range(load.displays)])
        self.quota = _Quota(load.tickets)
        self.deadline = 0.0
        # Kiosks still issuing in all processes (a multiprocessing.Value, or a plain holder).
        self.kiosks_left = kiosks_left
        self._stop_displays = asyncio.Event()
        self._connected = 0

    # -- the whole run ---------------------------------------------------------------------
    async def run(self, start_at: Callable[[], float]) -> Samples:
        if self.load.boot:
            return await self.boot(start_at)
        displays = [asyncio.create_task(self.display(i, ready)) for i, ready in
                    enumerate([asyncio.Event() for _ in range(self.load.displays)])]
        # Displays connect first, so that every call of the run has its audience.
        await self._displays_ready(displays)
        # Connections are set up before the clock starts (as devices are before the doors open).
        tokens = self.target.kiosk_tokens
        kiosk_clients = [self._client(tokens[i % len(tokens)]) for i in range(self.load.kiosks)]
        window_clients = [self._client(self.target.window_tokens[n]) for n in self.load.windows]
        begin = start_at()
        await asyncio.sleep(max(0.0, begin - time.monotonic()))
        self.samples.started = time.monotonic()
        limit = self.load.duration_s if self.load.duration_s is not None else self.load.max_duration_s
        self.deadline = self.samples.started + limit
        workers = [self.kiosk(i, http) for i, http in enumerate(kiosk_clients)]
        workers += [self.window(n, http) for n, http in zip(self.load.windows, window_clients, strict=True)]
        flood = [self._client(None) for _ in range(_flood_connections(self.load.login_flood_per_s))]
        workers += [self.login_flood(i, len(flood), http) for i, http in enumerate(flood)]
        try:
            await asyncio.gather(*workers)
        finally:
            for http in (*kiosk_clients, *window_clients, *flood):
                await http.aclose()
        self.samples.ended = time.monotonic()
        await asyncio.sleep(self.load.event_grace_s if displays else 0)
        self._stop_displays.set()
        for task in displays:
            task.cancel()
        for task in displays:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        return self.samples

    async def boot(self, start_at: Callable[[], float]) -> Samples:
        """The hall opening: every kiosk, window and display switched on at the same moment,
        each opening its connection and asking what it needs for its first screen (a kiosk the
        service items, a counter its window, a display the hall's snapshot). Timed from the
        connect to the whole answer."""
        kiosk_tokens = self.target.kiosk_tokens
        devices = [("boot: kiosk services", kiosk_tokens[i % len(kiosk_tokens)], "/services?limit=500")
                   for i in range(self.load.kiosks)]
        devices += [("boot: counter window", self.target.window_tokens[n], f"/windows/{n}")
                    for n in self.load.windows]
        display_tokens = self.target.display_tokens or kiosk_tokens
        devices += [("boot: display snapshot", display_tokens[i % len(display_tokens)], "/snapshot")
                    for i in range(self.load.displays)]
        clients = [self._client(token) for _, token, _ in devices]
        begin = start_at()
        await asyncio.sleep(max(0.0, begin - time.monotonic()))
        self.samples.started = time.monotonic()

        async def first(op: str, http: WireClient, path: str) -> None:
            sent = time.monotonic()
            try:
                response = await http.get(path)
            except WireError as exc:
                self._lost(op, exc)
                return
            if response.status_code != 200:
                self.samples.errors[f"{op}:{_code(response)}"] += 1
                return
            took = time.monotonic() - sent
            self.samples.add(op, took)
            self.samples.add("boot: any device", took)

        try:
            await asyncio.gather(*(first(op, http, path) for (op, _, path), http in zip(devices, clients, strict=True)))
        finally:
            for http in clients:
                await http.aclose()
        self.samples.ended = time.monotonic()
        return self.samples

    async def _displays_ready(self, displays: list[asyncio.Task[None]]) -> None:
        deadline = time.monotonic() + 30
        while self._connected < len(displays) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if self._connected < len(displays):
            self.samples.errors["display:connect_timeout"] += len(displays) - self._connected

    def _over(self) -> bool:
        return time.monotonic() >= self.deadline

    async def _pause(self, seconds: float) -> None:
        """Sleep, but not past the end of the run (a long pause would stretch it)."""
        await asyncio.sleep(max(0.0, min(seconds, self.deadline - time.monotonic())))

    # -- devices ---------------------------------------------------------------------------
    def _client(self, token: str | None) -> WireClient:
        # One TLS context for all: loading the CA store takes tens of milliseconds.
        return WireClient(self.target.url.rstrip("/") + "/api/v1",
                          headers={"Authorization": f"Bearer {token}"} if token else {},
                          timeout=self.load.request_timeout_s, tls=_tls_context())

    def _lost(self, op: str, exc: WireError) -> None:
        """Count a request whose connection failed, by the failure's kind."""
        self.samples.errors[f"{op}:{str(exc).split(':')[0]}"] += 1

    async def _send(self, http: WireClient, op: str, path: str, *, body: Any = None,
                    key: str | None = None, retry: bool = True) -> Answer | None:
        """POST with retries on network errors and 502/503/504 (same key each time)."""
        headers = {"Idempotency-Key": key} if key else None
        delay = 0.05
        for attempt in range(self.load.retries + 1):
            if attempt:
                await asyncio.sleep(delay)
                delay = min(1.0, delay * 2)
            sent = time.monotonic()
            try:
                response = await http.post(path, json=body, headers=headers)
            except WireError as exc:
                self._lost(op, exc)
                if not retry or self._over() and attempt >= 2:
                    return None
                continue
            took = time.monotonic() - sent
            if response.status_code in RETRY_STATUS:
                self.samples.errors[f"{op}:{_code(response)}"] += 1
                if not retry:
                    return response
                continue
            if response.status_code >= 400:
                self.samples.errors[f"{op}:{_code(response)}"] += 1
                return response
            self.samples.add(op if response.status_code != 204 else f"{op} (nobody waiting)", took)
            return response
        return None

    async def kiosk(self, index: int, http: WireClient) -> None:
        rng = random.Random(f"{self.load.seed}-{self.name}-kiosk-{index}")
        try:
            n = 0
            while not self._over() and self.quota.take():
                key = f"bench-{self.name}-k{index}-{n}-{uuid.uuid4().hex[:8]}"
                n += 1
                priority = "elderly" if rng.random() < self.load.elderly_share else "normal"
                body = {"service_id": rng.choice(self.target.services), "priority": priority}
                response = await self._send(http, "issue", "/tickets", body=body, key=key)
                if response is not None and response.status_code in (200, 201):
                    ticket = response.json()
                    self.samples.issued[key] = (int(ticket["id"]), str(ticket["number"]))
                if self.load.kiosk_pause_s > 0:
                    await self._pause(rng.expovariate(1 / self.load.kiosk_pause_s))
        finally:
            self._kiosk_done()

    def _kiosk_done(self) -> None:
        holder = self.kiosks_left
        if hasattr(holder, "get_lock"):
            with holder.get_lock():
                holder.value -= 1
        else:
            holder.value -= 1

    def _issuing_over(self) -> bool:
        return self.load.tickets is not None and self.kiosks_left.value <= 0

    async def window(self, number: int, http: WireClient) -> None:
        rng = random.Random(f"{self.load.seed}-{self.name}-window-{number}")
        n = 0
        while not self._over():
            key = f"bench-{self.name}-w{number}-{n}-{uuid.uuid4().hex[:8]}"
            n += 1
            sent = time.monotonic()
            response = await self._send(http, "call-next", f"/windows/{number}/call-next", key=key)
            if response is None:
                continue
            if response.status_code == 204:
                if self._issuing_over():
                    return
                await self._pause(self.load.idle_poll_s * rng.uniform(0.5, 1.5))   # clerks are not in step
                continue
            if response.status_code == 409 and _code(response) == "window_busy":
                # Left serving by an earlier run (or a lost answer): finish that one first.
                await self._send(http, "finish", f"/windows/{number}/finish")
                continue
            if response.status_code != 200:
                await self._pause(self.load.idle_poll_s * rng.uniform(0.5, 1.5))   # clerks are not in step
                continue
            ticket = response.json()
            self.samples.calls.append((int(ticket["id"]), number, sent))
            if not self.load.finish:
                continue
            if self.load.service_s > 0:
                await self._pause(rng.expovariate(1 / self.load.service_s))
            # Keyed like the counter app: a retry after a lost answer replays, never 'window_idle'.
            await self._send(http, "finish", f"/windows/{number}/finish", key=f"{key}-finish")

    async def login_flood(self, index: int, connections: int, http: WireClient) -> None:
        """Wrong passwords for ever-new usernames from one address (a spray: no per-user limit
        is ever reached, so the server checks each one), ``login_flood_per_s`` in all."""
        interval = connections / self.load.login_flood_per_s
        due = time.monotonic() + interval * index / connections
        n = 0
        while not self._over():
            await self._pause(due - time.monotonic())
            if self._over():
                return
            due += interval
            n += 1
            sent = time.monotonic()
            try:
                response = await http.post("/auth/login", json={"username": f"nobody-{self.name}-{index}-{n}",
                                                                 "password": "not the password"})
            except WireError as exc:
                self._lost("login", exc)
                continue
            took = time.monotonic() - sent
            if response.status_code in (401, 429):
                self.samples.add(f"login refused ({response.status_code})", took)
            else:
                self.samples.errors[f"login:{_code(response)}"] += 1

    async def display(self, index: int, ready: asyncio.Event) -> None:
        """A call display: follows ticket.called, reconnecting with the last id it saw."""
        import websockets
        from websockets.asyncio.client import connect

        base = self.target.url.rstrip("/").replace("http", "ws", 1) + "/api/v1/events"
        token = self.target.display_tokens[index % len(self.target.display_tokens)]
        seen = self.samples.received[index]
        last_id: int | None = None
        first = True
        while not self._stop_displays.is_set():
            params: dict[str, Any] = {"token": token, "types": "ticket.called,window.changed"}
            if last_id is not None:
                params["since"] = last_id
            try:
                async with connect(f"{base}?{urlencode(params)}", open_timeout=10, max_size=2**22,
                                   ping_interval=None) as ws:
                    hello = json.loads(await ws.recv())
                    if last_id is None:
                        last_id = int(hello.get("last_id") or 0)
                    if first:
                        first = False
                        self._connected += 1
                        ready.set()
                    async for raw in ws:
                        at = time.monotonic()
                        data = raw if isinstance(raw, bytes) else raw.encode()
                        m = _EVENT_ID.match(data)
                        if m is None:
                            continue   # heartbeat
                        last_id = int(m.group(1))
                        if _CALLED in data:
                            t = _TICKET_ID.search(data)
                            if t is not None:
                                seen.setdefault(int(t.group(1)), at)
            except asyncio.CancelledError:
                raise
            except (OSError, websockets.WebSocketException, TimeoutError, ValueError):
                self.samples.errors["display:disconnected"] += 1
                await asyncio.sleep(0.2)


@functools.cache
def _flood_connections(per_s: float) -> int:
    """Enough connections that a sign-in taking up to 200 ms does not slow the flood."""
    return 0 if per_s <= 0 else max(1, math.ceil(per_s * 0.2))


def _tls_context() -> ssl.SSLContext:
    return ssl.create_default_context()


def _code(response: Answer) -> str:
    try:
        return str(response.json()["error"]["code"])
    except Exception:
        return f"http_{response.status_code}"


# -- running one or several processes ------------------------------------------------------

class _Holder:
    def __init__(self, value: int) -> None:
        self.value = value


def _cpu_s() -> float:
    import psutil

    t = psutil.Process().cpu_times()
    return float(t.user + t.system)


def run_here(target: Target, load: Load, *, name: str = "p0", kiosks_left: Any = None,
             start_at: Callable[[], float] | None = None) -> Samples:
    """Run ``load`` in this process (its own event loop)."""
    cpu = _cpu_s()
    holder = kiosks_left if kiosks_left is not None else _Holder(load.kiosks)

    async def main() -> Samples:
        run = Run(target, load, name=name, kiosks_left=holder)
        return await run.run(start_at or (lambda: time.monotonic()))

    try:
        import uvloop

        samples = uvloop.run(main())
    except ImportError:
        samples = asyncio.run(main())
    samples.cpu_s = _cpu_s() - cpu
    return samples


def split(load: Load, procs: int) -> list[Load]:
    """Share kiosks, windows, displays and tickets out over ``procs`` processes."""
    def part(total: int, i: int) -> int:
        return total // procs + (1 if i < total % procs else 0)

    out = []
    for i in range(procs):
        kiosks = part(load.kiosks, i)
        tickets = None
        if load.tickets is not None:
            tickets = load.tickets * kiosks // max(1, load.kiosks)
            if i == 0:
                tickets += load.tickets - sum(load.tickets * part(load.kiosks, j) // max(1, load.kiosks)
                                              for j in range(procs))
        out.append(replace(load, kiosks=kiosks, windows=tuple(load.windows[i::procs]),
                           displays=part(load.displays, i), tickets=tickets,
                           login_flood_per_s=load.login_flood_per_s / procs))
    return out


def _proc_main(target: Target, load: Load, name: str, kiosks_left: Any, barrier: Any, start_at: Any,
               results: Any) -> None:
    def begin() -> float:
        barrier.wait(60)   # every process has its displays connected
        with start_at.get_lock():
            if start_at.value == 0:
                start_at.value = time.monotonic() + 0.2
            return float(start_at.value)

    results.put(run_here(target, load, name=name, kiosks_left=kiosks_left, start_at=begin))


def run_load(target: Target, load: Load, procs: int = 1) -> Samples:
    """Run the load in ``procs`` processes and merge what they saw."""
    if procs <= 1:
        return run_here(target, load)
    ctx = multiprocessing.get_context("spawn")
    kiosks_left = ctx.Value("i", load.kiosks)
    barrier = ctx.Barrier(procs)
    start_at = ctx.Value("d", 0.0)
    results = ctx.Queue()
    workers = [ctx.Process(target=_proc_main, name=f"hallq-bench-{i}",
                           args=(target, part, f"p{i}", kiosks_left, barrier, start_at, results))
               for i, part in enumerate(split(load, procs))]
    for w in workers:
        w.start()
    merged = Samples()
    limit = (load.duration_s or load.max_duration_s) + 120
    try:
        for _ in workers:
            merged.merge(results.get(timeout=limit))
    finally:
        for w in workers:
            w.join(timeout=10)
            if w.is_alive():
                w.kill()
    return merged


def event_latencies(samples: Samples) -> tuple[list[float], int]:
    """Call -> display latencies (seconds) and how many (call, display) pairs were expected."""
    out: list[float] = []
    expected = 0
    for ticket_id, _window, sent in samples.calls:
        if sent > samples.ended:
            continue
        for seen in samples.received:
            expected += 1
            at = seen.get(ticket_id)
            if at is not None:
                out.append(at - sent)
    return out, expected
