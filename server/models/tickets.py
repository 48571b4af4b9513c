"""Tickets, their audit trail, daily counters, idempotency records and the live event log."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, BigId, Json, UTCDateTime, utcnow


class Ticket(Base):
    __tablename__ = "tickets"
    __table_args__ = (
        # The day's numbers are unique per issuing queue: the backstop behind the counter row.
        UniqueConstraint("issue_queue_id", "business_date", "seq"),
        # Heads of queues: "first waiting ticket of queue Q" is one index seek.
        Index("ix_tickets_queue_head", "queue_id", "status", "sort_key", "id"),
        Index("ix_tickets_day_number", "business_date", "number"),
        Index("ix_tickets_person", "person_hash", "queue_id"),
        Index("ix_tickets_status_day", "status", "business_date"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # Unguessable: the ticket's QR code opens /t/<token>.
    token: Mapped[str] = mapped_column(String(40), unique=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="RESTRICT"))
    issue_queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="RESTRICT"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id", ondelete="SET NULL"))
    business_date: Mapped[date] = mapped_column(Date)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(12))
    priority: Mapped[str] = mapped_column(String(12), default="normal")
    status: Mapped[str] = mapped_column(String(12), default="waiting")
    sort_key: Mapped[int] = mapped_column(BigInteger)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_called_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id", ondelete="SET NULL"), index=True)
    held_by_window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id", ondelete="SET NULL"))
    # The clerk who called or served it last.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    recall_count: Mapped[int] = mapped_column(Integer, default=0)
    transfer_count: Mapped[int] = mapped_column(Integer, default=0)
    # Keyed hash of the visitor's ID number (never the number itself).
    person_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    id_masked: Mapped[str | None] = mapped_column(String(24), nullable=True)
    phone_masked: Mapped[str | None] = mapped_column(String(20), nullable=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    appointment_id: Mapped[int | None] = mapped_column(BigId, nullable=True)
    # 办件编号 entered by the clerk at finish when the service starts a case.
    case_number: Mapped[str | None] = mapped_column(String(60), nullable=True)
    version: Mapped[int] = mapped_column(Integer, default=0)


class TicketEvent(Base):
    """The append-only audit trail: every state change of every ticket, with its actor."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    action: Mapped[str] = mapped_column(String(20))
    from_status: Mapped[str | None] = mapped_column(String(12), nullable=True)
    to_status: Mapped[str] = mapped_column(String(12))
    queue_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    window_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    actor_kind: Mapped[str] = mapped_column(String(10))   # staff | device | system
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    staff_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    device_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)


class DailyCounter(Base):
    """The last number issued per queue and business day."""

    __tablename__ = "daily_counters"

    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True)
    business_date: Mapped[date] = mapped_column(Date, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class IdempotencyRecord(Base):
    """The outcome of a request made with an Idempotency-Key, replayed on retry."""

    __tablename__ = "idempotency_records"

    scope: Mapped[str] = mapped_column(String(60), primary_key=True)   # who: device:12, staff:3
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    operation: Mapped[str] = mapped_column(String(60))
    fingerprint: Mapped[str] = mapped_column(String(64))   # hash of the request, to spot key reuse
    result: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class LiveEvent(Base):
    """The live event log: what WebSocket subscribers receive, replayable by id."""

    __tablename__ = "live_events"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    type: Mapped[str] = mapped_column(String(40))
    payload: Mapped[dict[str, Any]] = mapped_column(Json)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class AuditEntry(Base):
    """Every other mutating call (windows, catalog, staff, devices, sign-ins) with its actor."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    target: Mapped[str] = mapped_column(String(100), default="")
    detail: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    note: Mapped[str] = mapped_column(Text, default="")
