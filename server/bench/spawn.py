"""A server for the benchmark: a fresh database with the demo hall and the devices the load
needs, `hallq serve` as a child process, and a watch on its memory and CPU.

On PostgreSQL the bench works in a schema of its own (created here, dropped afterwards), so
it never touches another schema of the database it is pointed at.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import httpx
from sqlalchemy import create_engine, func, select, text, update
from sqlalchemy.engine import make_url

from ..db import Database, is_sqlite, upgrade
from ..models import Hall, Queue, ServiceItem, Window, WindowQueue
from .bare import TOKEN_VARIABLE
from .load import Target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class FreshDatabase:
    """A database URL the bench may fill, and how to throw it away."""

    url: str
    drop: Callable[[], None] = lambda: None


def fresh_database(url: str | None, workdir: Path) -> FreshDatabase:
    """SQLite: a new file in ``workdir`` (or the file ``url`` names, which must not exist yet).
    PostgreSQL: a new schema in the database ``url`` names."""
    if url is None or is_sqlite(url):
        path = Path(make_url(url).database or "") if url else workdir / f"bench-{uuid.uuid4().hex[:6]}.sqlite3"
        if path.exists():
            raise SystemExit(f"{path} exists; the bench fills a new database (give another path)")
        path.parent.mkdir(parents=True, exist_ok=True)

        def remove() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)

        return FreshDatabase(f"sqlite:///{path}", remove)
    schema = f"hallq_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})

    def drop() -> None:
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()

    return FreshDatabase(scoped.render_as_string(hide_password=False), drop)


def ensure_windows(db: Database, count: int) -> None:
    """Give the hall at least ``count`` open windows. Beyond the demo hall's own windows the
    bench adds copies of their routing (a bigger hall of the same shape)."""
    now = datetime.now(UTC)
    with db.write() as s:
        windows = list(s.scalars(select(Window).order_by(Window.number)))
        hall_id = s.scalars(select(Hall.id)).one()
        top = windows[-1].number if windows else 0
        for i in range(max(0, count - len(windows))):
            model = windows[i % len(windows)]
            number = top + i + 1
            added = Window(hall_id=hall_id, number=number, name_zh=f"{number}号窗口", name_en=f"Window {number}",
                           floor=model.floor, zone=model.zone, policy=model.policy, state="open",
                           comprehensive=model.comprehensive, green_channel=False, credits={}, state_since=now)
            added.routes = [WindowQueue(queue_id=r.queue_id, position=r.position, weight=r.weight)
                            for r in model.routes]
            s.add(added)


@dataclass
class Credentials:
    kiosks: list[str] = field(default_factory=list)
    displays: list[str] = field(default_factory=list)
    windows: dict[int, str] = field(default_factory=dict)


def prepare(db_url: str, *, kiosks: int, displays: int, windows: int, data_dir: Path) -> Credentials:
    """Migrate, seed the demo hall, open ``windows`` windows and enrol a device per kiosk,
    display and window (a counter terminal), as a hall would."""
    from ..cli import seed_demo
    from ..services import accounts
    from ..services.actors import SYSTEM
    from ..settings import Settings

    upgrade(db_url)
    db = Database(db_url)
    try:
        seed_demo(db, Settings(database_url=db_url, data_dir=data_dir, secret_key="bench", discovery=False))
        ensure_windows(db, windows)
        with db.write() as s:
            # A benchmark issues far more than a day's quota; the hall's limits would only
            # turn its load into quota_reached answers.
            s.execute(update(Queue).values(daily_quota=None))
        creds = Credentials()
        now = datetime.now(UTC)
        tag = uuid.uuid4().hex[:4]
        with db.write() as s:
            for i in range(kiosks):
                creds.kiosks.append(accounts.add_device(s, "kiosk", f"bench-kiosk-{tag}-{i + 1}", actor=SYSTEM,
                                                        now=now)[1])
            for i in range(max(1, displays)):
                creds.displays.append(accounts.add_device(s, "display", f"bench-display-{tag}-{i + 1}",
                                                          actor=SYSTEM, now=now)[1])
            numbers = s.scalars(select(Window.number).order_by(Window.number).limit(windows)).all()
            for number in numbers:
                creds.windows[number] = accounts.add_device(s, "counter", f"bench-counter-{tag}-{number}",
                                                            actor=SYSTEM, now=now, window_number=number)[1]
        return creds
    finally:
        db.dispose()


def services_for(db_url: str, window_numbers: list[int]) -> tuple[int, ...]:
    """The service items whose queue one of these windows serves (so every ticket can be called)."""
    db = Database(db_url)
    try:
        with db.read() as s:
            queues = select(WindowQueue.queue_id).join(Window, Window.id == WindowQueue.window_id) \
                .where(Window.number.in_(window_numbers))
            stmt = select(ServiceItem.id).where(ServiceItem.active.is_(True)).order_by(ServiceItem.id)
            if window_numbers:   # no windows: kiosks alone, any service
                stmt = stmt.where(ServiceItem.queue_id.in_(queues))
            return tuple(s.scalars(stmt))
    finally:
        db.dispose()


def window_count(db_url: str) -> int:
    db = Database(db_url)
    try:
        with db.read() as s:
            return int(s.scalar(select(func.count()).select_from(Window)) or 0)
    finally:
        db.dispose()


class _Child:
    """A server on 127.0.0.1 as a child process in its own session, ready once it answers
    ``/api/v1/health``."""

    name = "server"

    def __init__(self, data_dir: Path, *, workers: int = 1, port: int | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.data_dir = data_dir
        self.workers = workers
        self.port = port or free_port()
        self.env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / f"{self.name}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def argv(self) -> list[str]:
        raise NotImplementedError

    def start(self, wait_s: float = 90) -> Self:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "HALLQ_DATA_DIR": str(self.data_dir),
               "HALLQ_SECRET_KEY": secrets.token_hex(16), **self.env}
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the {self.name} exited with {self.proc.returncode}; see {self.log}")
            try:
                if httpx.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the {self.name} did not answer within {wait_s:.0f} s; see {self.log}")

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)


class Server(_Child):
    """`hallq serve` on the bench's database."""

    # The bench's load comes from one address and a few device tokens: the per-device issue
    # limit is off, and the per-address sign-in limit is out of reach, so that the login flood
    # stands for one from many addresses, every attempt of which has its password checked.
    ENV = {"HALLQ_KIOSK_ISSUES_PER_MINUTE": "0", "HALLQ_LOGIN_FAILURES_PER_ADDRESS_PER_MINUTE": "100000000"}

    def __init__(self, db_url: str, data_dir: Path, **kw: Any) -> None:
        super().__init__(data_dir, **kw)
        self.env = {**self.ENV, **self.env}
        self.db_url = db_url

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "hallq", "serve", "--db", self.db_url, "--host", "127.0.0.1",
                "--port", str(self.port), "--no-discovery", "--workers", str(self.workers)]


