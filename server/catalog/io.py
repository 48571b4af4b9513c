"""Import and export of the catalog file: upsert by code, idempotent, one transaction."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..engine import HallRules, QueueError
from ..events import EventType, publish_raw
from ..models import AuditEntry, Category, Department, Hall, Queue, ServiceItem, Window, WindowQueue
from ..services.actors import Actor
from .pinyin import full_pinyin, initials
from .schema import CatalogFile, CatalogInvalid


@dataclass
class CatalogReport:
    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        # Counters drop zero entries on update: keep only kinds that changed.
        self.created = +self.created
        self.updated = +self.updated

    def summary(self) -> str:
        kinds = sorted(set(self.created) | set(self.updated))
        if not kinds:
            return "nothing changed"
        return ", ".join(f"{k}: {self.created[k]} new, {self.updated[k]} updated" for k in kinds)


def load_catalog_file(path: Path) -> Any:
    """Read a catalog file (YAML or JSON, UTF-8 with or without BOM)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CatalogInvalid([f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise CatalogInvalid([f"{path.name}: cannot be parsed: {exc}"]) from None


def _upsert(session: Session, model: Any, key: dict[str, Any], values: dict[str, Any],
            report: CatalogReport, kind: str) -> Any:
    row = session.scalars(select(model).filter_by(**key)).first()
    if row is None:
        row = model(**key, **values)
        session.add(row)
        report.created[kind] += 1
    else:
        changed = False
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
                changed = True
        if changed:
            report.updated[kind] += 1
    return row


def import_catalog(session: Session, catalog: CatalogFile, *, actor: Actor, now: datetime) -> CatalogReport:
    """Create or update everything in ``catalog`` (matched by code / window number)."""
    report = CatalogReport()
    h = catalog.hall
    HallRules.from_dict({**h.rules, "timezone": h.timezone})  # refuse bad rules before writing
    existing = session.scalars(select(Hall)).all()
    if existing and all(x.code != h.code for x in existing):
        raise QueueError("invalid_value", f"this server runs hall {existing[0].code!r}, not {h.code!r}",
                         field="hall.code")
    hall = _upsert(session, Hall, {"code": h.code}, {
        "name_zh": h.name_zh, "name_en": h.name_en, "timezone": h.timezone, "address_zh": h.address_zh,
        "address_en": h.address_en, "phone": h.phone, "notice_zh": h.notice_zh, "notice_en": h.notice_en,
        "hours": {d: [list(span) for span in spans] for d, spans in h.hours.items()}, "rules": h.rules,
    }, report, "hall")
    session.flush()
    categories: dict[str, Category] = {}
    for i, c in enumerate(catalog.categories):
        categories[c.code] = _upsert(session, Category, {"code": c.code},
                                     {"hall_id": hall.id, "name_zh": c.name_zh, "name_en": c.name_en,
                                      "sort": i}, report, "categories")
    session.flush()
    departments: dict[str, Department] = {}
    for i, d in enumerate(catalog.departments):
        departments[d.code] = _upsert(session, Department, {"code": d.code}, {
            "hall_id": hall.id, "category_id": categories[d.category].id if d.category else None,
            "name_zh": d.name_zh, "name_en": d.name_en, "pinyin": full_pinyin(d.name_zh),
            "initials": initials(d.name_zh), "floor": d.floor, "zone": d.zone, "phone": d.phone, "sort": i,
        }, report, "departments")
    session.flush()
    queues: dict[str, Queue] = {}
    for q in catalog.queues:
        queues[q.code] = _upsert(session, Queue, {"code": q.code}, {
            "department_id": departments[q.department].id, "prefix": q.prefix, "name_zh": q.name_zh,
            "name_en": q.name_en, "daily_quota": q.daily_quota, "waiting_target_s": q.waiting_target_min * 60,
            "default_service_s": q.default_service_min * 60, "active": q.active,
        }, report, "queues")
    session.flush()
    for i, s in enumerate(catalog.services):
        _upsert(session, ServiceItem, {"code": s.code}, {
            "department_id": departments[s.department].id, "queue_id": queues[s.queue].id,
            "name_zh": s.name_zh, "name_en": s.name_en, "kind": s.kind, "active": s.active,
            "pinyin": full_pinyin(s.name_zh), "initials": initials(s.name_zh),
            "guide": s.guide.model_dump(), "sort": i,
        }, report, "services")
    session.flush()
    for w in catalog.windows:
        window = _upsert(session, Window, {"number": w.number}, {
            "hall_id": hall.id, "name_zh": w.name_zh or f"{w.number}号窗口", "name_en": w.name_en or f"Window {w.number}",
            "floor": w.floor, "zone": w.zone, "policy": w.policy, "comprehensive": w.comprehensive,
            "green_channel": w.green_channel,
        }, report, "windows")
        session.flush()
        wanted = [(queues[r.queue].id, r.weight) for r in w.routes()]
        if [(r.queue_id, r.weight) for r in window.routes] != wanted:
            window.routes.clear()
            session.flush()
            for pos, (qid, weight) in enumerate(wanted):
                window.routes.append(WindowQueue(queue_id=qid, position=pos, weight=weight))
            window.credits = {}
    session.add(AuditEntry(at=now, actor_kind=actor.kind, actor_id=actor.id, action="catalog.import",
                           target=f"hall:{h.code}", detail={"created": dict(report.created),
                                                            "updated": dict(report.updated)}))
    session.flush()
    publish_raw(session, EventType.CATALOG_CHANGED.value, {"at": now.isoformat()})
    return report


def export_catalog(session: Session) -> dict[str, Any]:
    """The catalog as a dict in the file's schema; importing it changes nothing."""
    hall = session.scalars(select(Hall).order_by(Hall.id)).first()
    if hall is None:
        raise QueueError("hall_closed", "no hall to export")
    cats = {c.id: c for c in session.scalars(select(Category).order_by(Category.sort, Category.id))}
    deps = {d.id: d for d in session.scalars(select(Department).order_by(Department.sort, Department.id))}
    qs = {q.id: q for q in session.scalars(select(Queue).order_by(Queue.id))}
    out: dict[str, Any] = {
        "version": 1,
        "hall": {
            "code": hall.code, "name_zh": hall.name_zh, "name_en": hall.name_en, "timezone": hall.timezone,
            "address_zh": hall.address_zh, "address_en": hall.address_en, "phone": hall.phone,
            "notice_zh": hall.notice_zh, "notice_en": hall.notice_en, "hours": hall.hours or {},
            "rules": hall.rules or {},
        },
        "categories": [{"code": c.code, "name_zh": c.name_zh, "name_en": c.name_en} for c in cats.values()],
        "departments": [{
            "code": d.code, "name_zh": d.name_zh, "name_en": d.name_en,
            "category": cats[d.category_id].code if d.category_id in cats else None,
            "floor": d.floor, "zone": d.zone, "phone": d.phone,
        } for d in deps.values()],
        "queues": [{
            "code": q.code, "department": deps[q.department_id].code, "prefix": q.prefix,
            "name_zh": q.name_zh, "name_en": q.name_en, "daily_quota": q.daily_quota,
            "waiting_target_min": q.waiting_target_s // 60, "default_service_min": q.default_service_s // 60,
            "active": q.active,
        } for q in qs.values()],
        "services": [{
            "code": s.code, "department": deps[s.department_id].code, "queue": qs[s.queue_id].code,
            "name_zh": s.name_zh, "name_en": s.name_en, "kind": s.kind, "active": s.active, "guide": s.guide,
        } for s in session.scalars(select(ServiceItem).order_by(ServiceItem.sort, ServiceItem.id))],
        "windows": [],
    }
    for w in session.scalars(select(Window).order_by(Window.number)):
        routes: list[Any] = [qs[r.queue_id].code if w.policy != "weighted" and r.weight == 1
                             else {"queue": qs[r.queue_id].code, "weight": r.weight} for r in w.routes]
        out["windows"].append({
            "number": w.number, "name_zh": w.name_zh, "name_en": w.name_en, "floor": w.floor,
            "zone": w.zone, "policy": w.policy, "queues": routes, "comprehensive": w.comprehensive,
            "green_channel": w.green_channel,
        })
    return out


def dump_catalog(data: dict[str, Any], path: Path) -> None:
    if path.suffix.lower() == ".json":
        path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120), encoding="utf-8")
