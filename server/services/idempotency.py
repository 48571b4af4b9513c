"""Idempotency keys: a retried request replays the first outcome instead of acting twice.

The record is claimed first (INSERT ... ON CONFLICT DO NOTHING). A concurrent request with
the same key waits on that row until the first transaction commits, then finds the record
and replays it; if the first one failed, its claim rolled back with it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import delete, update
from sqlalchemy.orm import Session

from ..engine import QueueError
from ..models import IdempotencyRecord
from .actors import Actor
from .sql import insert

T = TypeVar("T")
MAX_KEY = 100


def fingerprint(operation: str, request: dict[str, Any]) -> str:
    blob = json.dumps({"op": operation, "req": request}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def once(
    session: Session,
    actor: Actor,
    key: str | None,
    operation: str,
    request: dict[str, Any],
    run: Callable[[], dict[str, Any]],
) -> tuple[dict[str, Any], bool]:
    """Run ``run`` once per (actor, key); returns (result, replayed)."""
    if key is None:
        return run(), False
    key = key.strip()
    if not key or len(key) > MAX_KEY:
        raise QueueError("invalid_value", f"an Idempotency-Key is 1-{MAX_KEY} characters", field="Idempotency-Key")
    fp = fingerprint(operation, request)
    claimed = session.execute(
        insert(session, IdempotencyRecord)
        .values(scope=actor.scope, key=key, operation=operation, fingerprint=fp, result={})
        .on_conflict_do_nothing()
        .returning(IdempotencyRecord.key)
    ).first()
    if claimed is None:
        record = session.get(IdempotencyRecord, (actor.scope, key), populate_existing=True)
        assert record is not None
        if record.fingerprint != fp:
            raise QueueError("idempotency_conflict",
                             "this Idempotency-Key was used for a different request", key=key)
        return dict(record.result), True
    result = run()
    session.execute(update(IdempotencyRecord)
                    .where(IdempotencyRecord.scope == actor.scope, IdempotencyRecord.key == key)
                    .values(result=result))
    return result, False


def prune(session: Session, now: datetime, keep: timedelta = timedelta(days=2)) -> int:
    result = session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - keep))
    return int(getattr(result, "rowcount", 0) or 0)


