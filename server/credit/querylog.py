"""The credit query log: every look-up, who asked and from where, and the per-device limit.

The limit counts the actor's answered look-ups (refused ones excluded) in the last minute, from
the log itself, so it holds across server workers. Staff accounts are limited like devices.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models.credit import CreditQuery
from ..services.actors import Actor
from .scrub import scrub
from .search import printable

RATE_LIMITED = "rate_limited"


def over_limit(session: Session, actor: Actor, *, now: datetime, per_minute: int) -> bool:
    count = session.scalar(select(func.count()).select_from(CreditQuery).where(
        CreditQuery.actor_kind == actor.kind, CreditQuery.actor_id == actor.id,
        CreditQuery.at > now - timedelta(minutes=1), CreditQuery.outcome != RATE_LIMITED)) or 0
    return count >= per_minute


def record(session: Session, actor: Actor, *, now: datetime, action: str, query: str, kind: str = "",
           results: int = 0, outcome: str = "ok", source: str = "local", address: str = "") -> CreditQuery:
    """Log one look-up. The query is scrubbed first: visitors do type ID numbers into search boxes
    (and control characters, which PostgreSQL text cannot hold, are dropped)."""
    entry = CreditQuery(at=now, actor_kind=actor.kind, actor_id=actor.id, role=actor.role.value,
                        window_id=actor.window_id, address=address[:64], action=action,
                        query=scrub(printable(query))[:100], kind=kind, results=results, outcome=outcome[:20], source=source)
    session.add(entry)
    return entry
