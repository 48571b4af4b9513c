"""Administration of the catalog over the API: departments, queues, service items, windows,
the hall (hours, rules, display notice). Admins only; staff and devices are in admin.py."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request, status
from pydantic import Field
from sqlalchemy import select

from ..models import Category, Department, Hall, Queue, ServiceItem, Window
from ..services import manage
from ..services.actors import Actor, Role
from .catalog import department_dict, queue_dict, service_dict, window_dict
from .deps import DbDep, NowDep, require, transaction
from .schemas import Body

router = APIRouter(tags=["manage"])
Admin = Annotated[Actor, Depends(require(Role.ADMIN))]
Code = Annotated[str, Field(min_length=1, max_length=40)]
ServiceKind = Literal["licence", "public_service", "confirmation", "payment", "other"]
Policy = Literal["strict", "weighted", "longest_wait", "sla"]


class DepartmentUpdate(Body):
    code: Code | None = None
    name_zh: str | None = Field(default=None, max_length=100)
    name_en: str | None = Field(default=None, max_length=200)
    category_id: int | None = None
    floor: int | None = Field(default=None, ge=-5, le=99)
    zone: str | None = Field(default=None, max_length=20)
    phone: str | None = Field(default=None, max_length=40)
    active: bool | None = None


class DepartmentCreate(DepartmentUpdate):
    code: Code
    name_zh: str = Field(min_length=1, max_length=100)


class QueueUpdate(Body):
    code: Code | None = None
    department_id: int | None = Field(default=None, ge=1)
    prefix: str | None = Field(default=None, min_length=1, max_length=3)
    name_zh: str | None = Field(default=None, max_length=100)
    name_en: str | None = Field(default=None, max_length=200)
    daily_quota: int | None = Field(default=None, ge=1, le=100_000)
    waiting_target_s: int | None = Field(default=None, ge=60, le=86_400)
    default_service_s: int | None = Field(default=None, ge=30, le=86_400)
    active: bool | None = None


class QueueCreate(QueueUpdate):
    code: Code
    department_id: int = Field(ge=1)
    prefix: str = Field(min_length=1, max_length=3)
    name_zh: str = Field(min_length=1, max_length=100)


class ServiceUpdate(Body):
    code: Code | None = None
    department_id: int | None = Field(default=None, ge=1)
    queue_id: int | None = Field(default=None, ge=1)
    name_zh: str | None = Field(default=None, max_length=200)
    name_en: str | None = Field(default=None, max_length=300)
    kind: ServiceKind | None = None
    active: bool | None = None


class ServiceCreate(ServiceUpdate):
    code: Code
    department_id: int = Field(ge=1)
    queue_id: int = Field(ge=1)
    name_zh: str = Field(min_length=1, max_length=200)


class WindowUpdate(Body):
    name_zh: str | None = Field(default=None, max_length=100)
    name_en: str | None = Field(default=None, max_length=200)
    floor: int | None = Field(default=None, ge=-5, le=99)
    zone: str | None = Field(default=None, max_length=20)
    policy: Policy | None = None
    comprehensive: bool | None = None
    green_channel: bool | None = None


class WindowCreate(WindowUpdate):
    number: int = Field(ge=1, le=9999)
    queue_ids: list[int] = Field(min_length=1, max_length=100)


class HallUpdate(Body):
    name_zh: str | None = Field(default=None, max_length=100)
    name_en: str | None = Field(default=None, max_length=200)
    address_zh: str | None = Field(default=None, max_length=200)
    address_en: str | None = Field(default=None, max_length=300)
    phone: str | None = Field(default=None, max_length=40)
    notice_zh: str | None = Field(default=None, max_length=300)
    notice_en: str | None = Field(default=None, max_length=500)
    hours: dict[str, list[list[str]]] | None = None
    rules: dict[str, Any] | None = None


def _given(body: Body) -> dict[str, Any]:
    """The fields the client sent; ``null`` for a required column means 'leave it'."""
    nullable = {"category_id", "daily_quota"}
    return {k: v for k, v in body.model_dump(exclude_unset=True).items() if v is not None or k in nullable}


def hall_dict(h: Hall) -> dict[str, Any]:
    return {"id": h.id, "code": h.code, "name_zh": h.name_zh, "name_en": h.name_en, "timezone": h.timezone,
            "address_zh": h.address_zh, "address_en": h.address_en, "phone": h.phone,
            "notice_zh": h.notice_zh, "notice_en": h.notice_en, "hours": h.hours, "rules": h.rules}


def _department(d: Department) -> dict[str, Any]:
    return {**department_dict(d), "active": d.active}


def _queue(q: Queue) -> dict[str, Any]:
    return {**queue_dict(q), "default_service_s": q.default_service_s}


def _service(x: ServiceItem) -> dict[str, Any]:
    return {**service_dict(x), "active": x.active}


@router.get("/admin/catalog")
def full_catalog(db: DbDep, _actor: Admin) -> dict[str, Any]:
    """Everything the administration page edits, inactive items included."""
    with db.read() as s:
        hall = s.scalars(select(Hall).order_by(Hall.id)).first()
        return {
            "hall": hall_dict(hall) if hall else None,
            "categories": [{"id": c.id, "code": c.code, "name_zh": c.name_zh, "name_en": c.name_en}
                           for c in s.scalars(select(Category).order_by(Category.sort, Category.id))],
            "departments": [_department(d) for d in s.scalars(select(Department).order_by(Department.sort,
                                                                                          Department.id))],
            "queues": [_queue(q) for q in s.scalars(select(Queue).order_by(Queue.id))],
            "services": [_service(x) for x in s.scalars(select(ServiceItem).order_by(ServiceItem.sort,
                                                                                     ServiceItem.id))],
            "windows": [window_dict(w) for w in s.scalars(select(Window).order_by(Window.number))],
        }


@router.post("/departments", status_code=status.HTTP_201_CREATED)
def create_department(body: DepartmentCreate, request: Request, now: NowDep, actor: Admin) -> dict[str, Any]:
    with transaction(request) as s:
        return _department(manage.create_department(s, _given(body), actor=actor, now=now))


@router.patch("/departments/{department_id}")
def update_department(department_id: int, body: DepartmentUpdate, request: Request, now: NowDep,
                      actor: Admin) -> dict[str, Any]:
    with transaction(request) as s:
        return _department(manage.update_department(s, department_id, _given(body), actor=actor, now=now))


@router.post("/queues", status_code=status.HTTP_201_CREATED)
def create_queue(body: QueueCreate, request: Request, now: NowDep, actor: Admin) -> dict[str, Any]:
    with transaction(request) as s:
        return _queue(manage.create_queue(s, _given(body), actor=actor, now=now))


@router.patch("/queues/{queue_id}")
def update_queue(queue_id: int, body: QueueUpdate, request: Request, now: NowDep, actor: Admin) -> dict[str, Any]:
    with transaction(request) as s:
        return _queue(manage.update_queue(s, queue_id, _given(body), actor=actor, now=now))


@router.post("/services", status_code=status.HTTP_201_CREATED)
def create_service(body: ServiceCreate, request: Request, now: NowDep, actor: Admin) -> dict[str, Any]:
    with transaction(request) as s:
        return _service(manage.create_service(s, _given(body), actor=actor, now=now))


@router.patch("/services/{service_id}")
def update_service(service_id: int, body: ServiceUpdate, request: Request, now: NowDep,
                   actor: Admin) -> dict[str, Any]:
    with transaction(request) as s:
        return _service(manage.update_service(s, service_id, _given(body), actor=actor, now=now))


@router.post("/windows", status_code=status.HTTP_201_CREATED)
def create_window(body: WindowCreate, request: Request, now: NowDep, actor: Admin) -> dict[str, Any]:
    """A new window (closed), serving ``queue_ids`` in order of preference."""
    values = _given(body)
    number, queue_ids = values.pop("number"), values.pop("queue_ids")
    with transaction(request) as s:
        return window_dict(manage.create_window(s, number, queue_ids, values, actor=actor, now=now))


@router.patch("/windows/{window_number}")
def update_window(window_number: int, body: WindowUpdate, request: Request, now: NowDep,
                  actor: Admin) -> dict[str, Any]:
    """Names, place and policy; the queues a window serves change with PUT .../routing."""
    with transaction(request) as s:
        return window_dict(manage.update_window(s, window_number, _given(body), actor=actor, now=now))


@router.patch("/hall")
def update_hall(body: HallUpdate, request: Request, now: NowDep, actor: Admin) -> dict[str, Any]:
    """Names, address, the notice the call displays scroll, opening hours and queueing rules."""
    with transaction(request) as s:
        return hall_dict(manage.update_hall(s, _given(body), actor=actor, now=now))
