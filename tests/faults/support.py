"""Devices that keep working through faults, the way the kiosk and counter apps use the
client library: every write carries an Idempotency-Key and is asked again with the same key
until the server answers, so a ticket or a call is never made twice nor silently lost."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from hallq.server.db import Database
from hallq.server.models import Queue
from hallq.server.services import accounts
from hallq.server.services.actors import SYSTEM
from sqlalchemy import update

from hallq.client import ApiError, HallClient, new_key
from tests.support.hall import SmallHall, build_hall

# Answers that mean "ask again with the same key": the server is away or its database is.
RETRY = {"unreachable", "database_unavailable", "database_error", "http_502", "http_503", "http_504"}


@dataclass
class FaultHall:
    """The small test hall with no daily quotas and a device for every role and window."""

    hall: SmallHall
    kiosks: list[str]
    display: str
    counters: dict[int, str]


def fault_hall(db: Database, kiosks: int = 3) -> FaultHall:
    now = datetime.now(UTC)
    small = build_hall(db, now)
    small.open_all(now)
    with db.write() as s:
        s.execute(update(Queue).values(daily_quota=None))
        kiosk_tokens = [accounts.add_device(s, "kiosk", f"kiosk-{i}", actor=SYSTEM, now=now)[1]
                        for i in range(kiosks)]
        display = accounts.add_device(s, "display", "display-1", actor=SYSTEM, now=now)[1]
        counters = {n: accounts.add_device(s, "counter", f"counter-{n}", actor=SYSTEM, now=now,
                                           window_number=n)[1] for n in small.windows}
    return FaultHall(small, kiosk_tokens, display, counters)


@dataclass
class Tally:
    told: dict[str, tuple[int, str]] = field(default_factory=dict)     # key -> (ticket id, number)
    calls: list[tuple[int, int]] = field(default_factory=list)         # (ticket id, window)
    refused: list[str] = field(default_factory=list)                   # codes the devices saw
    lock: threading.Lock = field(default_factory=threading.Lock)


def persist(fn: Any, deadline: float, tally: Tally) -> Any:
    """Call ``fn`` until it is answered (or ``deadline``); network and database outages are
    retried, every other refusal is raised."""
    while True:
        try:
            return fn()
        except ApiError as exc:
            with tally.lock:
                tally.refused.append(exc.code)
            if exc.code not in RETRY or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


class Device(threading.Thread):
    def __init__(self, url: str, token: str, tally: Tally, stop: threading.Event, deadline: float) -> None:
        super().__init__(daemon=True)
        self.client = HallClient(url, token, timeout=3, retries=0)
        self.tally = tally
        self.stop_event = stop
        self.deadline = deadline
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            while not self.stop_event.is_set():
                self.step()
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            self.client.close()

    def step(self) -> None:
        raise NotImplementedError


class Kiosk(Device):
    """Issues tickets back to back; each is asked for with one key until answered."""

    def __init__(self, *args: Any, service_ids: list[int], **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.service_ids = service_ids
        self.n = 0

    def step(self) -> None:
        key = new_key()
        service = self.service_ids[self.n % len(self.service_ids)]
        self.n += 1
        ticket = persist(lambda: self.client.issue_ticket(service, key=key), self.deadline, self.tally)
        with self.tally.lock:
            self.tally.told[key] = (int(ticket["id"]), str(ticket["number"]))
        time.sleep(0.01)


class Counter(Device):
    """A window's counter terminal: call next (keyed), then finish."""

    def __init__(self, *args: Any, window: int, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.window = window

    def step(self) -> None:
        key = new_key()
        try:
            ticket = persist(lambda: self.client.window_action(self.window, "call-next", key=key),
                             self.deadline, self.tally)
        except ApiError as exc:
            if exc.code != "window_busy":
                raise
            self._finish()   # a finish whose answer was lost in a crash
            return
        if ticket is None:
            time.sleep(0.05)
            return
        with self.tally.lock:
            self.tally.calls.append((int(ticket["id"]), self.window))
        self._finish()

    def _finish(self) -> None:
        try:
            persist(lambda: self.client.window_action(self.window, "finish"), self.deadline, self.tally)
        except ApiError as exc:
            # The first finish went through but its answer was lost: nothing left to finish.
            if exc.code != "window_idle":
                raise


def wait_for(predicate: Any, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())
