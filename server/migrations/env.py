"""Alembic environment: migrations run on the connection hallq.server.db.upgrade hands over."""

from __future__ import annotations

from alembic import context
from hallq.server.db import declared_by_models
from hallq.server.models import Base
from sqlalchemy import Connection, create_engine

config = context.config
target_metadata = Base.metadata


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is None:  # plain `alembic` command line: build a connection from the URL
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite:///var/hallq.sqlite3")
        with engine.connect() as conn:
            _migrate(conn)
            conn.commit()
        return
    _migrate(connection)


def _migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
        include_name=declared_by_models,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
