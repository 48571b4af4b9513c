"""Request context: the database, the clock, the actor behind the bearer token, and roles."""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BeforeValidator
from sqlalchemy.orm import Session

from ..db import Database
from ..engine import QueueError
from ..services.accounts import authenticate_until
from ..services.actors import Actor, Role
from ..settings import Settings

bearer = HTTPBearer(auto_error=False, description="A staff sign-in token (hqs_...) or a device token (hqd_...).")


def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def clock(request: Request) -> datetime:
    now: Callable[[], datetime] = request.app.state.clock
    return now()


def utc_now() -> datetime:
    return datetime.now(UTC)


class TokenCache:
    """Recently checked bearer tokens of this process, so a kiosk's every request does not
    read the database to learn who it is. A sign-out or revocation in this process forgets at
    once; in other worker processes it takes effect within ``ttl_s``."""

    def __init__(self, ttl_s: float) -> None:
        self.ttl_s = ttl_s
        self._known: dict[str, tuple[Actor, datetime | None, float]] = {}
        self._lock = threading.Lock()

    def get(self, token: str, now: datetime) -> Actor | None:
        hit = self._known.get(token)
        if hit is None:
            return None
        actor, ends, checked = hit
        if time.monotonic() - checked > self.ttl_s or (ends is not None and now >= ends):
            return None
        return actor

    def put(self, token: str, actor: Actor, ends: datetime | None) -> None:
        if self.ttl_s <= 0:
            return
        with self._lock:
            if len(self._known) > 10_000:
                self._known.clear()
            self._known[token] = (actor, ends, time.monotonic())

    def forget(self, token: str | None = None) -> None:
        with self._lock:
            if token is None:
                self._known.clear()
            else:
                self._known.pop(token, None)


def actor_for_token(db: Database, token: str, now: datetime, cache: TokenCache | None = None) -> Actor:
    if cache is not None and (actor := cache.get(token, now)) is not None:
        return actor
    with db.read() as s:
        actor, ends = authenticate_until(s, token, now=now)
    if cache is not None:
        cache.put(token, actor, ends)
    return actor


async def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    if credentials is None or not credentials.credentials:
        raise QueueError("unauthenticated", "a bearer token is required")
    state = request.app.state
    token, now = credentials.credentials, state.clock()
    # A token this process checked moments ago is answered from memory, on the event loop;
    # only a token it has not seen reads the database (on a thread).
    actor = state.tokens.get(token, now)
    if actor is None:
        actor = await asyncio.to_thread(actor_for_token, state.db, token, now, state.tokens)
    request.state.actor = actor
    return actor


async def optional_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor | None:
    if credentials is None or not credentials.credentials:
        return None
    return await current_actor(request, credentials)


def require(*roles: Role) -> Callable[[Actor], Awaitable[Actor]]:
    """A dependency that lets only ``roles`` through (403 'forbidden' otherwise)."""
    allowed = frozenset(roles)

    async def check(actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if actor.role not in allowed:
            raise QueueError("forbidden", f"a {actor.role.value} may not do this",
                             role=actor.role.value)
        return actor

    return check


STAFF = (Role.CLERK, Role.MANAGER, Role.ADMIN)
MANAGERS = (Role.MANAGER, Role.ADMIN)
READERS = (Role.CLERK, Role.MANAGER, Role.ADMIN, Role.KIOSK, Role.COUNTER, Role.DISPLAY)
WINDOW_ACTORS = (Role.CLERK, Role.MANAGER, Role.ADMIN, Role.COUNTER)
ISSUERS = (Role.KIOSK, Role.CLERK, Role.MANAGER, Role.ADMIN)

def client_address(request: Request) -> str:
    """The client's address as the limits key it: the connection's, or X-Forwarded-For when
    uvicorn trusts the proxy sending it (FORWARDED_ALLOW_IPS)."""
    return request.client.host if request.client else "?"


DbDep = Annotated[Database, Depends(get_db)]
NowDep = Annotated[datetime, Depends(clock)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


async def write(request: Request, name: str, actor: Actor, now: datetime, **args: Any) -> dict[str, Any]:
    """Hand a change of the live queues to the hall's writer; the answer comes after its commit."""
    from ..writer import Command

    port = request.app.state.writer
    result: dict[str, Any] = await port.run(Command(name, actor, now, args))
    return result


@contextmanager
def transaction(request: Request) -> Iterator[Session]:
    """One write transaction; after it commits, this process's event hub is woken at once."""
    with request.app.state.db.write() as session:
        yield session
    request.app.state.hub.poke()


def _iso_day(value: Any) -> Any:
    # Pydantic alone reads a bare number as a Unix time (?to=0 is 1970-01-01) and accepts
    # other scripts' digits; a day on the wire is YYYY-MM-DD in ASCII digits.
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError("a day is written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_iso_day)]
