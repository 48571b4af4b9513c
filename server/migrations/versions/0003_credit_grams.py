"""two-character index of company names (credit_name_grams), filled for companies already loaded

Revision ID: 0003_credit_grams
Revises: 0002_credit
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_credit_grams"
down_revision = "0002_credit"
branch_labels = None
depends_on = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    grams = op.create_table(
        "credit_name_grams",
        sa.Column("gram", sa.String(length=2), nullable=False),
        sa.Column("company_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["credit_companies.id"], ondelete="CASCADE",
                                name=op.f("fk_credit_name_grams_company_id_credit_companies")),
        sa.PrimaryKeyConstraint("gram", "company_id", name=op.f("pk_credit_name_grams")),
    )
    op.create_index(op.f("ix_credit_name_grams_company_id"), "credit_name_grams", ["company_id"])
    from hallq.server.credit.search import name_grams

    bind = op.get_bind()
    rows = [{"gram": g, "company_id": id_} for id_, name in bind.execute(sa.text("SELECT id, name FROM credit_companies"))
            for g in name_grams(name)]
    if rows:
        op.bulk_insert(grams, rows)


def downgrade() -> None:
    op.drop_table("credit_name_grams")
