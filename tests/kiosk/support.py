"""Test helpers for the kiosk: the demo hall served once per session, and a TCP proxy
between the kiosk and the server that can lose answers or the whole server."""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from hallq.server.db import Database, upgrade
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.support.live import LiveServer

PG_URL = os.environ.get("HALLQ_TEST_DATABASE_URL")


@dataclass
class DemoHall:
    """The demo hall (41 departments, 363 items with guides, demo companies) on 127.0.0.1."""

    server: LiveServer
    db: Database
    kiosk_token: str
    staff_token: str

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, token: str | None = None) -> httpx.Client:
        token = token or self.staff_token
        return httpx.Client(base_url=self.url + "/api/v1", headers={"Authorization": f"Bearer {token}"},
                            timeout=10)

    def ticket_count(self, service_id: int | None = None) -> int:
        from hallq.server.models import Ticket

        with self.db.read() as s:
            stmt = select(func.count()).select_from(Ticket)
            if service_id is not None:
                stmt = stmt.where(Ticket.service_id == service_id)
            return int(s.scalar(stmt) or 0)

    def device_status(self) -> dict[str, Any]:
        """The kiosk device's last status report, as a floor manager sees it."""
        with self.client() as http:
            devices = http.get("/devices/status").json()
        kiosk = next(d for d in devices if d["kind"] == "kiosk" and d["name"] == "demo-kiosk")
        return kiosk["status"] or {}


def _schema_url(url: str, schema: str) -> str:
    u = make_url(url)
    return u.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@contextlib.contextmanager
def demo_database(tmp: Path) -> Iterator[str]:
    """A migrated database of its own: a SQLite file, or a PostgreSQL schema dropped after."""
    if not PG_URL:
        url = f"sqlite:///{tmp / 'kiosk-demo.sqlite3'}"
        upgrade(url)
        yield url
        return
    schema = f"kiosk_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = _schema_url(PG_URL, schema)
        upgrade(url)
        yield url
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextlib.contextmanager
def serve_demo_hall(tmp: Path, clock: Callable[[], datetime] | None = None) -> Iterator[DemoHall]:
    from hallq.server.cli import DEMO_ACCOUNTS, seed_demo
    from hallq.server.settings import Settings

    with demo_database(tmp) as url:
        db = Database(url)
        settings = Settings(database_url=url, data_dir=tmp / "var", secret_key="test-secret", discovery=False,
                            sweep_interval_s=3600, credit_queries_per_minute=1000)
        facts = seed_demo(db, settings)
        server = LiveServer(settings, clock=clock).start()
        try:
            username, (_, password) = "manager", DEMO_ACCOUNTS["manager"]
            with httpx.Client(base_url=server.url + "/api/v1", timeout=10) as http:
                answer = http.post("/auth/login", json={"username": username, "password": password})
                answer.raise_for_status()
                staff = answer.json()["token"]
            yield DemoHall(server, db, facts["devices"]["demo-kiosk"], staff)
        finally:
            server.stop()
            db.dispose()


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.05) -> Any:
    """Poll until ``predicate()`` is truthy; returns its value, or raises TimeoutError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        time.sleep(interval)


def utc_now() -> datetime:
    return datetime.now(UTC)


class KioskProcess:
    """``hallq kiosk`` in a subprocess under a virtual screen, driven over its control port."""

    def __init__(self, env: dict[str, str], *, url: str, token: str, printer: str | None, workdir: Path,
                 screenshot_dir: Path, extra: list[str] | None = None) -> None:
        import subprocess
        import sys

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.log = workdir / "kiosk.log"
        args = [sys.executable, "-m", "hallq", "kiosk", "--url", url, "--token", token, "--windowed",
                "--lock", "--no-discovery", "--control-port", str(self.port), "--screenshot-dir", str(screenshot_dir),
                "--cache-dir", str(workdir / "cache"), "--health-interval", "0.5", "--printer-interval", "0.5",
                *(["--printer", printer] if printer else []), *(extra or [])]
        env = {**env, "KIVY_HOME": str(workdir / "kivy")}   # Kivy's config and logs stay in the test
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=workdir)
        self._sock: socket.socket | None = None
        self._stream: Any = None

    def connect(self, timeout: float = 60.0) -> KioskProcess:
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the kiosk exited ({self.proc.returncode}): {self.tail()}")
            try:
                self._sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
                self._stream = self._sock.makefile("rwb")
                return self
            except OSError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the kiosk did not open its control port: {self.tail()}") from None
                time.sleep(0.1)

    def tail(self) -> str:
        try:
            return self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
        except OSError:
            return ""

    def call(self, cmd: str, **args: Any) -> dict[str, Any]:
        import json

        assert self._stream is not None
        started = time.monotonic()
        self._stream.write(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
        self._stream.flush()
        line = self._stream.readline()
        if not line:
            raise ConnectionError(f"the kiosk closed its control channel: {self.tail()}")
        answer: dict[str, Any] = json.loads(line)
        if os.environ.get("HALLQ_DRIVER_TRACE"):
            print(f"{time.monotonic() - started:6.3f}s {cmd} {args} -> {str(answer)[:80]}")
        return answer

    def state(self) -> dict[str, Any]:
        answer = self.call("state")
        assert answer["ok"], answer
        return answer

    def wait(self, predicate: Callable[[dict[str, Any]], Any], timeout: float = 15.0) -> dict[str, Any]:
        """The app's state once ``predicate`` holds (and nothing is being worked on)."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.state()
            if state["busy"] == 0 and state["settled"] and predicate(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"the kiosk never got there in {timeout}s: screen={state['screen']} "
                                     f"texts={state['texts']} kiosk={state['kiosk']}")
            time.sleep(0.1)

    def screen(self, name: str, timeout: float = 15.0) -> dict[str, Any]:
        return self.wait(lambda s: s["screen"] == name, timeout)

    def tap(self, tid: str) -> dict[str, Any]:
        """Touch the widget, asking again (bounded) while the app is busy or the widget is
        not on screen or not enabled yet."""
        deadline = time.monotonic() + 10
        while True:
            answer = self.call("tap", tid=tid)
            if answer["ok"]:
                return answer
            if time.monotonic() > deadline:
                raise AssertionError(f"cannot tap {tid}: {answer['error']}; texts={self.state()['texts']}")
            time.sleep(0.05)

    def type(self, keys: str) -> None:
        """Press the keys of the pad on screen, one touch each."""
        answer = self.call("type", keys=keys)
        assert answer["ok"], answer

    def screenshot(self, name: str) -> Path:
        answer = self.call("screenshot", name=name)
        assert answer["ok"], answer
        return Path(answer["path"])

    def stop(self) -> None:
        import subprocess

        if self.proc.poll() is None:
            try:
                if self._stream is not None:
                    self.call("quit")
                self.proc.wait(timeout=15)
            except (OSError, ConnectionError, subprocess.TimeoutExpired, ValueError):
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._sock is not None:
            self._sock.close()
