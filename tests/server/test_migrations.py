"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hallq.server.db import current_revisions
from hallq.server.models import Base
from sqlalchemy import create_engine


def test_models_and_migrations_agree(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        # Search structures made per dialect by migrations (SQLite FTS5 tables *_fts*, PostgreSQL
        # pg_trgm indexes *_trgm) are not declared on the models.
        skip = {"include_name": lambda name, _type, _parents: "_fts" not in (name or "") and not (name or "").endswith("_trgm")}
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True, **skip}), Base.metadata)
    engine.dispose()
    assert diff == []


def test_database_is_at_head(db_url):
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from hallq.server.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert current_revisions(db_url) == set(ScriptDirectory.from_config(cfg).get_heads())
