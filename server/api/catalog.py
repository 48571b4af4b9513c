"""Catalog reads: hall, categories, departments, service items, queues, windows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from sqlalchemy import ColumnElement, or_, select

from ..engine import QueueError
from ..models import Category, Department, Hall, Queue, ServiceItem, Window
from ..services.actors import Actor
from .deps import READERS, DbDep, require
from .schemas import IdPath, IdQuery, WindowNumber
from .views import window_dict

router = APIRouter(tags=["catalog"])
Reader = Annotated[Actor, Depends(require(*READERS))]


def department_dict(d: Department) -> dict[str, Any]:
    return {"id": d.id, "code": d.code, "name_zh": d.name_zh, "name_en": d.name_en, "category_id": d.category_id,
            "initials": d.initials, "pinyin": d.pinyin, "floor": d.floor, "zone": d.zone, "phone": d.phone}


def service_dict(s: ServiceItem, *, guide: bool = False) -> dict[str, Any]:
    out = {"id": s.id, "code": s.code, "department_id": s.department_id, "queue_id": s.queue_id,
           "name_zh": s.name_zh, "name_en": s.name_en, "kind": s.kind, "initials": s.initials,
           "promised_days": (s.guide or {}).get("promised_days")}
    if guide:
        out["guide"] = s.guide
    return out


def queue_dict(q: Queue) -> dict[str, Any]:
    return {"id": q.id, "code": q.code, "prefix": q.prefix, "department_id": q.department_id,
            "name_zh": q.name_zh, "name_en": q.name_en, "daily_quota": q.daily_quota,
            "waiting_target_s": q.waiting_target_s, "waiting": q.waiting_count, "active": q.active}


@router.get("/hall")
def hall(db: DbDep, _actor: Reader) -> dict[str, Any]:
    with db.read() as s:
        h = s.scalars(select(Hall).order_by(Hall.id)).first()
        if h is None:
            raise QueueError("hall_closed", "no hall is set up yet")
        return {"id": h.id, "code": h.code, "name_zh": h.name_zh, "name_en": h.name_en, "timezone": h.timezone,
                "address_zh": h.address_zh, "address_en": h.address_en, "phone": h.phone,
                "notice_zh": h.notice_zh, "notice_en": h.notice_en, "hours": h.hours, "rules": h.rules}


@router.get("/categories")
def categories(db: DbDep, _actor: Reader) -> list[dict[str, Any]]:
    with db.read() as s:
        return [{"id": c.id, "code": c.code, "name_zh": c.name_zh, "name_en": c.name_en}
                for c in s.scalars(select(Category).order_by(Category.sort, Category.id))]


def _matches(model: type[Department] | type[ServiceItem], q: str) -> ColumnElement[bool]:
    """Chinese text, pinyin initials or pinyin, or English; the visitor's text is matched as
    text (% and _ are no wildcards)."""
    term = q.strip().lower()
    return or_(model.name_zh.contains(q.strip(), autoescape=True), model.initials.startswith(term, autoescape=True),
               model.pinyin.contains(term, autoescape=True), model.name_en.icontains(term, autoescape=True))


@router.get("/departments")
def departments(db: DbDep, _actor: Reader,
                q: Annotated[str | None, Query(max_length=50, description="Chinese text or pinyin initials")] = None,
                category_id: IdQuery = None) -> list[dict[str, Any]]:
    with db.read() as s:
        stmt = select(Department).where(Department.active.is_(True)).order_by(Department.sort, Department.id)
        if category_id is not None:
            stmt = stmt.where(Department.category_id == category_id)
        if q:
            stmt = stmt.where(_matches(Department, q))
        return [department_dict(d) for d in s.scalars(stmt)]


@router.get("/departments/{department_id}")
def department(department_id: IdPath, db: DbDep, _actor: Reader) -> dict[str, Any]:
    with db.read() as s:
        d = s.get(Department, department_id)
        if d is None:
            raise QueueError("unknown_department", f"no department {department_id}")
        out = department_dict(d)
        out["services"] = [service_dict(x) for x in s.scalars(
            select(ServiceItem).where(ServiceItem.department_id == d.id, ServiceItem.active.is_(True))
            .order_by(ServiceItem.sort))]
        return out


@router.get("/services")
def services(db: DbDep, _actor: Reader, department_id: IdQuery = None,
             q: Annotated[str | None, Query(max_length=50)] = None,
             limit: Annotated[int, Query(ge=1, le=500)] = 500, offset: Annotated[int, Query(ge=0)] = 0) -> list[dict[str, Any]]:
    with db.read() as s:
        stmt = select(ServiceItem).where(ServiceItem.active.is_(True)).order_by(ServiceItem.sort, ServiceItem.id)
        if department_id is not None:
            stmt = stmt.where(ServiceItem.department_id == department_id)
        if q:
            stmt = stmt.where(_matches(ServiceItem, q))
        return [service_dict(x) for x in s.scalars(stmt.limit(limit).offset(offset))]


@router.get("/services/{service_id}")
def service(service_id: IdPath, db: DbDep, _actor: Reader) -> dict[str, Any]:
    with db.read() as s:
        x = s.get(ServiceItem, service_id)
        if x is None or not x.active:
            raise QueueError("unknown_service", f"no service item {service_id}")
        return service_dict(x, guide=True)


@router.get("/queues")
def queues(db: DbDep, _actor: Reader) -> list[dict[str, Any]]:
    with db.read() as s:
        return [queue_dict(q) for q in s.scalars(select(Queue).order_by(Queue.id))]


@router.get("/queues/{queue_id}")
def queue(queue_id: IdPath, db: DbDep, _actor: Reader) -> dict[str, Any]:
    with db.read() as s:
        q = s.get(Queue, queue_id)
        if q is None:
            raise QueueError("unknown_queue", f"no queue {queue_id}")
        return queue_dict(q)


@router.get("/windows")
def windows(db: DbDep, _actor: Reader) -> list[dict[str, Any]]:
    with db.read() as s:
        return [window_dict(w) for w in s.scalars(select(Window).order_by(Window.number))]


@router.get("/windows/{window_number}")
def window(window_number: WindowNumber, db: DbDep, _actor: Reader) -> dict[str, Any]:
    with db.read() as s:
        w = s.scalars(select(Window).where(Window.number == window_number)).first()
        if w is None:
            raise QueueError("unknown_window", f"no window {window_number}", window=window_number)
        return window_dict(w)
