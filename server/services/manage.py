"""Administration use cases: departments, queues, service items, windows and the hall itself.

Each function validates the values it is given (shape is checked by the API's models first),
writes the change, an AuditEntry with the fields that changed, and a ``catalog.changed`` live
event so kiosks and displays reload what they show. A refusal names the offending field in
``details.field`` so a form can show the error beside it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import engine as eng
from ..catalog.pinyin import full_pinyin, initials
from ..events import EventType, publish_raw
from ..models import AuditEntry, Category, Department, Hall, Queue, ServiceItem, Ticket, Window
from . import windows as window_cases
from .actors import Actor, Role
from .hall import get_hall, today

CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SERVICE_KINDS = ("licence", "public_service", "confirmation", "payment", "other")


def _require_admin(actor: Actor) -> None:
    if actor.role not in (Role.ADMIN, Role.SYSTEM):
        raise eng.QueueError("forbidden", "only an administrator changes the catalog", role=actor.role.value)


def _audit(session: Session, actor: Actor, action: str, target: str, now: datetime,
           changed: Mapping[str, Any]) -> None:
    session.add(AuditEntry(at=now, actor_kind=actor.kind, actor_id=actor.id, action=action, target=target,
                           detail={"changed": _plain(dict(changed))}))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _changed(session: Session, kind: str, ident: int | str, action: str, now: datetime) -> None:
    publish_raw(session, EventType.CATALOG_CHANGED.value,
                {"kind": kind, "id": ident, "action": action, "at": now.isoformat()})


def _apply(row: Any, values: Mapping[str, Any]) -> dict[str, Any]:
    """Set ``values`` on ``row``; returns the ones that differ from what was stored."""
    changed = {}
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed[name] = value
    return changed


def _text(values: dict[str, Any], name: str, *, limit: int, required: bool = False) -> None:
    if name not in values:
        return
    value = (values[name] or "").strip()
    if required and not value:
        raise eng.QueueError("invalid_value", f"{name} must not be empty", field=name)
    if len(value) > limit:
        raise eng.QueueError("invalid_value", f"{name} is at most {limit} characters", field=name)
    values[name] = value


def _code(session: Session, model: Any, values: dict[str, Any], current_id: int | None) -> None:
    if "code" not in values:
        return
    code = (values["code"] or "").strip()
    if not CODE.match(code):
        raise eng.QueueError("invalid_value", "a code is 1-40 lower-case letters, digits, '-' or '_'",
                             field="code")
    clash = session.scalar(select(model.id).where(model.code == code))
    if clash is not None and clash != current_id:
        raise eng.QueueError("already_exists", f"code {code!r} is taken", field="code")
    values["code"] = code


def _range(values: dict[str, Any], name: str, low: int, high: int) -> None:
    value = values.get(name)
    if value is not None and not low <= int(value) <= high:
        raise eng.QueueError("invalid_value", f"{name} must be {low}-{high}", field=name)


def _names(values: dict[str, Any], *, zh: int, en: int) -> None:
    _text(values, "name_zh", limit=zh, required=True)
    _text(values, "name_en", limit=en)
    if "name_zh" in values:
        values["pinyin"] = full_pinyin(values["name_zh"])
        values["initials"] = initials(values["name_zh"])


# -- departments -----------------------------------------------------------------------------

def _department_values(session: Session, values: dict[str, Any], current_id: int | None) -> dict[str, Any]:
    values = dict(values)
    _code(session, Department, values, current_id)
    _names(values, zh=100, en=200)
    _text(values, "zone", limit=20)
    _text(values, "phone", limit=40)
    _range(values, "floor", -5, 99)
    if values.get("category_id") is not None and session.get(Category, values["category_id"]) is None:
        raise eng.QueueError("invalid_value", f"no category {values['category_id']}", field="category_id")
    return values


def create_department(session: Session, values: Mapping[str, Any], *, actor: Actor, now: datetime) -> Department:
    _require_admin(actor)
    for name in ("code", "name_zh"):
        if not values.get(name):
            raise eng.QueueError("invalid_value", f"{name} is required", field=name)
    clean = _department_values(session, dict(values), None)
    hall = get_hall(session)
    sort = (session.scalar(select(func.max(Department.sort))) or 0) + 1
    row = Department(hall_id=hall.id, sort=sort, **clean)
    session.add(row)
    session.flush()
    _audit(session, actor, "department.create", f"department:{row.id}", now, clean)
    _changed(session, "department", row.id, "create", now)
    return row


def update_department(session: Session, department_id: int, values: Mapping[str, Any], *, actor: Actor,
                      now: datetime) -> Department:
    _require_admin(actor)
    row = session.get(Department, department_id)
    if row is None:
        raise eng.QueueError("unknown_department", f"no department {department_id}", field="department_id")
    changed = _apply(row, _department_values(session, dict(values), row.id))
    if changed:
        session.flush()
        _audit(session, actor, "department.update", f"department:{row.id}", now, changed)
        _changed(session, "department", row.id, "update", now)
    return row


# -- queues ----------------------------------------------------------------------------------

def _queue_values(session: Session, values: dict[str, Any], current: Queue | None, now: datetime) -> dict[str, Any]:
    values = dict(values)
    _code(session, Queue, values, current.id if current else None)
    _text(values, "name_zh", limit=100, required=True)
    _text(values, "name_en", limit=200)
    if "department_id" in values and session.get(Department, values["department_id"]) is None:
        raise eng.QueueError("unknown_department", f"no department {values['department_id']}",
                             field="department_id")
    if "prefix" in values:
        prefix = eng.check_prefix((values["prefix"] or "").strip().upper())
        clash = session.scalar(select(Queue.id).where(Queue.prefix == prefix))
        if clash is not None and (current is None or clash != current.id):
            raise eng.QueueError("already_exists", f"prefix {prefix} is taken", field="prefix")
        if current is not None and prefix != current.prefix:
            # Today's numbers are found by prefix: renaming it mid-day would lose them.
            issued = session.scalar(select(func.count()).select_from(Ticket).where(
                Ticket.issue_queue_id == current.id, Ticket.business_date == today(get_hall(session), now)))
            if issued:
                raise eng.QueueError("prefix_in_use", "tickets with this prefix were issued today; "
                                     "change it after the day ends", field="prefix")
        values["prefix"] = prefix
    _range(values, "daily_quota", 1, 100_000)
    _range(values, "waiting_target_s", 60, 24 * 3600)
    _range(values, "default_service_s", 30, 24 * 3600)
    return values


def create_queue(session: Session, values: Mapping[str, Any], *, actor: Actor, now: datetime) -> Queue:
    _require_admin(actor)
    for name in ("code", "name_zh", "prefix", "department_id"):
        if values.get(name) in (None, ""):
            raise eng.QueueError("invalid_value", f"{name} is required", field=name)
    clean = _queue_values(session, dict(values), None, now)
    row = Queue(waiting_count=0, **clean)
    session.add(row)
    session.flush()
    _audit(session, actor, "queue.create", f"queue:{row.id}", now, clean)
    _changed(session, "queue", row.id, "create", now)
    return row


def update_queue(session: Session, queue_id: int, values: Mapping[str, Any], *, actor: Actor,
                 now: datetime) -> Queue:
    _require_admin(actor)
    row = session.get(Queue, queue_id)
    if row is None:
        raise eng.QueueError("unknown_queue", f"no queue {queue_id}", field="queue_id")
    changed = _apply(row, _queue_values(session, dict(values), row, now))
    if changed:
        session.flush()
        _audit(session, actor, "queue.update", f"queue:{row.id}", now, changed)
        _changed(session, "queue", row.id, "update", now)
    return row


# -- service items ---------------------------------------------------------------------------

def _service_values(session: Session, values: dict[str, Any], current_id: int | None) -> dict[str, Any]:
    values = dict(values)
    _code(session, ServiceItem, values, current_id)
    _names(values, zh=200, en=300)
    if "kind" in values and values["kind"] not in SERVICE_KINDS:
        raise eng.QueueError("invalid_value", f"kind is one of {', '.join(SERVICE_KINDS)}", field="kind")
    if "department_id" in values and session.get(Department, values["department_id"]) is None:
        raise eng.QueueError("unknown_department", f"no department {values['department_id']}",
                             field="department_id")
    if "queue_id" in values and session.get(Queue, values["queue_id"]) is None:
        raise eng.QueueError("unknown_queue", f"no queue {values['queue_id']}", field="queue_id")
    return values


def create_service(session: Session, values: Mapping[str, Any], *, actor: Actor, now: datetime) -> ServiceItem:
    _require_admin(actor)
    for name in ("code", "name_zh", "department_id", "queue_id"):
        if values.get(name) in (None, ""):
            raise eng.QueueError("invalid_value", f"{name} is required", field=name)
    clean = _service_values(session, dict(values), None)
    sort = (session.scalar(select(func.max(ServiceItem.sort))) or 0) + 1
    row = ServiceItem(sort=sort, guide={}, **clean)
    session.add(row)
    session.flush()
    _audit(session, actor, "service.create", f"service:{row.id}", now, clean)
    _changed(session, "service", row.id, "create", now)
    return row


def update_service(session: Session, service_id: int, values: Mapping[str, Any], *, actor: Actor,
                   now: datetime) -> ServiceItem:
    _require_admin(actor)
    row = session.get(ServiceItem, service_id)
    if row is None:
        raise eng.QueueError("unknown_service", f"no service item {service_id}", field="service_id")
    changed = _apply(row, _service_values(session, dict(values), row.id))
    if changed:
        session.flush()
        _audit(session, actor, "service.update", f"service:{row.id}", now, changed)
        _changed(session, "service", row.id, "update", now)
    return row


# -- windows ---------------------------------------------------------------------------------

def _window_values(values: dict[str, Any]) -> dict[str, Any]:
    values = dict(values)
    _text(values, "name_zh", limit=100)
    _text(values, "name_en", limit=200)
    _text(values, "zone", limit=20)
    _range(values, "floor", -5, 99)
    if "policy" in values:
        try:
            values["policy"] = eng.parse_policy(values["policy"]).value
        except eng.QueueError as exc:
            raise eng.QueueError("invalid_policy", exc.message, field="policy") from None
    return values


def create_window(session: Session, number: int, queue_ids: list[int], values: Mapping[str, Any], *,
                  actor: Actor, now: datetime) -> Window:
    """A new window, closed, serving ``queue_ids`` in that order of preference."""
    _require_admin(actor)
    if not 1 <= number <= 9999:
        raise eng.QueueError("invalid_value", "a window number is 1-9999", field="number")
    if session.scalar(select(Window.id).where(Window.number == number)) is not None:
        raise eng.QueueError("already_exists", f"window {number} exists", field="number")
    clean = _window_values(dict(values))
    clean.setdefault("name_zh", "")
    clean.setdefault("name_en", "")
    clean["name_zh"] = clean["name_zh"] or f"{number}号窗口"
    clean["name_en"] = clean["name_en"] or f"Window {number}"
    row = Window(hall_id=get_hall(session).id, number=number, state=eng.WindowState.CLOSED.value,
                 state_since=now, credits={}, **clean)
    session.add(row)
    session.flush()
    try:
        window_cases.set_routing(session, number, list(queue_ids), policy=None, weights=None, actor=actor, now=now)
    except eng.QueueError as exc:
        raise eng.QueueError(exc.code, exc.message, **{**exc.details, "field": "queue_ids"}) from None
    _audit(session, actor, "window.create", f"window:{number}", now, {**clean, "queue_ids": list(queue_ids)})
    _changed(session, "window", number, "create", now)
    return row


def update_window(session: Session, number: int, values: Mapping[str, Any], *, actor: Actor,
                  now: datetime) -> Window:
    _require_admin(actor)
    row = session.scalars(select(Window).where(Window.number == number)).first()
    if row is None:
        raise eng.QueueError("unknown_window", f"no window {number}", window=number, field="number")
    changed = _apply(row, _window_values(dict(values)))
    if changed:
        session.flush()
        _audit(session, actor, "window.update", f"window:{number}", now, changed)
        _changed(session, "window", number, "update", now)
    return row


# -- the hall --------------------------------------------------------------------------------

def _hours(value: Any) -> dict[str, list[list[str]]]:
    if not isinstance(value, dict):
        raise eng.QueueError("invalid_value", "hours maps days to [start, end] spans", field="hours")
    out: dict[str, list[list[str]]] = {}
    for day, spans in value.items():
        if day not in DAYS:
            raise eng.QueueError("invalid_value", f"unknown day {day!r}", field="hours", day=day)
        clean = []
        for span in spans or []:
            if not isinstance(span, list | tuple) or len(span) != 2:
                raise eng.QueueError("invalid_value", f"{day}: a span is [start, end]", field="hours", day=day)
            start, end = (str(x) for x in span)
            if not TIME.match(start) or not TIME.match(end) or start >= end:
                raise eng.QueueError("invalid_value", f"{day}: {start}-{end} is not a span of HH:MM times",
                                     field="hours", day=day)
            clean.append([start, end])
        clean.sort()
        for (_, end), (start, _) in zip(clean, clean[1:], strict=False):
            if start < end:
                raise eng.QueueError("invalid_value", f"{day}: spans overlap", field="hours", day=day)
        out[day] = clean
    return out


def update_hall(session: Session, values: Mapping[str, Any], *, actor: Actor, now: datetime) -> Hall:
    """Names, address, the display notice, opening hours and the queueing rules."""
    _require_admin(actor)
    hall = get_hall(session)
    clean = dict(values)
    _text(clean, "name_zh", limit=100, required=True)
    _text(clean, "name_en", limit=200)
    _text(clean, "address_zh", limit=200)
    _text(clean, "address_en", limit=300)
    _text(clean, "phone", limit=40)
    _text(clean, "notice_zh", limit=300)
    _text(clean, "notice_en", limit=500)
    if "hours" in clean:
        clean["hours"] = _hours(clean["hours"])
    if "rules" in clean:
        rules = clean["rules"] or {}
        if not isinstance(rules, dict) or "timezone" in rules:
            raise eng.QueueError("invalid_value", "rules is an object; the time zone is the hall's own",
                                 field="rules")
        try:
            eng.HallRules.from_dict({**rules, "timezone": hall.timezone})
        except eng.QueueError as exc:
            raise eng.QueueError("invalid_value", exc.message, field="rules") from None
        except (TypeError, ValueError, AttributeError) as exc:
            raise eng.QueueError("invalid_value", f"rules: {exc}", field="rules") from None
        clean["rules"] = rules
    changed = _apply(hall, clean)
    if changed:
        session.flush()
        _audit(session, actor, "hall.update", f"hall:{hall.code}", now, changed)
        _changed(session, "hall", hall.id, "update", now)
    return hall
