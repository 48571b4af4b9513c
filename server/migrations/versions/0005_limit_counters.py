"""limit counters: atomic per-key counts for sign-in, booking and issue limits

Revision ID: 0005_limit_counters
Revises: 0004_merge
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op
from hallq.server.models.base import UTCDateTime

revision = "0005_limit_counters"
down_revision = "0004_merge"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "limit_counters",
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("hits", sa.Integer(), nullable=False),
        sa.Column("ends_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_limit_counters")),
    )
    op.create_index(op.f("ix_limit_counters_ends_at"), "limit_counters", ["ends_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_limit_counters_ends_at"), table_name="limit_counters")
    op.drop_table("limit_counters")
