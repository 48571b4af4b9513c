"""Abuse limits kept in the database: one counter per key, checked and counted in one statement.

A limit reads "at most ``per`` hits of this key in ``window_s`` seconds". ``take`` counts a
hit and answers the count in the same upsert, so parallel requests in several server
processes can never all see room under the limit: of 40 requests racing for a limit of 10,
exactly 10 see a count of 10 or less. A hit that turns out not to count (a sign-in that
succeeded) is given back with ``give_back``. Crossing a limit can lock the key for longer
than its window (``lockout_s``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from math import ceil

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from ..engine import QueueError
from ..models.limits import LimitCounter
from .sql import is_postgres

_TABLE = LimitCounter.__table__


@dataclass(frozen=True)
class Limit:
    """``per`` hits in ``window_s`` seconds; past it the key stays refused until ``lockout_s``
    seconds after the crossing (at least the window's end). ``per`` 0 turns the limit off."""

    scope: str
    per: int
    window_s: int = 60
    lockout_s: int = 0

    def key(self, subject: str) -> str:
        return f"{self.scope}:{subject}"[:200]


@dataclass(frozen=True)
class Count:
    hits: int
    ends_at: datetime

    def retry_after_s(self, now: datetime) -> int:
        return max(1, ceil((self.ends_at - now).total_seconds()))


def take(session: Session, limit: Limit, subject: str, *, now: datetime) -> Count:
    """Count one hit of ``subject`` against ``limit`` and answer the count including it."""
    if limit.per <= 0:
        return Count(0, now)
    key = limit.key(subject)
    ends = now + timedelta(seconds=limit.window_s)
    insert = (postgresql.insert if is_postgres(session) else sqlite.insert)(LimitCounter)
    expired = _TABLE.c.ends_at <= now
    stmt = insert.values(key=key, hits=1, ends_at=ends).on_conflict_do_update(
        index_elements=[_TABLE.c.key],
        set_={"hits": case((expired, 1), else_=_TABLE.c.hits + 1),
              "ends_at": case((expired, ends), else_=_TABLE.c.ends_at)},
    ).returning(_TABLE.c.hits, _TABLE.c.ends_at)
    hits, ends_at = session.execute(stmt).one()
    count = Count(hits, ends_at)
    if hits == limit.per + 1 and limit.lockout_s:
        # The crossing hit: lock the key for the lock-out time from now.
        until = max(count.ends_at, now + timedelta(seconds=limit.lockout_s))
        session.execute(update(LimitCounter).where(LimitCounter.key == key).values(ends_at=until))
        count = Count(hits, until)
    return count


def over(limit: Limit, count: Count, *, now: datetime, message: str) -> QueueError | None:
    """The refusal for a count past its limit, with the seconds to wait; None within it. The
    caller commits the hit first and raises after: a lock-out must outlive the refusal."""
    if limit.per <= 0 or count.hits <= limit.per:
        return None
    return QueueError("rate_limited", message, retry_after_s=count.retry_after_s(now), limit=limit.scope)


def refused(session: Session, limit: Limit, subject: str, *, now: datetime) -> Count | None:
    """The count of a key that is over its limit now (without counting a hit), else None."""
    if limit.per <= 0:
        return None
    row = session.execute(select(LimitCounter.hits, LimitCounter.ends_at)
                          .where(LimitCounter.key == limit.key(subject), LimitCounter.ends_at > now)).first()
    if row is None or row.hits < limit.per:
        return None
    return Count(row.hits, row.ends_at)


def give_back(session: Session, limit: Limit, subject: str, *, now: datetime) -> None:
    """Undo one hit of the current window (never below zero)."""
    if limit.per <= 0:
        return
    session.execute(update(LimitCounter)
                    .where(LimitCounter.key == limit.key(subject), LimitCounter.ends_at > now,
                           LimitCounter.hits > 0)
                    .values(hits=LimitCounter.hits - 1))


def clear(session: Session, limit: Limit, subject: str) -> None:
    """Lift a key's count and lock-out (a manager unlocking an account)."""
    session.execute(delete(LimitCounter).where(LimitCounter.key == limit.key(subject)))


def sweep(session: Session, *, now: datetime) -> int:
    """Drop the counters whose window has closed."""
    result = session.execute(delete(LimitCounter).where(LimitCounter.ends_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)
