"""The hall's catalog: hall, categories, departments, queues, service items, windows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, Json, UTCDateTime, utcnow


class Hall(Base):
    __tablename__ = "halls"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(60), default="Asia/Shanghai")
    address_zh: Mapped[str] = mapped_column(String(200), default="")
    address_en: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    notice_zh: Mapped[str] = mapped_column(String(300), default="")
    notice_en: Mapped[str] = mapped_column(String(500), default="")
    # {"mon": [["09:00", "12:00"], ["13:30", "17:00"]], ...}
    hours: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    # HallRules as a dict (engine.rules); empty means the defaults.
    rules: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Category(Base):
    """A group of departments on the kiosk's first screen."""

    __tablename__ = "categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    sort: Mapped[int] = mapped_column(Integer, default=0)


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="SET NULL"))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    pinyin: Mapped[str] = mapped_column(String(400), default="")        # full pinyin, spaced
    initials: Mapped[str] = mapped_column(String(100), default="")      # pinyin initials, e.g. "scjdglj"
    floor: Mapped[int] = mapped_column(Integer, default=1)
    zone: Mapped[str] = mapped_column(String(20), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)

    queues: Mapped[list[Queue]] = relationship(back_populates="department", order_by="Queue.id")


class Queue(Base):
    __tablename__ = "queues"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    prefix: Mapped[str] = mapped_column(String(3), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    daily_quota: Mapped[int | None] = mapped_column(Integer, nullable=True)
    waiting_target_s: Mapped[int] = mapped_column(Integer, default=1800)
    default_service_s: Mapped[int] = mapped_column(Integer, default=300)
    # Learned from recent services (EWMA); None until the first service is finished.
    mean_service_s: Mapped[float | None] = mapped_column(nullable=True)
    # Tickets waiting now, kept in step with every ticket change in the same transaction so
    # displays and estimates never count rows.
    waiting_count: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)

    department: Mapped[Department] = relationship(back_populates="queues")


class ServiceItem(Base):
    __tablename__ = "service_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"), index=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="RESTRICT"), index=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(30), default="public_service")
    pinyin: Mapped[str] = mapped_column(String(800), default="")
    initials: Mapped[str] = mapped_column(String(200), default="")
    # The service guide (办事指南): conditions, materials, process, legal basis, limits, fees.
    guide: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    sort: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(default=True)


class Window(Base):
    __tablename__ = "windows"

    id: Mapped[int] = mapped_column(primary_key=True)
    hall_id: Mapped[int] = mapped_column(ForeignKey("halls.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer, unique=True)
    name_zh: Mapped[str] = mapped_column(String(100), default="")
    name_en: Mapped[str] = mapped_column(String(200), default="")
    floor: Mapped[int] = mapped_column(Integer, default=1)
    zone: Mapped[str] = mapped_column(String(20), default="")
    policy: Mapped[str] = mapped_column(String(20), default="strict")
    state: Mapped[str] = mapped_column(String(10), default="closed")
    pause_reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    current_ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("tickets.id", ondelete="SET NULL", use_alter=True), nullable=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), nullable=True)
    comprehensive: Mapped[bool] = mapped_column(default=False)
    green_channel: Mapped[bool] = mapped_column(default=False)
    # Running credits of the weighted policy, by queue id.
    credits: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    state_since: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    routes: Mapped[list[WindowQueue]] = relationship(
        order_by="WindowQueue.position", cascade="all, delete-orphan", back_populates="window")


class WindowQueue(Base):
    """A queue a window serves, at a position in the window's order of preference."""

    __tablename__ = "window_queues"
    __table_args__ = (UniqueConstraint("window_id", "position"),)

    window_id: Mapped[int] = mapped_column(ForeignKey("windows.id", ondelete="CASCADE"), primary_key=True)
    queue_id: Mapped[int] = mapped_column(ForeignKey("queues.id", ondelete="CASCADE"), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    weight: Mapped[int] = mapped_column(Integer, default=1)

    window: Mapped[Window] = relationship(back_populates="routes")
