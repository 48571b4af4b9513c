"""Live events queued on a session: written once at the real commit, in order; a savepoint
that rolls back drops only its own. The hub resuming a subscriber from an id."""

from __future__ import annotations

import asyncio

from hallq.server.db import Database
from hallq.server.events import pending_events, publish_raw
from hallq.server.live import EventHub
from hallq.server.models import LiveEvent
from sqlalchemy import func, select


def _types(db: Database, first_id: int) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(LiveEvent.type).where(LiveEvent.id > first_id).order_by(LiveEvent.id)))


def _last(db: Database) -> int:
    with db.read() as s:
        return int(s.scalar(select(func.max(LiveEvent.id))) or 0)


def test_a_savepoint_rolled_back_drops_its_own_events_and_keeps_the_earlier_ones(db: Database) -> None:
    before = _last(db)
    with db.write() as s:
        publish_raw(s, "test.a", {"n": 1})
        try:
            with s.begin_nested():
                publish_raw(s, "test.b", {"n": 2})
                raise ValueError("refused")
        except ValueError:
            pass
        with s.begin_nested():
            publish_raw(s, "test.c", {"n": 3})
        # A released savepoint does not write yet: the events wait for the real commit.
        assert [kind for kind, _ in pending_events(s)] == ["test.a", "test.c"]
        assert _types(db, before) == []
    assert _types(db, before) == ["test.a", "test.c"]


def test_a_rolled_back_transaction_writes_none_of_its_events(db: Database) -> None:
    before = _last(db)
    try:
        with db.write() as s:
            publish_raw(s, "test.a", {})
            with s.begin_nested():
                publish_raw(s, "test.b", {})
            raise RuntimeError("the whole change fails")
    except RuntimeError:
        pass
    with db.write() as s:
        publish_raw(s, "test.c", {})
    assert _types(db, before) == ["test.c"]


def test_the_hub_tells_an_id_the_log_never_reached_from_one_it_has_not_read_yet(db: Database) -> None:
    """A resuming id past the hub's last one is a gap only when the log itself never got
    there (a reset database, a made-up id); an id another process just wrote resumes
    normally. Either way the live stream goes on after the hub's last id."""
    with db.write() as s:
        publish_raw(s, "test.a", {})
        publish_raw(s, "test.b", {})
    newest = _last(db)
    hub = EventHub(db)
    hub.last_id = newest - 1   # the newest event is still on its way to this hub

    async def resume(since: int) -> tuple[bool, int, int]:
        sub, missed, gap = await hub.subscribe(since)
        hub.unsubscribe(sub)
        return gap, sub.after, len(missed)

    assert asyncio.run(resume(newest)) == (False, newest - 1, 0)
    assert asyncio.run(resume(newest + 1000)) == (True, newest - 1, 0)
    assert asyncio.run(resume(newest - 2)) == (False, newest - 1, 1)   # replays newest - 1 only
