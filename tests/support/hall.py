"""A small hall for tests: two departments, four queues, four windows, and a kiosk."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from hallq.server.catalog import CatalogFile, import_catalog
from hallq.server.db import Database
from hallq.server.models import Device, Queue, ServiceItem, Window
from hallq.server.services import windows as window_cases
from hallq.server.services.actors import SYSTEM, Actor, Role, device_actor
from sqlalchemy import select


def small_catalog(**hall_rules: Any) -> dict[str, Any]:
    return {
        "version": 1,
        "hall": {"code": "test-hall", "name_zh": "测试市政务服务中心", "name_en": "Test City Service Center",
                 "rules": hall_rules},
        "categories": [{"code": "market", "name_zh": "市场准入", "name_en": "Market access"}],
        "departments": [
            {"code": "amr", "name_zh": "市场监督管理局", "name_en": "Market Regulation", "category": "market"},
            {"code": "tax", "name_zh": "税务局", "name_en": "Taxation"},
        ],
        "queues": [
            {"code": "amr-reg", "department": "amr", "prefix": "A", "name_zh": "企业登记", "daily_quota": 50,
             "waiting_target_min": 20, "default_service_min": 6},
            {"code": "amr-food", "department": "amr", "prefix": "B", "name_zh": "食品许可",
             "waiting_target_min": 30},
            {"code": "tax-inv", "department": "tax", "prefix": "C", "name_zh": "发票办理",
             "waiting_target_min": 10},
            {"code": "green", "department": "amr", "prefix": "G", "name_zh": "绿色通道"},
        ],
        "services": [
            {"code": "amr-001", "department": "amr", "queue": "amr-reg", "name_zh": "企业设立登记"},
            {"code": "amr-002", "department": "amr", "queue": "amr-food", "name_zh": "食品经营许可证核发"},
            {"code": "tax-001", "department": "tax", "queue": "tax-inv", "name_zh": "发票领用"},
            {"code": "grn-001", "department": "amr", "queue": "green", "name_zh": "重点项目帮办"},
        ],
        "windows": [
            {"number": 1, "queues": ["amr-reg"]},
            {"number": 2, "queues": ["amr-reg", "amr-food"], "policy": "strict"},
            {"number": 3, "queues": ["amr-food", "tax-inv", "amr-reg"], "policy": "sla", "comprehensive": True},
            {"number": 9, "queues": ["green", "amr-reg"], "green_channel": True},
        ],
    }


@dataclass
class SmallHall:
    db: Database
    queues: dict[str, int]
    services: dict[str, int]
    windows: dict[int, int]
    kiosk: Actor

    def open_all(self, now: datetime) -> None:
        with self.db.write() as s:
            for number in self.windows:
                window_cases.open_window(s, number, actor=SYSTEM, now=now)


def build_hall(db: Database, now: datetime, **rules: Any) -> SmallHall:
    with db.write() as s:
        import_catalog(s, CatalogFile.parse(small_catalog(**rules)), actor=SYSTEM, now=now)
        kiosk = Device(kind="kiosk", name="测试取号机", token_hash="0" * 64)
        s.add(kiosk)
        s.flush()
        kiosk_id = kiosk.id
    with db.read() as s:
        queues = {q.code: q.id for q in s.scalars(select(Queue))}
        services = {x.code: x.id for x in s.scalars(select(ServiceItem))}
        windows = {w.number: w.id for w in s.scalars(select(Window))}
    return SmallHall(db, queues, services, windows, device_actor(kiosk_id, Role.KIOSK.value))


@pytest.fixture
def hall(db: Database, now: datetime) -> SmallHall:
    h = build_hall(db, now)
    h.open_all(now)
    return h
