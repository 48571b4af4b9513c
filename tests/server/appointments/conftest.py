"""A small hall that takes bookings for two services, and helpers to book and check in."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from hallq.server.services import appointments as ac
from hallq.server.services.actors import SYSTEM, VISITOR

from hallq.identifiers import id_check_char

SECRET = b"test-secret"
THU = date(2026, 3, 5)   # the first bookable day when `now` is Wednesday 2026-03-04 10:00


def person(n: int) -> str:
    """The n-th valid resident ID number (distinct people, valid check characters)."""
    first17 = f"110105198001{(n // 1000) % 28 + 1:02d}{n % 1000:03d}"
    return first17 + id_check_char(first17)


def local(day: date, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


def configure(db, now, **overrides):
    config = {"services": [{"code": "amr-001"}, {"code": "tax-001", "capacity": 1}], "default_capacity": 2,
              **overrides}
    with db.write() as s:
        return ac.save_config(s, config, actor=SYSTEM, now=now)


@pytest.fixture
def booking_hall(hall, db, now):
    configure(db, now)
    return hall


def book(db, hall, *, n=1, day=THU, slot="09:00", service="amr-001", now, name="张三", phone="13800138000"):
    with db.write() as s:
        a = ac.book(s, hall.services[service], day, slot, id_number=person(n), name=name, phone=phone,
                    secret=SECRET, actor=VISITOR, now=now)
        return a.code
