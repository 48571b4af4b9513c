"""Service guides (办事指南) for the kiosks: search by keyword, department and pinyin initials,
and one item's guide with where to go.

Keywords match the item's names, pinyin, initials, materials and conditions (guide_search,
kept by triggers); "where to go" is computed from the windows that serve the item's queue.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, case, func, or_, select
from sqlalchemy.orm import Session

from ..engine import QueueError
from ..models import Department, ServiceItem, Window, WindowQueue
from ..models.guides import GuideSearch
from .search import printable, substring_filter

MAX_GUIDE_QUERY = 50


def search_guides(session: Session, q: str | None, *, department_id: int | None, limit: int
                  ) -> tuple[list[dict[str, Any]], int]:
    """Active items matching every word of ``q`` (all items when ``q`` is empty), items whose
    name matches first; and how many match in all."""
    text = printable(q)
    if len(text) > MAX_GUIDE_QUERY:
        raise QueueError("invalid_value", f"a search is at most {MAX_GUIDE_QUERY} characters", field="q",
                         reason="too_long")
    conditions: list[ColumnElement[bool]] = [ServiceItem.active.is_(True)]
    order: list[Any] = [ServiceItem.sort, ServiceItem.id]
    if department_id is not None:
        conditions.append(ServiceItem.department_id == department_id)
    if text:
        terms = tuple(text.lower().split(" "))
        conditions.append(ServiceItem.id.in_(select(GuideSearch.service_id).where(substring_filter(
            session, GuideSearch.body, terms, fts_table="guide_search_fts", fts_column="body",
            fts_key=GuideSearch.service_id))))
        in_name = or_(ServiceItem.name_zh.contains(text, autoescape=True),
                      ServiceItem.initials.startswith(text.lower(), autoescape=True))
        order.insert(0, case((in_name, 0), else_=1))
    total = session.scalar(select(func.count()).select_from(ServiceItem).where(*conditions)) or 0
    rows = session.execute(
        select(ServiceItem, Department).join(Department, Department.id == ServiceItem.department_id)
        .where(*conditions).order_by(*order).limit(limit))
    return [{"id": s.id, "code": s.code, "name_zh": s.name_zh, "name_en": s.name_en,
             "department_id": d.id, "department_name_zh": d.name_zh, "department_name_en": d.name_en,
             "promised_days": (s.guide or {}).get("promised_days")} for s, d in rows], total


def guide(session: Session, service_id: int) -> dict[str, Any]:
    """The item, its guide, its department, and the windows that serve its queue."""
    item = session.get(ServiceItem, service_id)
    if item is None or not item.active:
        raise QueueError("unknown_service", f"no service item {service_id}", service_id=service_id)
    d = session.get(Department, item.department_id)
    assert d is not None
    windows = session.scalars(select(Window).join(WindowQueue, WindowQueue.window_id == Window.id)
                              .where(WindowQueue.queue_id == item.queue_id).order_by(Window.number))
    return {
        "id": item.id, "code": item.code, "name_zh": item.name_zh, "name_en": item.name_en, "kind": item.kind,
        "department_id": d.id, "queue_id": item.queue_id, "promised_days": (item.guide or {}).get("promised_days"),
        "guide": item.guide or {},
        "department": {"id": d.id, "name_zh": d.name_zh, "name_en": d.name_en, "floor": d.floor, "zone": d.zone,
                       "phone": d.phone},
        "windows": [{"number": w.number, "name_zh": w.name_zh, "name_en": w.name_en, "floor": w.floor,
                     "zone": w.zone} for w in windows],
    }
