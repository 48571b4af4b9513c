"""Counters of the abuse limits: one row per key (an address, an account, a device, a phone)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime


class LimitCounter(Base):
    """Hits of one key in its current window. ``ends_at`` is when the window closes and the
    count starts again; a lock-out moves it later."""

    __tablename__ = "limit_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
