"""The catalog file's schema (JSON or YAML), validated strictly with errors that name the
item and the field."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator

from ..engine import check_prefix, parse_policy
from ..values import NoNul

_CODE = r"^[a-z0-9][a-z0-9_-]{0,39}$"
_TIME = re.compile(r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class CatalogInvalid(ValueError):
    """A catalog file that does not validate; ``errors`` names each item and field."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class _Strict(NoNul):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class HallEntry(_Strict):
    code: str = Field(pattern=_CODE)
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = Field(default="", max_length=200)
    timezone: str = "Asia/Shanghai"
    address_zh: str = ""
    address_en: str = ""
    phone: str = ""
    notice_zh: str = Field(default="", max_length=300)
    notice_en: str = Field(default="", max_length=500)
    hours: dict[str, list[tuple[str, str]]] = Field(default_factory=dict)
    rules: dict[str, Any] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("hours")
    @classmethod
    def _hours(cls, value: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
        for day, spans in value.items():
            if day not in DAYS:
                raise ValueError(f"unknown day {day!r} (use {', '.join(DAYS)})")
            for start, end in spans:
                if not _TIME.match(start) or not _TIME.match(end):
                    raise ValueError(f"{day}: times are HH:MM, got {start!r}-{end!r}")
                if start >= end:
                    raise ValueError(f"{day}: {start}-{end} ends before it starts")
        return value


class CategoryEntry(_Strict):
    code: str = Field(pattern=_CODE)
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = ""


class DepartmentEntry(_Strict):
    code: str = Field(pattern=_CODE)
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = ""
    category: str | None = None
    floor: int = Field(default=1, ge=-5, le=99)
    zone: str = Field(default="", max_length=20)
    phone: str = ""


class QueueEntry(_Strict):
    code: str = Field(pattern=_CODE)
    department: str
    prefix: str
    name_zh: str = Field(min_length=1, max_length=100)
    name_en: str = ""
    daily_quota: int | None = Field(default=None, ge=1)
    waiting_target_min: int = Field(default=30, ge=1, le=24 * 60)
    default_service_min: int = Field(default=5, ge=1, le=24 * 60)
    active: bool = True

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, value: str) -> str:
        try:
            return check_prefix(value)
        except Exception as exc:  # QueueError -> a validation message
            raise ValueError(str(exc)) from None


class Material(_Strict):
    name_zh: str = Field(min_length=1)
    name_en: str = ""
    originals: int = Field(default=1, ge=0)
    copies: int = Field(default=0, ge=0)
    template: bool = False
    note_zh: str = ""
    note_en: str = ""


class Guide(_Strict):
    conditions_zh: list[str] = Field(default_factory=list)
    conditions_en: list[str] = Field(default_factory=list)
    materials: list[Material] = Field(default_factory=list)
    process_zh: list[str] = Field(default_factory=list)
    process_en: list[str] = Field(default_factory=list)
    legal_basis_zh: list[str] = Field(default_factory=list)
    promised_days: int = Field(default=0, ge=0, le=365)
    statutory_days: int = Field(default=0, ge=0, le=365)
    fee_zh: str = "不收费"
    fee_en: str = "Free"
    fee_basis_zh: str = ""
    online_url: str = ""
    phone: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> Guide:
        if self.statutory_days and self.promised_days > self.statutory_days:
            raise ValueError("promised_days is longer than statutory_days")
        if self.conditions_en and len(self.conditions_en) != len(self.conditions_zh):
            raise ValueError("conditions_en must match conditions_zh line for line")
        if self.process_en and len(self.process_en) != len(self.process_zh):
            raise ValueError("process_en must match process_zh step for step")
        return self


class ServiceEntry(_Strict):
    code: str = Field(pattern=_CODE)
    department: str
    queue: str
    name_zh: str = Field(min_length=1, max_length=200)
    name_en: str = ""
    kind: Literal["licence", "public_service", "confirmation", "payment", "other"] = "public_service"
    active: bool = True
    guide: Guide = Field(default_factory=Guide)


