"""appointments: booking configuration, slot counters, follow-ups of bad ratings, case closures

Revision ID: 0003_appointments
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from hallq.server.models.base import UTCDateTime
from sqlalchemy.dialects import postgresql

revision = "0003_appointments"
down_revision = "0001"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
_BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_LIVE = sa.text("status != 'cancelled'")


def upgrade() -> None:
    op.create_table(
        "appointment_config",
        sa.Column("hall_id", sa.Integer(), nullable=False),
        sa.Column("config", _JSON, nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["hall_id"], ["halls.id"], name=op.f("fk_appointment_config_hall_id_halls"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("hall_id", name=op.f("pk_appointment_config")),
    )
    op.create_table(
        "appointment_slots",
        sa.Column("service_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("slot_start", sa.Time(), nullable=False),
        sa.Column("booked", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["service_id"], ["service_items.id"],
                                name=op.f("fk_appointment_slots_service_id_service_items"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("service_id", "day", "slot_start", name=op.f("pk_appointment_slots")),
    )
    op.create_table(
        "follow_ups",
        sa.Column("id", _BIG, nullable=False),
        sa.Column("evaluation_id", _BIG, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("deadline", UTCDateTime(), nullable=False),
        sa.Column("owner_staff_id", sa.Integer(), nullable=True),
        sa.Column("notes", _JSON, nullable=False),
        sa.Column("resolution", sa.Text(), nullable=False),
        sa.Column("resolved_at", UTCDateTime(), nullable=True),
        sa.Column("resolved_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["evaluation_id"], ["evaluations.id"],
                                name=op.f("fk_follow_ups_evaluation_id_evaluations"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["owner_staff_id"], ["staff.id"], name=op.f("fk_follow_ups_owner_staff_id_staff"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["resolved_by"], ["staff.id"], name=op.f("fk_follow_ups_resolved_by_staff"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_ups")),
        sa.UniqueConstraint("evaluation_id", name=op.f("uq_follow_ups_evaluation_id")),
    )
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.create_index("ix_follow_ups_status_deadline", ["status", "deadline"], unique=False)
    op.create_table(
        "case_closures",
        sa.Column("ticket_id", _BIG, nullable=False),
        sa.Column("closed_at", UTCDateTime(), nullable=False),
        sa.Column("closed_by", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_case_closures_ticket_id_tickets"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["closed_by"], ["staff.id"], name=op.f("fk_case_closures_closed_by_staff"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("ticket_id", name=op.f("pk_case_closures")),
    )
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.create_index("uq_appointments_person_day_live", ["person_hash", "day"], unique=True,
                              sqlite_where=_LIVE, postgresql_where=_LIVE)
        batch_op.create_index("ix_appointments_status_day", ["status", "day"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("appointments", schema=None) as batch_op:
        batch_op.drop_index("ix_appointments_status_day")
        batch_op.drop_index("uq_appointments_person_day_live")
    op.drop_table("case_closures")
    with op.batch_alter_table("follow_ups", schema=None) as batch_op:
        batch_op.drop_index("ix_follow_ups_status_deadline")
    op.drop_table("follow_ups")
    op.drop_table("appointment_slots")
    op.drop_table("appointment_config")