class BareServer(_Child):
    """The bare endpoint (``bare.py``) under uvicorn, with as many workers and the same
    uvicorn options as ``hallq serve``."""

    name = "bare-endpoint"

    def __init__(self, data_dir: Path, **kw: Any) -> None:
        self.token = secrets.token_urlsafe(24)
        super().__init__(data_dir, **kw)
        self.env = {**self.env, TOKEN_VARIABLE: self.token}

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "uvicorn", "hallq.server.bench.bare:create_app", "--factory",
                "--host", "127.0.0.1", "--port", str(self.port), "--workers", str(self.workers),
                "--log-level", "warning", "--timeout-keep-alive", "30"]

    def target(self) -> Target:
        return Target(url=self.url, kiosk_tokens=(self.token,), window_tokens={}, display_tokens=(),
                      services=(1, 2, 3))


class TreeWatch:
    """Peak resident memory and CPU time of a process and all its descendants."""

    def __init__(self, pid: int, interval_s: float = 0.2) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.interval_s = interval_s
        self.peak_rss = 0
        self._cpu_start: dict[int, float] = {}
        self._cpu_last: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="bench-rss", daemon=True)

    def _procs(self) -> list[object]:
        try:
            return [self.root, *self.root.children(recursive=True)]
        except Exception:
            return []

    def _sample(self) -> None:
        import psutil

        rss = 0
        for p in self._procs():
            try:
                rss += p.memory_info().rss  # type: ignore[attr-defined]
                t = p.cpu_times()  # type: ignore[attr-defined]
                self._cpu_last[p.pid] = t.user + t.system  # type: ignore[attr-defined]
            except psutil.Error:
                continue
        self.peak_rss = max(self.peak_rss, rss)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval_s):
            self._sample()

    def start(self) -> TreeWatch:
        self._sample()
        self._cpu_start = dict(self._cpu_last)
        self._thread.start()
        return self

    def stop(self) -> tuple[float, float]:
        """(peak RSS in MB, CPU seconds used since start)."""
        self._stop.set()
        self._thread.join(timeout=5)
        self._sample()
        cpu = sum(v - self._cpu_start.get(pid, 0.0) for pid, v in self._cpu_last.items())
        return self.peak_rss / 2**20, cpu


def target_for(url: str, creds: Credentials, services: tuple[int, ...]) -> Target:
    return Target(url=url, kiosk_tokens=tuple(creds.kiosks), window_tokens=dict(creds.windows),
                  display_tokens=tuple(creds.displays), services=services)
