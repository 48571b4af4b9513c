"""credit records, the credit query log, and the search indexes of credit records and guides

Search structures differ per dialect and are made here, not declared on the models:
- SQLite: FTS5 tables with the trigram tokenizer (substring search that suits Chinese names),
  external-content over credit_companies (code, name, initials) and guide_search (body), kept in
  step by triggers.
- PostgreSQL: pg_trgm GIN indexes on the same columns. The extension is created when missing,
  in a schema of its own named ``extensions`` (it outlives any one schema of tables); when it is
  already installed, wherever it lives is used. The database owner may do this: pg_trgm is a
  trusted extension since PostgreSQL 13.
On both, triggers on service_items keep guide_search in step with the catalog.

Revision ID: 0002_credit
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from hallq.server.models.base import UTCDateTime

revision = "0002_credit"
down_revision = "0001"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_GUIDE_COLUMNS = "name_zh, name_en, initials, pinyin, guide"


def _sqlite_guide_body(row: str) -> str:
    return (
        f"lower(coalesce({row}.name_zh, '') || ' ' || coalesce({row}.name_en, '') || ' ' || "
        f"coalesce({row}.initials, '') || ' ' || replace(coalesce({row}.pinyin, ''), ' ', '') || ' ' || "
        f"coalesce((SELECT group_concat(json_extract(m.value, '$.name_zh'), ' ') "
        f"FROM json_each({row}.guide, '$.materials') AS m), '') || ' ' || "
        f"coalesce((SELECT group_concat(c.value, ' ') FROM json_each({row}.guide, '$.conditions_zh') AS c), ''))"
    )


def _pg_guide_body(row: str) -> str:
    def array(key: str) -> str:
        return (f"CASE WHEN jsonb_typeof({row}.guide -> '{key}') = 'array' "
                f"THEN {row}.guide -> '{key}' ELSE '[]'::jsonb END")

    return (
        f"lower(concat_ws(' ', {row}.name_zh, {row}.name_en, {row}.initials, replace({row}.pinyin, ' ', ''), "
        f"(SELECT string_agg(m ->> 'name_zh', ' ') FROM jsonb_array_elements({array('materials')}) AS m), "
        f"(SELECT string_agg(c, ' ') FROM jsonb_array_elements_text({array('conditions_zh')}) AS c)))"
    )


def _tables() -> None:
    op.create_table(
        "credit_companies",
        sa.Column("id", BigId, nullable=False),
        sa.Column("code", sa.String(length=18), nullable=False),
        sa.Column("code_checked", sa.Boolean(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("initials", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=100), nullable=False),
        sa.Column("legal_representative", sa.String(length=100), nullable=False),
        sa.Column("registered_capital", sa.String(length=60), nullable=False),
        sa.Column("established", sa.Date(), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("business_scope", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("authority", sa.String(length=100), nullable=False),
        sa.Column("tax_grade", sa.String(length=1), nullable=True),
        sa.Column("tax_year", sa.Integer(), nullable=True),
        sa.Column("tax_source", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("source_updated", sa.Date(), nullable=True),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("imported_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_companies")),
        sa.UniqueConstraint("code", name=op.f("uq_credit_companies_code")),
    )
    op.create_table(
        "credit_licences",
        sa.Column("id", BigId, nullable=False),
        sa.Column("company_id", BigId, nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("authority", sa.String(length=100), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["credit_companies.id"], ondelete="CASCADE",
                                name=op.f("fk_credit_licences_company_id_credit_companies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_licences")),
    )
    op.create_index(op.f("ix_credit_licences_company_id"), "credit_licences", ["company_id"])
    op.create_table(
        "credit_penalties",
        sa.Column("id", BigId, nullable=False),
        sa.Column("company_id", BigId, nullable=False),
        sa.Column("number", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=100), nullable=False),
        sa.Column("facts", sa.Text(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("authority", sa.String(length=100), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("legal_basis", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["credit_companies.id"], ondelete="CASCADE",
                                name=op.f("fk_credit_penalties_company_id_credit_companies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_penalties")),
    )
    op.create_index(op.f("ix_credit_penalties_company_id"), "credit_penalties", ["company_id"])
    op.create_table(
        "credit_list_entries",
        sa.Column("id", BigId, nullable=False),
        sa.Column("company_id", BigId, nullable=False),
        sa.Column("list_code", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("included_on", sa.Date(), nullable=True),
        sa.Column("removed_on", sa.Date(), nullable=True),
        sa.Column("authority", sa.String(length=100), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["credit_companies.id"], ondelete="CASCADE",
                                name=op.f("fk_credit_list_entries_company_id_credit_companies")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_list_entries")),
    )
    op.create_index(op.f("ix_credit_list_entries_company_id"), "credit_list_entries", ["company_id"])
    op.create_table(
        "credit_queries",
        sa.Column("id", BigId, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_kind", sa.String(length=10), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=10), nullable=False),
        sa.Column("window_id", sa.Integer(), nullable=True),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=10), nullable=False),
        sa.Column("query", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("results", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_queries")),
    )
    op.create_index(op.f("ix_credit_queries_at"), "credit_queries", ["at"])
    op.create_index("ix_credit_queries_actor_at", "credit_queries", ["actor_kind", "actor_id", "at"])
    op.create_table(
        "guide_search",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service_items.id"], ondelete="CASCADE",
                                name=op.f("fk_guide_search_service_id_service_items")),
        sa.PrimaryKeyConstraint("service_id", name=op.f("pk_guide_search")),
    )


def _sqlite_search() -> None:
    company = "code, name, initials"
    new = "NEW.id, NEW.code, NEW.name, NEW.initials"
    old = "'delete', OLD.id, OLD.code, OLD.name, OLD.initials"
    for statement in (
        "CREATE VIRTUAL TABLE credit_companies_fts USING fts5("
        f"{company}, content='credit_companies', content_rowid='id', tokenize='trigram')",
        f"""CREATE TRIGGER credit_companies_fts_ai AFTER INSERT ON credit_companies BEGIN
              INSERT INTO credit_companies_fts(rowid, {company}) VALUES ({new}); END""",
        f"""CREATE TRIGGER credit_companies_fts_ad AFTER DELETE ON credit_companies BEGIN
              INSERT INTO credit_companies_fts(credit_companies_fts, rowid, {company}) VALUES ({old}); END""",
        f"""CREATE TRIGGER credit_companies_fts_au AFTER UPDATE OF {company} ON credit_companies BEGIN
              INSERT INTO credit_companies_fts(credit_companies_fts, rowid, {company}) VALUES ({old});
              INSERT INTO credit_companies_fts(rowid, {company}) VALUES ({new}); END""",
        "CREATE VIRTUAL TABLE guide_search_fts USING fts5("
        "body, content='guide_search', content_rowid='service_id', tokenize='trigram')",
        """CREATE TRIGGER guide_search_fts_ai AFTER INSERT ON guide_search BEGIN
              INSERT INTO guide_search_fts(rowid, body) VALUES (NEW.service_id, NEW.body); END""",
        """CREATE TRIGGER guide_search_fts_ad AFTER DELETE ON guide_search BEGIN
              INSERT INTO guide_search_fts(guide_search_fts, rowid, body)
              VALUES ('delete', OLD.service_id, OLD.body); END""",
        """CREATE TRIGGER guide_search_fts_au AFTER UPDATE ON guide_search BEGIN
              INSERT INTO guide_search_fts(guide_search_fts, rowid, body)
              VALUES ('delete', OLD.service_id, OLD.body);
              INSERT INTO guide_search_fts(rowid, body) VALUES (NEW.service_id, NEW.body); END""",
        f"""CREATE TRIGGER service_items_guide_search_ai AFTER INSERT ON service_items BEGIN
              INSERT INTO guide_search(service_id, body) VALUES (NEW.id, {_sqlite_guide_body('NEW')}); END""",
        f"""CREATE TRIGGER service_items_guide_search_au AFTER UPDATE OF {_GUIDE_COLUMNS} ON service_items BEGIN
              UPDATE guide_search SET body = {_sqlite_guide_body('NEW')} WHERE service_id = NEW.id; END""",
        f"INSERT INTO guide_search(service_id, body) SELECT s.id, {_sqlite_guide_body('s')} FROM service_items AS s",
    ):
        op.execute(statement)


def _pg_search() -> None:
    bind = op.get_bind()
    find = sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                   "WHERE e.extname = 'pg_trgm'")
    schema = bind.execute(find).scalar()
    if schema is None:
        op.execute("CREATE SCHEMA IF NOT EXISTS extensions")
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA extensions")
        schema = bind.execute(find).scalar()
    trgm = f'"{schema}".gin_trgm_ops'
    for column in ("code", "name", "initials"):
        op.execute(f"CREATE INDEX ix_credit_companies_{column}_trgm ON credit_companies USING gin ({column} {trgm})")
    op.execute(f"CREATE INDEX ix_guide_search_body_trgm ON guide_search USING gin (body {trgm})")
    op.execute(f"""
        CREATE FUNCTION guide_search_upkeep() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO guide_search (service_id, body) VALUES (NEW.id, {_pg_guide_body('NEW')})
            ON CONFLICT (service_id) DO UPDATE SET body = EXCLUDED.body;
            RETURN NEW;
        END $$""")
    op.execute("CREATE TRIGGER service_items_guide_search_ai AFTER INSERT ON service_items "
               "FOR EACH ROW EXECUTE FUNCTION guide_search_upkeep()")
    op.execute(f"CREATE TRIGGER service_items_guide_search_au AFTER UPDATE OF {_GUIDE_COLUMNS} ON service_items "
               "FOR EACH ROW EXECUTE FUNCTION guide_search_upkeep()")
    op.execute(f"INSERT INTO guide_search (service_id, body) SELECT s.id, {_pg_guide_body('s')} FROM service_items AS s")


def upgrade() -> None:
    _tables()
    if op.get_bind().dialect.name == "sqlite":
        _sqlite_search()
    else:
        _pg_search()


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trigger in ("service_items_guide_search_ai", "service_items_guide_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
        op.execute("DROP TABLE IF EXISTS guide_search_fts")
        op.execute("DROP TABLE IF EXISTS credit_companies_fts")
    else:
        for trigger in ("service_items_guide_search_ai", "service_items_guide_search_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON service_items")
        op.execute("DROP FUNCTION IF EXISTS guide_search_upkeep()")
        # pg_trgm stays: other schemas may use it.
    for table in ("guide_search", "credit_queries", "credit_list_entries", "credit_penalties", "credit_licences",
                  "credit_companies"):
        op.drop_table(table)
