"""Fixtures shared by the whole suite.

Database tests run on SQLite by default and on PostgreSQL when HALLQ_TEST_DATABASE_URL is
set. On PostgreSQL every test run gets its own schema, so runs never see each other's rows.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hallq.server.db import Database, upgrade
from hallq.server.models import Base
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

PG_URL = os.environ.get("HALLQ_TEST_DATABASE_URL")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The PostgreSQL pass runs what touches the database. Tests that use none, and the UI
    and browser tests (whose database work is covered by the API tests on both databases),
    ran in the SQLite pass already."""
    if not PG_URL:
        return
    once = pytest.mark.skip(reason="independent of the database: runs in the SQLite pass")
    for item in items:
        if "db_url" not in getattr(item, "fixturenames", ()) or item.get_closest_marker("ui") \
                or item.get_closest_marker("browser"):
            item.add_marker(once)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    from tests.support.fuzzing import summary

    for line in summary():
        terminalreporter.write_line(line)


def pytest_report_header(config: pytest.Config) -> str:
    return f"hallq database: {'PostgreSQL ' + make_url(PG_URL).render_as_string(hide_password=True) if PG_URL else 'SQLite'}"


def _with_schema(url: str, schema: str) -> str:
    u = make_url(url)
    return u.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database: a SQLite file to copy, or a PostgreSQL schema to truncate."""
    if PG_URL:
        schema = f"hallq_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        admin = create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = _with_schema(PG_URL, schema)
        upgrade(url)
        try:
            yield url
        finally:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "hallq.sqlite3"
        upgrade(f"sqlite:///{path}")
        yield str(path)


@pytest.fixture
def db_url(migrated_template: str, tmp_path: Path) -> str:
    """The URL of an empty, migrated database for one test."""
    if PG_URL:
        engine = create_engine(migrated_template)
        tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
        with engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return migrated_template
    path = tmp_path / "hallq.sqlite3"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()


@pytest.fixture
def now() -> datetime:
    """A fixed weekday morning in the hall: Wednesday 2026-03-04 10:00 Beijing time."""
    return datetime(2026, 3, 4, 2, 0, tzinfo=UTC)


@pytest.fixture
def secret() -> bytes:
    return b"test-secret"


@pytest.fixture
def live(db, tmp_path):
    """A real hall server on 127.0.0.1 with the small hall and a token for every role."""
    from tests.support.live import start_live_hall

    hall = start_live_hall(db, tmp_path)
    yield hall
    hall.server.stop()
