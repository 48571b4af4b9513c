"""The migrations build exactly the schema the models describe."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hallq.server.db import current_revisions, declared_by_models
from hallq.server.models import Base
from sqlalchemy import create_engine


def test_models_and_migrations_agree(db_url):
    engine = create_engine(db_url)
    with engine.connect() as conn:
        options = {"compare_type": True, "include_name": declared_by_models}
        diff = compare_metadata(MigrationContext.configure(conn, opts=options), Base.metadata)
    engine.dispose()
    assert diff == []


def test_history_has_one_head():
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from hallq.server.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert len(ScriptDirectory.from_config(cfg).get_heads()) == 1


def test_database_is_at_head(db_url):
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from hallq.server.db import MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    assert current_revisions(db_url) == set(ScriptDirectory.from_config(cfg).get_heads())
