"""A real hall server on 127.0.0.1 for tests: uvicorn in a thread, or `hallq serve` in a
subprocess (for tests that need several processes or kill one)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from hallq.server.app import create_app
from hallq.server.db import Database
from hallq.server.services import accounts
from hallq.server.services.actors import SYSTEM
from hallq.server.settings import Settings

from .hall import SmallHall, build_hall


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """The ASGI app served by uvicorn on 127.0.0.1 in a background thread."""

    def __init__(self, settings: Settings, *, clock: Callable[[], datetime] | None = None) -> None:
        kwargs: dict[str, Any] = {"clock": clock} if clock else {}
        self.app = create_app(settings, **kwargs)
        self.config = uvicorn.Config(self.app, host="127.0.0.1", port=0, log_level="warning", ws="websockets-sansio",
                                     lifespan="on")
        self.server = uvicorn.Server(self.config)
        self.thread = threading.Thread(target=self.server.run, name="live-server", daemon=True)
        self.port = 0

    def start(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        self.port = self.server.servers[0].sockets[0].getsockname()[1]
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


class ServerProcess:
    """`hallq serve` as a child process (its own PID, so tests can stop or kill -9 it)."""

    def __init__(self, db_url: str, data_dir: Path, *, port: int | None = None, workers: int = 1,
                 env: dict[str, str] | None = None, discovery: bool = False, tls: bool = False) -> None:
        self.discovery = discovery
        self.tls = tls
        self.db_url = db_url
        self.data_dir = data_dir
        self.port = port or free_port()
        self.workers = workers
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self, wait: float = 60) -> ServerProcess:
        env = {**os.environ, "HALLQ_SECRET_KEY": "test-secret", "HALLQ_SWEEP_INTERVAL_S": "1", **self.env}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "hallq", "serve", "--db", self.db_url, "--host", "127.0.0.1",
                 "--port", str(self.port), "--workers", str(self.workers),
                 *([] if self.discovery else ["--no-discovery"]), *(["--tls"] if self.tls else [])],
                stdout=log, stderr=subprocess.STDOUT, env={**env, "HALLQ_DATA_DIR": str(self.data_dir)},
                start_new_session=True)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hallq serve exited with {self.proc.returncode}: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1, verify=False).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"hallq serve did not answer: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        """kill -9 the server and every worker it started."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


PASSWORD = "correct horse battery"


@dataclass
class LiveHall:
    """A served small hall with a token for every role."""

    server: LiveServer
    hall: SmallHall
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def client(self, role: str | None = None, **kw: Any) -> httpx.Client:
        headers = {"Authorization": f"Bearer {self.tokens[role]}"} if role else {}
        return httpx.Client(base_url=self.url + "/api/v1", headers=headers, timeout=10, **kw)


def enrol(db: Database, now: datetime) -> dict[str, str]:
    """Staff of every role (the clerk later signs in at window 1) and a device of every kind."""
    tokens: dict[str, str] = {}
    with db.write() as s:
        for role in ("admin", "manager", "clerk"):
            accounts.add_staff(s, role, role=role, password=PASSWORD, actor=SYSTEM, now=now,
                               staff_number=f"{role[:1].upper()}001", card=f"card-{role}")
        for kind, window in (("kiosk", None), ("display", None), ("counter", 2)):
            _, tokens[kind] = accounts.add_device(s, kind, f"test-{kind}", actor=SYSTEM, now=now,
                                                  window_number=window)
    return tokens


def start_live_hall(db: Database, tmp_path: Path, *, clock: Callable[[], datetime] | None = None,
                    **settings: Any) -> LiveHall:
    now = datetime.now(UTC)
    small = build_hall(db, now)
    small.open_all(now)
    tokens = enrol(db, now)
    server = LiveServer(Settings(database_url=db.url, data_dir=tmp_path / "var", secret_key="test-secret",
                                 discovery=False, sweep_interval_s=3600, **settings), clock=clock).start()
    live = LiveHall(server, small, tokens)
    with httpx.Client(base_url=server.url + "/api/v1") as http:
        for role, window in (("admin", None), ("manager", None), ("clerk", 1)):
            answer = http.post("/auth/login", json={"username": role, "password": PASSWORD, "window_number": window})
            answer.raise_for_status()
            live.tokens[role] = answer.json()["token"]
    return live
