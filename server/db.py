"""Database access: engines, transactions and migrations, for SQLite and PostgreSQL.

SQLite: WAL, a busy timeout, and ``BEGIN IMMEDIATE`` for writers so that two writers never
interleave (SQLite ignores FOR UPDATE). Readers use plain deferred transactions and never
wait for writers. PostgreSQL: row locks (FOR UPDATE / SKIP LOCKED) inside the use cases.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
_SQLITE_BUSY_MS = 15000


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_engine(url: str, *, begin: str, busy_ms: int) -> Engine:
    parsed = make_url(url)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": busy_ms / 1000, "check_same_thread": False},
                           pool_size=8, max_overflow=32)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Hand transaction control to us (pysqlite's own BEGIN would be deferred).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        # Writers wait for the lock in _on_begin; inside a transaction they hold it already.
        cur.execute(f"PRAGMA busy_timeout={int(busy_ms) if begin != 'BEGIN IMMEDIATE' else min(int(busy_ms), 5)}")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        if begin != "BEGIN IMMEDIATE":
            conn.exec_driver_sql(begin)
            return
        # Writers of other processes (server workers) hold the lock for a millisecond or two.
        # SQLite's own busy handler sleeps in growing steps of up to 100 ms, far longer than
        # that; asking again every couple of milliseconds keeps waits that short.
        raw = conn.connection.dbapi_connection
        deadline = time.monotonic() + busy_ms / 1000
        delay = 0.0005
        while True:
            try:
                raw.execute(begin)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                    raise OperationalError(begin, None, exc) from exc
            time.sleep(delay)
            delay = min(0.004, delay * 2)

    return engine


def _postgres_engine(url: str) -> Engine:
    return create_engine(url, pool_size=10, max_overflow=40, pool_pre_ping=True)


@dataclass
class Database:
    """The write and read engines of one database URL, and their sessions."""

    url: str
    # SQLite: how long a transaction waits for the file's lock before OperationalError.
    busy_timeout_ms: int = _SQLITE_BUSY_MS
    writer: Engine = field(init=False)
    reader: Engine = field(init=False)

    def __post_init__(self) -> None:
        if is_sqlite(self.url):
            self.writer = _sqlite_engine(self.url, begin="BEGIN IMMEDIATE", busy_ms=self.busy_timeout_ms)
            self.reader = _sqlite_engine(self.url, begin="BEGIN", busy_ms=self.busy_timeout_ms)
        else:
            self.writer = _postgres_engine(self.url)
            self.reader = self.writer
        self._write_lock = threading.Lock() if is_sqlite(self.url) else None
        self._write_sessions = sessionmaker(self.writer, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.reader, expire_on_commit=False)

    @property
    def sqlite(self) -> bool:
        return is_sqlite(self.url)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One write transaction: commits on success, rolls back on any exception."""
        if self._write_lock is None:
            with self._write_sessions() as session, session.begin():
                yield session
            return
        # SQLite has one writer at a time. Threads of this process queue here and are woken
        # the moment the writer before them commits; left to SQLite's busy handler they
        # would sleep in growing steps (up to 100 ms) and the hall's p99 with them. The
        # busy timeout still bounds the wait, and other processes still wait in SQLite.
        if not self._write_lock.acquire(timeout=self.busy_timeout_ms / 1000):
            raise OperationalError("BEGIN IMMEDIATE", None,
                                   sqlite3.OperationalError("database is locked (writers of this process)"))
        try:
            with self._write_sessions() as session, session.begin():
                yield session
        finally:
            self._write_lock.release()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._read_sessions() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.writer.dispose()
        if self.reader is not self.writer:
            self.reader.dispose()


def declared_by_models(name: str | None, _type: str, _parents: object) -> bool:
    """False for the search structures the migrations make per dialect and the models do not
    declare (SQLite FTS5 tables ``*_fts*``, PostgreSQL pg_trgm indexes ``*_trgm``), so that
    comparing models with the database leaves them alone."""
    return "_fts" not in (name or "") and not (name or "").endswith("_trgm")


def upgrade(url: str) -> None:
    """Bring the schema to the newest revision (all heads); safe to run from several
    processes at once."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("path_separator", "os")
    db = Database(url)
    try:
        with db.writer.connect() as conn:
            if not db.sqlite:
                # Two server processes starting together must not both create the tables.
                conn.execute(text("SELECT pg_advisory_lock(726172)"))
                conn.commit()
            try:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "heads")
                conn.commit()
            finally:
                if not db.sqlite:
                    conn.execute(text("SELECT pg_advisory_unlock(726172)"))
                    conn.commit()
    finally:
        db.dispose()


def current_revisions(url: str) -> set[str]:
    from alembic.runtime.migration import MigrationContext

    db = Database(url)
    try:
        with db.reader.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        db.dispose()
