"""Booking configuration (one row per hall) and the booked count of every slot."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import Date, ForeignKey, Integer, Time
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, Json, UTCDateTime, utcnow


class AppointmentConfig(Base):
    """The hall's booking rules as JSON (services.appointments.BookingConfig); no row means
    the defaults, under which nothing is bookable."""

    __tablename__ = "appointment_config"

    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id", ondelete="CASCADE"), primary_key=True)
    config: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AppointmentSlot(Base):
    """Seats taken in one slot of one service on one day. Booking increments it with a
    conditional upsert, so capacity holds however many visitors book at once."""

    __tablename__ = "appointment_slots"

    service_id: Mapped[int] = mapped_column(ForeignKey("service_items.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    slot_start: Mapped[time] = mapped_column(Time, primary_key=True)
    booked: Mapped[int] = mapped_column(Integer, default=0)
