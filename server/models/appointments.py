"""Bookings (预约): a visitor's slot for a service on a day."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Index, String, Time, text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, BigId, UTCDateTime, utcnow


class Appointment(Base):
    __tablename__ = "appointments"
    __table_args__ = (Index("ix_appointments_person_day", "person_hash", "day"),
                      Index("ix_appointments_slot", "service_id", "day", "slot_start"),
                      # One live booking per person per day, whatever races the check.
                      Index("uq_appointments_person_day_live", "person_hash", "day", unique=True,
                            sqlite_where=text("status != 'cancelled'"),
                            postgresql_where=text("status != 'cancelled'")),
                      # The sweep that marks missed bookings looks up booked rows by day.
                      Index("ix_appointments_status_day", "status", "day"))

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)   # the booking code
    service_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="CASCADE"))
    person_hash: Mapped[str] = mapped_column(String(64))
    id_masked: Mapped[str] = mapped_column(String(24), default="")
    name_masked: Mapped[str] = mapped_column(String(40), default="")
    phone_masked: Mapped[str] = mapped_column(String(20), default="")
    day: Mapped[date] = mapped_column(Date)
    slot_start: Mapped[time] = mapped_column(Time)
    slot_end: Mapped[time] = mapped_column(Time)
    status: Mapped[str] = mapped_column(String(12), default="booked")  # booked|checked_in|cancelled|missed
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
