"""The event hub of one server process: reads the live event log and fans it out.

Events are written by use cases inside their transactions. The hub notices new rows three
ways: a poke from this process right after a commit, PostgreSQL NOTIFY from any process, and
a short poll (the only way on SQLite when several processes share the file). It delivers
strictly in id order. A subscriber that reconnects with the last id it saw first gets what it
missed from the log, then the live stream, with no gap and no duplicate. When the log cannot
continue from that id (pruned past it, or it is beyond the log's end) the subscriber is told
there is a gap and the stream goes on from the log's real end.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from .db import Database
from .events import NOTIFY_CHANNEL
from .models import LiveEvent

log = logging.getLogger(__name__)
BATCH = 1000


def as_message(row: LiveEvent) -> dict[str, Any]:
    return {"id": int(row.id), "type": row.type, "at": row.created_at.isoformat(), "data": row.payload}


@dataclass(eq=False)
class Subscriber:
    types: frozenset[str] | None = None   # type names or prefixes ending in '.'
    queue: asyncio.Queue[dict[str, Any] | None] = field(default_factory=lambda: asyncio.Queue(maxsize=5000))
    lagging: bool = False
    after: int = 0   # the last id before its live stream: the queue gets every later one

    def wants(self, kind: str) -> bool:
        if self.types is None:
            return True
        return kind in self.types or any(t.endswith(".") and kind.startswith(t) for t in self.types)

    def offer(self, message: dict[str, Any]) -> None:
        if self.lagging or not self.wants(message["type"]):
            return
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            # Too slow to keep up: end its stream; it reconnects with its last id and
            # catches up from the log instead of holding the hub back.
            self.lagging = True
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.queue.put_nowait(None)


class EventHub:
    def __init__(self, db: Database, *, poll_interval: float = 0.1) -> None:
        self.db = db
        self.poll_interval = poll_interval
        self.last_id = 0
        self.subscribers: set[Subscriber] = set()
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []

    # -- life ------------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self.last_id = await asyncio.to_thread(self._max_id)
        self._tasks.append(asyncio.create_task(self._run(), name="hallq-event-hub"))
        if not self.db.sqlite:
            self._tasks.append(asyncio.create_task(self._listen(), name="hallq-event-listen"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        for sub in list(self.subscribers):
            with contextlib.suppress(asyncio.QueueFull):
                sub.queue.put_nowait(None)

    def poke(self) -> None:
        """New events were committed (callable from any thread)."""
        if self._loop is not None and self._wake is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake.set)

    # -- subscribing -----------------------------------------------------------------------
    async def subscribe(self, since: int | None, types: Iterable[str] | None = None) -> tuple[Subscriber, list[dict[str, Any]], bool]:
        """Register a subscriber; returns it, the events it missed since ``since`` and
        whether the log cannot continue from ``since`` (the client should resync)."""
        floor = self.last_id
        sub = Subscriber(frozenset(types) if types else None, after=floor)
        self.subscribers.add(sub)
        missed: list[dict[str, Any]] = []
        gap = False
        try:
            if since is not None and since > floor:
                # Another process may have written ids this hub has not read yet: only an id
                # the log never reached (the database was reset, or a made-up id) is a gap.
                # Waiting for ids above it would stall the client, so it resyncs and follows
                # from ``floor``.
                gap = since > await asyncio.to_thread(self._max_id)
            elif since is not None and since < floor:
                missed, gap = await asyncio.to_thread(self._replay, since, floor)
                missed = [m for m in missed if sub.wants(m["type"])]
        except BaseException:   # the log could not be read: no one will drain this queue
            self.subscribers.discard(sub)
            raise
        return sub, missed, gap

    def unsubscribe(self, sub: Subscriber) -> None:
        self.subscribers.discard(sub)

    # -- internals -------------------------------------------------------------------------
    def _max_id(self) -> int:
        with self.db.read() as s:
            return int(s.scalar(select(func.max(LiveEvent.id))) or 0)

    def _fetch(self, after: int) -> list[dict[str, Any]]:
        with self.db.read() as s:
            rows = s.scalars(select(LiveEvent).where(LiveEvent.id > after).order_by(LiveEvent.id).limit(BATCH)).all()
            return [as_message(r) for r in rows]

    def _replay(self, since: int, upto: int) -> tuple[list[dict[str, Any]], bool]:
        out: list[dict[str, Any]] = []
        with self.db.read() as s:
            oldest = s.scalar(select(func.min(LiveEvent.id)))
            gap = oldest is None or oldest > since + 1
            cursor = since
            while cursor < upto:
                rows = s.scalars(select(LiveEvent).where(LiveEvent.id > cursor, LiveEvent.id <= upto)
                                 .order_by(LiveEvent.id).limit(BATCH)).all()
                if not rows:
                    break
                out.extend(as_message(r) for r in rows)
                cursor = int(rows[-1].id)
        return out, gap

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_interval)
            self._wake.clear()
            try:
                while True:
                    batch = await asyncio.to_thread(self._fetch, self.last_id)
                    for message in batch:
                        self.last_id = message["id"]
                        for sub in list(self.subscribers):
                            sub.offer(message)
                    if len(batch) < BATCH:
                        break
            except asyncio.CancelledError:
                raise
            except Exception:  # the database blinked; the next round tries again
                log.warning("event hub could not read the event log", exc_info=True)
                await asyncio.sleep(min(1.0, self.poll_interval * 10))

    async def _listen(self) -> None:
        """PostgreSQL: wake on NOTIFY from any server process."""
        import psycopg

        url = make_url(self.db.url).set(drivername="postgresql")
        conninfo = url.render_as_string(hide_password=False)
        while True:
            try:
                async with await psycopg.AsyncConnection.connect(conninfo, autocommit=True) as conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.poke()  # catch up on anything committed while we were not listening
                    async for _ in conn.notifies():
                        self.poke()
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("lost the PostgreSQL LISTEN connection; reconnecting", exc_info=True)
                await asyncio.sleep(1.0)
