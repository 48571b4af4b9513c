"""one line of history again: credit records and appointments

Revision ID: 0004_merge
Revises: 0003_appointments, 0003_credit_grams
Create Date: 2026-11-26
"""

revision = "0004_merge"
down_revision = ("0003_appointments", "0003_credit_grams")
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
