"""The credit query log: every look-up, who asked and from where, and the per-device limit.

The limit counts the actor's answered look-ups (refused ones excluded) in the last minute, from
the log itself, so it holds across server workers. Staff accounts are limited like devices.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..models.credit import CreditQuery
from ..services.actors import Actor
from .scrub import scrub
from .search import printable

RATE_LIMITED = "rate_limited"


def record(session: Session, actor: Actor, *, now: datetime, action: str, query: str, kind: str = "",
           results: int = 0, outcome: str = "ok", source: str = "local", address: str = "") -> CreditQuery:
    """Log one look-up. The query is scrubbed first: visitors do type ID numbers into search boxes
    (and control characters, which PostgreSQL text cannot hold, are dropped)."""
    entry = CreditQuery(at=now, actor_kind=actor.kind, actor_id=actor.id, role=actor.role.value,
                        window_id=actor.window_id, address=address[:64], action=action,
                        query=scrub(printable(query))[:100], kind=kind, results=results, outcome=outcome[:20], source=source)
    session.add(entry)
    return entry