class RouteEntry(_Strict):
    queue: str
    weight: int = Field(default=1, ge=1, le=100)


class WindowEntry(_Strict):
    number: int = Field(ge=1, le=9999)
    name_zh: str = ""
    name_en: str = ""
    floor: int = 1
    zone: str = ""
    policy: str = "strict"
    queues: list[str | RouteEntry] = Field(min_length=1)
    comprehensive: bool = False
    green_channel: bool = False

    @field_validator("policy")
    @classmethod
    def _policy(cls, value: str) -> str:
        try:
            return parse_policy(value).value
        except Exception as exc:
            raise ValueError(str(exc)) from None

    def routes(self) -> list[RouteEntry]:
        return [RouteEntry(queue=q) if isinstance(q, str) else q for q in self.queues]


class CatalogFile(_Strict):
    version: Literal[1] = 1
    hall: HallEntry
    categories: list[CategoryEntry] = Field(default_factory=list)
    departments: list[DepartmentEntry] = Field(default_factory=list)
    queues: list[QueueEntry] = Field(default_factory=list)
    services: list[ServiceEntry] = Field(default_factory=list)
    windows: list[WindowEntry] = Field(default_factory=list)

    @classmethod
    def parse(cls, data: Any) -> CatalogFile:
        """Validate ``data``; CatalogInvalid lists every problem as 'where: what'."""
        try:
            catalog = cls.model_validate(data)
        except ValidationError as exc:
            raise CatalogInvalid([_describe(data, err) for err in exc.errors()]) from None
        problems = catalog.cross_check()
        if problems:
            raise CatalogInvalid(problems)
        return catalog

    def cross_check(self) -> list[str]:
        out: list[str] = []

        def dupes(kind: str, values: list[Any]) -> None:
            seen: set[Any] = set()
            for v in values:
                if v in seen:
                    out.append(f"{kind} {v}: appears more than once")
                seen.add(v)

        dupes("category", [c.code for c in self.categories])
        dupes("department", [d.code for d in self.departments])
        dupes("queue", [q.code for q in self.queues])
        dupes("queue prefix", [q.prefix for q in self.queues])
        dupes("service", [s.code for s in self.services])
        dupes("window", [w.number for w in self.windows])
        categories = {c.code for c in self.categories}
        departments = {d.code for d in self.departments}
        queues = {q.code: q for q in self.queues}
        for d in self.departments:
            if d.category is not None and d.category not in categories:
                out.append(f"department {d.code}.category: unknown category {d.category!r}")
        for q in self.queues:
            if q.department not in departments:
                out.append(f"queue {q.code}.department: unknown department {q.department!r}")
        for s in self.services:
            if s.department not in departments:
                out.append(f"service {s.code}.department: unknown department {s.department!r}")
            if s.queue not in queues:
                out.append(f"service {s.code}.queue: unknown queue {s.queue!r}")
        for w in self.windows:
            routes = [r.queue for r in w.routes()]
            for code in routes:
                if code not in queues:
                    out.append(f"window {w.number}.queues: unknown queue {code!r}")
            if len(set(routes)) != len(routes):
                out.append(f"window {w.number}.queues: a queue appears twice")
        return out


def _describe(data: Any, err: Any) -> str:
    """'services[12] (amr-013).guide.promised_days: Input should be ...'"""
    loc = list(err.get("loc", ()))
    parts: list[str] = []
    node = data
    for step in loc:
        if isinstance(step, int) and parts:
            label = f"{parts[-1]}[{step}]"
            try:
                item = node[step]
                ident = item.get("code") or item.get("number") if isinstance(item, dict) else None
            except (IndexError, KeyError, TypeError):
                ident = None
            parts[-1] = f"{label} ({ident})" if ident is not None else label
        else:
            parts.append(str(step))
        try:
            node = node[step]
        except (IndexError, KeyError, TypeError):
            node = None
    where = ".".join(parts) or "file"
    return f"{where}: {err.get('msg', 'invalid')}"
