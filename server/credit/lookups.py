"""The credit use cases behind the kiosk's query terminal: search and record look-up, each
rate limited per device and logged, whatever the outcome."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from hallq.identifiers import check_credit_code

from ..db import Database
from ..engine import QueueError
from ..models import Hall
from ..services import limits
from ..services.actors import Actor
from ..services.limits import Limit
from . import querylog
from .records import normalize_code
from .search import parse_query
from .sources import CreditSource

SEARCH_LIMIT = 100


def hall_today(db: Database, now: datetime) -> date:
    """Today in the hall's time zone: list memberships start and end on calendar days."""
    with db.read() as s:
        tz = s.scalar(select(Hall.timezone).order_by(Hall.id).limit(1)) or "Asia/Shanghai"
    return now.astimezone(ZoneInfo(tz)).date()


def _admit(db: Database, actor: Actor, *, now: datetime, per_minute: int, action: str, query: str,
           source: CreditSource, address: str) -> None:
    """Count the look-up against the device's minute in one statement (parallel look-ups
    cannot all slip under the limit); a refused one is logged as such."""
    limit = Limit("credit", per_minute, 60)
    with db.write() as s:
        refusal = limits.over(limit, limits.take(s, limit, actor.scope, now=now), now=now,
                              message=f"at most {per_minute} credit look-ups a minute; wait a moment")
        if refusal is not None:
            querylog.record(s, actor, now=now, action=action, query=query, outcome=querylog.RATE_LIMITED,
                            source=source.name, address=address)
    if refusal is not None:
        raise refusal


def search(db: Database, source: CreditSource, q: str | None, *, limit: int, actor: Actor, now: datetime,
           per_minute: int, address: str = "") -> dict[str, Any]:
    """Companies matching ``q`` (a code, a name or pinyin initials)."""
    raw = (q or "")[:200]
    _admit(db, actor, now=now, per_minute=per_minute, action="search", query=raw, source=source, address=address)
    kind, outcome, results = "", "ok", 0
    try:
        if not 1 <= limit <= SEARCH_LIMIT:
            raise QueueError("invalid_value", f"limit is 1 to {SEARCH_LIMIT}", field="limit")
        query = parse_query(q)
        kind = query.kind
        found = source.search(query, limit=limit, today=hall_today(db, now))
        results = len(found)
        return {"query": query.text, "kind": query.kind, "warning": query.warning, "results": found}
    except QueueError as exc:
        outcome = "invalid" if exc.code == "invalid_value" else "unavailable"
        raise
    finally:
        with db.write() as s:
            querylog.record(s, actor, now=now, action="search", query=raw, kind=kind, results=results,
                            outcome=outcome, source=source.name, address=address)


def company(db: Database, source: CreditSource, code: str, *, actor: Actor, now: datetime, per_minute: int,
            address: str = "") -> dict[str, Any]:
    """The full record of the company with unified social credit code ``code``."""
    raw = code[:200]
    _admit(db, actor, now=now, per_minute=per_minute, action="company", query=raw, source=source, address=address)
    outcome, results = "ok", 0
    try:
        normalized = normalize_code(code)
        check = check_credit_code(normalized)
        if check.code == "shape":
            raise QueueError("invalid_value", "not a unified social credit code", field="code")
        found = source.company(normalized, today=hall_today(db, now))
        if found is None:
            outcome = "not_found"
            raise QueueError("unknown_company", f"no company with code {normalized}", credit_code=normalized)
        results = 1
        return {**found, "queried_at": now.isoformat()}
    except QueueError as exc:
        if outcome == "ok":
            outcome = "invalid" if exc.code == "invalid_value" else "unavailable"
        raise
    finally:
        with db.write() as s:
            querylog.record(s, actor, now=now, action="company", query=raw, kind="code", results=results,
                            outcome=outcome, source=source.name, address=address)
