"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 16:24:03.855518
"""

import sqlalchemy as sa
from alembic import op
from hallq.server.models.base import UTCDateTime
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('actor_kind', sa.String(length=10), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('target', sa.String(length=100), nullable=False),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)

    op.create_table('devices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('config', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('status', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('last_seen_at', UTCDateTime(), nullable=True),
    sa.Column('revoked_at', UTCDateTime(), nullable=True),
    sa.Column('window_number', sa.Integer(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_devices')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_devices_token_hash'))
    )
    op.create_table('halls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=60), nullable=False),
    sa.Column('address_zh', sa.String(length=200), nullable=False),
    sa.Column('address_en', sa.String(length=300), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('notice_zh', sa.String(length=300), nullable=False),
    sa.Column('notice_en', sa.String(length=500), nullable=False),
    sa.Column('hours', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('rules', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_halls')),
    sa.UniqueConstraint('code', name=op.f('uq_halls_code'))
    )
    op.create_table('idempotency_records',
    sa.Column('scope', sa.String(length=60), nullable=False),
    sa.Column('key', sa.String(length=100), nullable=False),
    sa.Column('operation', sa.String(length=60), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('result', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('scope', 'key', name=op.f('pk_idempotency_records'))
    )
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_idempotency_records_created_at'), ['created_at'], unique=False)

    op.create_table('live_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_live_events'))
    )
    with op.batch_alter_table('live_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_live_events_created_at'), ['created_at'], unique=False)

    op.create_table('categories',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['halls.id'], name=op.f('fk_categories_hall_id_halls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_categories')),
    sa.UniqueConstraint('code', name=op.f('uq_categories_code'))
    )
    op.create_table('departments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('pinyin', sa.String(length=400), nullable=False),
    sa.Column('initials', sa.String(length=100), nullable=False),
    sa.Column('floor', sa.Integer(), nullable=False),
    sa.Column('zone', sa.String(length=20), nullable=False),
    sa.Column('phone', sa.String(length=40), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_departments_category_id_categories'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hall_id'], ['halls.id'], name=op.f('fk_departments_hall_id_halls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_departments')),
    sa.UniqueConstraint('code', name=op.f('uq_departments_code'))
    )
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_departments_hall_id'), ['hall_id'], unique=False)

    op.create_table('queues',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('prefix', sa.String(length=3), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('daily_quota', sa.Integer(), nullable=True),
    sa.Column('waiting_target_s', sa.Integer(), nullable=False),
    sa.Column('default_service_s', sa.Integer(), nullable=False),
    sa.Column('mean_service_s', sa.Double(), nullable=True),
    sa.Column('waiting_count', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_queues_department_id_departments'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queues')),
    sa.UniqueConstraint('code', name=op.f('uq_queues_code')),
    sa.UniqueConstraint('prefix', name=op.f('uq_queues_prefix'))
    )
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_queues_department_id'), ['department_id'], unique=False)

    op.create_table('staff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('username', sa.String(length=60), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('staff_number', sa.String(length=30), nullable=False),
    sa.Column('role', sa.String(length=10), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('card_hash', sa.String(length=64), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_staff_department_id_departments'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff')),
    sa.UniqueConstraint('card_hash', name=op.f('uq_staff_card_hash')),
    sa.UniqueConstraint('staff_number', name=op.f('uq_staff_staff_number')),
    sa.UniqueConstraint('username', name=op.f('uq_staff_username'))
    )
    op.create_table('daily_counters',
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('last_seq', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_daily_counters_queue_id_queues'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('queue_id', 'business_date', name=op.f('pk_daily_counters'))
    )
    op.create_table('service_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_zh', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=300), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('pinyin', sa.String(length=800), nullable=False),
    sa.Column('initials', sa.String(length=200), nullable=False),
    sa.Column('guide', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('sort', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_service_items_department_id_departments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_service_items_queue_id_queues'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_service_items')),
    sa.UniqueConstraint('code', name=op.f('uq_service_items_code'))
    )
    with op.batch_alter_table('service_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_service_items_department_id'), ['department_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_service_items_queue_id'), ['queue_id'], unique=False)

    op.create_table('windows',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('hall_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=100), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('floor', sa.Integer(), nullable=False),
    sa.Column('zone', sa.String(length=20), nullable=False),
    sa.Column('policy', sa.String(length=20), nullable=False),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('pause_reason', sa.String(length=200), nullable=True),
    sa.Column('current_ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('comprehensive', sa.Boolean(), nullable=False),
    sa.Column('green_channel', sa.Boolean(), nullable=False),
    sa.Column('credits', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('state_since', UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['hall_id'], ['halls.id'], name=op.f('fk_windows_hall_id_halls'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_windows_staff_id_staff'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_windows')),
    sa.UniqueConstraint('number', name=op.f('uq_windows_number'))
    )
    op.create_table('staff_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('staff_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('revoked_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_staff_tokens_staff_id_staff'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['window_id'], ['windows.id'], name=op.f('fk_staff_tokens_window_id_windows'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staff_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_staff_tokens_token_hash'))
    )
    with op.batch_alter_table('staff_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_tokens_staff_id'), ['staff_id'], unique=False)

    op.create_table('tickets',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('token', sa.String(length=40), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('issue_queue_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('number', sa.String(length=12), nullable=False),
    sa.Column('priority', sa.String(length=12), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('sort_key', sa.BigInteger(), nullable=False),
    sa.Column('issued_at', UTCDateTime(), nullable=False),
    sa.Column('called_at', UTCDateTime(), nullable=True),
    sa.Column('last_called_at', UTCDateTime(), nullable=True),
    sa.Column('started_at', UTCDateTime(), nullable=True),
    sa.Column('finished_at', UTCDateTime(), nullable=True),
    sa.Column('no_show_at', UTCDateTime(), nullable=True),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('held_by_window_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('recall_count', sa.Integer(), nullable=False),
    sa.Column('transfer_count', sa.Integer(), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=True),
    sa.Column('id_masked', sa.String(length=24), nullable=True),
    sa.Column('phone_masked', sa.String(length=20), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('appointment_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('case_number', sa.String(length=60), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['device_id'], ['devices.id'], name=op.f('fk_tickets_device_id_devices'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['held_by_window_id'], ['windows.id'], name=op.f('fk_tickets_held_by_window_id_windows'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['issue_queue_id'], ['queues.id'], name=op.f('fk_tickets_issue_queue_id_queues'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_tickets_queue_id_queues'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['service_id'], ['service_items.id'], name=op.f('fk_tickets_service_id_service_items'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_tickets_staff_id_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['window_id'], ['windows.id'], name=op.f('fk_tickets_window_id_windows'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tickets')),
    sa.UniqueConstraint('issue_queue_id', 'business_date', 'seq', name=op.f('uq_tickets_issue_queue_id_business_date_seq')),
    sa.UniqueConstraint('token', name=op.f('uq_tickets_token'))
    )
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.create_index('ix_tickets_day_number', ['business_date', 'number'], unique=False)
        batch_op.create_index('ix_tickets_person', ['person_hash', 'queue_id'], unique=False)
        batch_op.create_index('ix_tickets_queue_head', ['queue_id', 'status', 'sort_key', 'id'], unique=False)
        batch_op.create_index('ix_tickets_status_day', ['status', 'business_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_tickets_window_id'), ['window_id'], unique=False)

    # windows and tickets refer to each other: the window's current ticket is added last.
    with op.batch_alter_table('windows', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_windows_current_ticket_id_tickets'), 'tickets',
                                    ['current_ticket_id'], ['id'], ondelete='SET NULL')

    op.create_table('window_queues',
    sa.Column('window_id', sa.Integer(), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('weight', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['queue_id'], ['queues.id'], name=op.f('fk_window_queues_queue_id_queues'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['window_id'], ['windows.id'], name=op.f('fk_window_queues_window_id_windows'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('window_id', 'queue_id', name=op.f('pk_window_queues')),
    sa.UniqueConstraint('window_id', 'position', name=op.f('uq_window_queues_window_id_position'))
    )
    with op.batch_alter_table('window_queues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_window_queues_queue_id'), ['queue_id'], unique=False)

    op.create_table('appointments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.Column('person_hash', sa.String(length=64), nullable=False),
    sa.Column('id_masked', sa.String(length=24), nullable=False),
    sa.Column('name_masked', sa.String(length=40), nullable=False),
    sa.Column('phone_masked', sa.String(length=20), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('slot_start', sa.Time(), nullable=False),
    sa.Column('slot_end', sa.Time(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('cancelled_at', UTCDateTime(), nullable=True),
    sa.Column('checked_in_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['service_id'], ['service_items.id'], name=op.f('fk_appointments_service_id_service_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_appointments_ticket_id_tickets'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments')),
    sa.UniqueConstraint('code', name=op.f('uq_appointments_code'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_person_day', ['person_hash', 'day'], unique=False)
        batch_op.create_index('ix_appointments_slot', ['service_id', 'day', 'slot_start'], unique=False)

    op.create_table('evaluations',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('comment', sa.String(length=500), nullable=False),
    sa.Column('stage', sa.String(length=12), nullable=False),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('staff_number', sa.String(length=30), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('accepted_at', UTCDateTime(), nullable=True),
    sa.Column('completed_at', UTCDateTime(), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.CheckConstraint('level BETWEEN 1 AND 5', name=op.f('ck_evaluations_level_range')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_evaluations_department_id_departments'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['service_id'], ['service_items.id'], name=op.f('fk_evaluations_service_id_service_items'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['staff_id'], ['staff.id'], name=op.f('fk_evaluations_staff_id_staff'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_evaluations_ticket_id_tickets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['window_id'], ['windows.id'], name=op.f('fk_evaluations_window_id_windows'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_evaluations')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_evaluations_ticket_id'))
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_created_at'), ['created_at'], unique=False)

    op.create_table('ticket_events',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('ticket_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('at', UTCDateTime(), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('from_status', sa.String(length=12), nullable=True),
    sa.Column('to_status', sa.String(length=12), nullable=False),
    sa.Column('queue_id', sa.Integer(), nullable=True),
    sa.Column('window_id', sa.Integer(), nullable=True),
    sa.Column('actor_kind', sa.String(length=10), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('staff_id', sa.Integer(), nullable=True),
    sa.Column('device_id', sa.Integer(), nullable=True),
    sa.Column('detail', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id'], name=op.f('fk_ticket_events_ticket_id_tickets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_events'))
    )
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_events_ticket_id'), ['ticket_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ticket_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_events_ticket_id'))

    op.drop_table('ticket_events')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_created_at'))

    op.drop_table('evaluations')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_slot')
        batch_op.drop_index('ix_appointments_person_day')

    op.drop_table('appointments')
    with op.batch_alter_table('window_queues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_window_queues_queue_id'))

    op.drop_table('window_queues')
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_window_id'))
        batch_op.drop_index('ix_tickets_status_day')
        batch_op.drop_index('ix_tickets_queue_head')
        batch_op.drop_index('ix_tickets_person')
        batch_op.drop_index('ix_tickets_day_number')

    with op.batch_alter_table('windows', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_windows_current_ticket_id_tickets'), type_='foreignkey')
    op.drop_table('tickets')
    with op.batch_alter_table('staff_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_tokens_staff_id'))

    op.drop_table('staff_tokens')
    op.drop_table('windows')
    with op.batch_alter_table('service_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_service_items_queue_id'))
        batch_op.drop_index(batch_op.f('ix_service_items_department_id'))

    op.drop_table('service_items')
    op.drop_table('daily_counters')
    op.drop_table('staff')
    with op.batch_alter_table('queues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_queues_department_id'))

    op.drop_table('queues')
    with op.batch_alter_table('departments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_departments_hall_id'))

    op.drop_table('departments')
    op.drop_table('categories')
    with op.batch_alter_table('live_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_live_events_created_at'))

    op.drop_table('live_events')
    with op.batch_alter_table('idempotency_records', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_idempotency_records_created_at'))

    op.drop_table('idempotency_records')
    op.drop_table('halls')
    op.drop_table('devices')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))

    op.drop_table('audit_log')
