"""Prometheus metrics at /metrics: tickets issued and called per queue, waiting counts,
request latency, connected clients. With several worker processes the counters are shared
through prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import select
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .db import Database
from .models import Queue


class WaitingCollector(Collector):
    """Waiting tickets per queue, read from the database at scrape time (true across processes)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        family = GaugeMetricFamily("hallq_waiting_tickets", "Tickets waiting now", labels=["queue"])
        try:
            with self.db.read() as s:
                for code, waiting in s.execute(select(Queue.code, Queue.waiting_count)):
                    family.add_metric([code], waiting)
        except Exception:
            pass
        yield family


class Metrics:
    def __init__(self, db: Database) -> None:
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry()
        reg = None if self.multiprocess else self.registry
        self._issued = Counter("hallq_tickets_issued", "Tickets issued", ["queue"], registry=reg)
        self._called = Counter("hallq_tickets_called", "Tickets called", ["queue"], registry=reg)
        self._latency = Histogram("hallq_request_seconds", "HTTP request latency", ["method", "route", "status"],
                                  buckets=(.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5), registry=reg)
        self._clients = Gauge("hallq_event_clients", "Connected WebSocket subscribers", ["role"], registry=reg,
                              multiprocess_mode="livesum")
        if self.multiprocess:
            from prometheus_client import multiprocess

            multiprocess.MultiProcessCollector(self.registry)
        self.registry.register(WaitingCollector(db))

    def issued(self, queue: str) -> None:
        self._issued.labels(queue).inc()

    def called(self, queue: str) -> None:
        self._called.labels(queue).inc()

    def clients(self, delta: int, role: Any) -> None:
        self._clients.labels(getattr(role, "value", str(role))).inc(delta)

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type="text/plain; version=0.0.4; charset=utf-8")

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        self._latency.labels(method, route, str(status)).observe(seconds)


class LatencyMiddleware:
    """Times every HTTP request by its route template (plain ASGI: no extra task per request)."""

    def __init__(self, app: ASGIApp, metrics: Callable[[], Metrics | None]) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            metrics = self.metrics()
            if metrics is not None:
                path = getattr(scope.get("route"), "path", "unmatched")
                metrics.observe(scope["method"], path, status, time.perf_counter() - start)
