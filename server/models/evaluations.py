"""好差评: one rating per service, recorded with ticket, window, staff number and service."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, BigId, Json, UTCDateTime, utcnow


class Evaluation(Base):
    __tablename__ = "evaluations"
    __table_args__ = (CheckConstraint("level BETWEEN 1 AND 5", name="level_range"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # One rating per service (一次一评).
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), unique=True)
    level: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[list[Any]] = mapped_column(Json, default=list)
    comment: Mapped[str] = mapped_column(String(500), default="")
    stage: Mapped[str] = mapped_column(String(12), default="completed")   # accepted | completed
    channel: Mapped[str] = mapped_column(String(12), default="evaluator")  # evaluator | screen
    window_id: Mapped[int | None] = mapped_column(ForeignKey("windows.id", ondelete="SET NULL"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    staff_number: Mapped[str] = mapped_column(String(30), default="")
    service_id: Mapped[int | None] = mapped_column(ForeignKey("service_items.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
