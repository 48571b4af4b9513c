"""The hall server's ASGI application."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from fastapi import FastAPI, Request
from sqlalchemy import select
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hallq import __version__

from .api import errors, openapi
from .api.deps import TokenCache, utc_now
from .api.errors import error_body
from .db import Database, upgrade
from .engine import QueueError
from .live import EventHub
from .metrics import LatencyMiddleware, Metrics
from .models import Hall
from .services.actors import SYSTEM
from .settings import Settings
from .writer import Command, LocalPort, RemotePort, Writer

log = logging.getLogger(__name__)
API = "/api/v1"


# Routers of the API, in the order OpenAPI lists them. A module that this installation does
# not have yet is skipped.
API_MODULES = ("hall", "catalog", "tickets", "windows", "auth", "admin", "events", "guides", "credit",
               "appointments", "evaluations", "reports", "manage", "help")
PAGE_MODULES = ("pages", "booking")


def _load(package: str, names: tuple[str, ...]) -> list[Any]:
    import importlib

    out = []
    for name in names:
        try:
            out.append(importlib.import_module(f"{package}.{name}"))
        except ModuleNotFoundError as exc:
            if not exc.name or not f"{package}.{name}".startswith(exc.name):
                raise
    return out


def api_modules() -> list[Any]:
    return _load("hallq.server.api", API_MODULES)


def page_modules() -> list[Any]:
    return _load("hallq.server.web", PAGE_MODULES)


class RequestGuard:
    """What every request must be before any route sees it: a body of at most ``limit`` bytes
    (413), declared or sent in chunks, and no NUL character in its path (404) or query (422)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if "\x00" in scope["path"]:
            await _refuse(send, 404, "not_found", "Not Found")
            return
        if b"%00" in scope.get("query_string", b""):
            await _refuse(send, 422, "invalid_value", "a NUL character is not allowed in the query")
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            # The HTTP server itself stops a body at its declared length.
            if declared.isdigit() and int(declared) > self.limit:
                await _too_large(send, self.limit)
                return
            await self.app(scope, receive, send)
            return
        # A chunked body: read it here, up to the limit, so that one too large is refused
        # with 413 before a route starts parsing it (a parser cut off halfway says 400).
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return   # the client went away
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.limit:
                await _too_large(send, self.limit)
                return
            chunks.append(chunk)
            if not message.get("more_body"):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _refuse(send: Send, status: int, code: str, message: str) -> None:
    import json

    body = json.dumps(error_body(code, message)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def _too_large(send: Send, limit: int) -> None:
    await _refuse(send, 413, "body_too_large", f"the request body is over {limit} bytes")


async def _sweeper(app: FastAPI, interval: float) -> None:
    """The hall's clock: overdue no-shows, the turn of the business day."""
    while True:
        await asyncio.sleep(interval)
        try:
            done = await app.state.writer.run(Command("sweep", SYSTEM, app.state.clock()))
            if any(done.values()):
                log.info("sweep: %s", done)
                app.state.hub.poke()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.warning("sweep failed; will try again", exc_info=True)


def create_app(settings: Settings | None = None, *, clock: Callable[[], datetime] = utc_now,
               migrate: bool = True) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if migrate:
            await asyncio.to_thread(upgrade, settings.database_url)
        db = Database(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
        app.state.db = db
        app.state.secret = settings.secret()
        app.state.metrics = Metrics(db)
        app.state.tokens = TokenCache(settings.token_cache_s)
        hub = EventHub(db, poll_interval=0.1 if db.sqlite else 1.0)
        app.state.hub = hub
        with db.read() as s:
            app.state.hall_code = s.scalar(select(Hall.code).order_by(Hall.id).limit(1))
        await hub.start()
        if settings.writer_socket:
            app.state.writer = RemotePort(settings.writer_socket, on_commit=hub.poke)
        else:
            app.state.writer = LocalPort(Writer(db, app.state.secret, on_commit=hub.poke,
                                                   kiosk_issues_per_minute=settings.kiosk_issues_per_minute).start())
        sweeper = asyncio.create_task(_sweeper(app, settings.sweep_interval_s))
        try:
            yield
        finally:
            sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await sweeper
            await app.state.writer.close()
            await hub.stop()
            db.dispose()

    app = FastAPI(title="hallq hall server", version=__version__, lifespan=lifespan,
                  description="Queues, windows and live events of a government service hall.",
                  openapi_url="/openapi.json", docs_url="/api/docs", redoc_url=None)
    app.state.settings = settings
    app.state.clock = clock
    errors.install(app)
    openapi.install(app)
    for module in api_modules():
        app.include_router(module.router, prefix=API)
    for module in page_modules():
        app.include_router(module.router)

    @app.get("/metrics", include_in_schema=False)
    def metrics(request: Request) -> Any:
        if not metrics_allowed(settings, request):
            raise QueueError("forbidden", "the metrics are for the monitoring host: give metrics_token, or ask for "
                             "its address in metrics_addresses")
        return app.state.metrics.render()

    app.add_middleware(LatencyMiddleware, metrics=lambda: getattr(app.state, "metrics", None))

    app.add_middleware(RequestGuard, limit=settings.max_body_bytes)
    return app


def metrics_allowed(settings: Settings, request: Request) -> bool:
    """A scraper from an allowed address, or one that shows the metrics token."""
    import hmac
    import ipaddress

    given = request.headers.get("authorization", "")
    if settings.metrics_token and hmac.compare_digest(given.encode(), f"Bearer {settings.metrics_token}".encode()):
        return True
    try:
        address = ipaddress.ip_address(request.client.host if request.client else "")
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.metrics_addresses)


def app_from_environment() -> FastAPI:
    """Factory for uvicorn workers: settings come from HALLQ_* variables."""
    return create_app(Settings())
