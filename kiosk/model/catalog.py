"""The hall's catalog as the kiosk holds it: categories, departments, service items and their
guides, with live waiting counts; and a copy on disk so guides still open when the
server is away.

Reads from the server go through ``Connection.call``; everything else here is plain data
and safe to call from any thread (one lock guards the tables).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hallq.client import ApiError, HallClient

from .connection import Connection
from .search import merge, search

log = logging.getLogger(__name__)

CACHE_VERSION = 1
CACHE_FILE = "catalog.json"


class Catalog:
    """What can be chosen at the kiosk, and how many wait for it."""

    def __init__(self, cache_dir: Path | None = None) -> None:
        self.cache_dir = cache_dir
        self._lock = threading.RLock()
        self.hall: dict[str, Any] = {}
        self.categories: list[dict[str, Any]] = []
        self.departments: list[dict[str, Any]] = []
        self.queues: dict[int, dict[str, Any]] = {}
        self.services: dict[int, dict[str, Any]] = {}       # service id -> item (no guide)
        self.dept_services: dict[int, list[int]] = {}       # department id -> service ids in order
        self.guides: dict[int, dict[str, Any]] = {}         # service id -> GET /guides/{id} answer
        self.loaded_from = ""                                # "server" | "cache" | ""
        self.saved_at: str | None = None
        self.counts_at = 0.0

    # -- loading --------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return bool(self.departments)

    def refresh(self, connection: Connection) -> None:
        """Hall, categories, departments and the waiting counts, from the server."""
        hall = connection.call(lambda c: c.hall())
        categories = connection.call(lambda c: c.categories())
        departments = connection.call(lambda c: c.departments())
        with self._lock:
            self.hall, self.categories, self.departments = hall, categories, departments
            self.loaded_from = "server"
        self.refresh_counts(connection)

    def refresh_counts(self, connection: Connection) -> None:
        snapshot = connection.call(lambda c: c.snapshot())
        with self._lock:
            self.queues = {int(q["id"]): q for q in snapshot.get("queues", [])}
            self.counts_at = time.monotonic()

    def apply_event(self, message: dict[str, Any]) -> bool:
        """Follow a live event's queue counts ({"id", "type", "at", "data": {"queue": ...,
        "from_queue": ...}}: a transfer changes two queues); True when a count changed."""
        data = message.get("data")
        if not isinstance(data, dict):
            return False
        changed = False
        for key in ("queue", "from_queue"):
            queue = data.get(key)
            if not isinstance(queue, dict) or "id" not in queue or "waiting" not in queue:
                continue
            with self._lock:
                known = self.queues.get(int(queue["id"]))
                if known is None:
                    self.queues[int(queue["id"])] = dict(queue)
                    changed = True
                elif known.get("waiting") != queue["waiting"]:
                    self.queues[int(queue["id"])] = {**known, "waiting": queue["waiting"]}
                    changed = True
        return changed

    # -- what the screens ask -------------------------------------------------------------

    @property
    def self_declared(self) -> tuple[str, ...]:
        """Priority classes a visitor may choose here (the hall's rules)."""
        rules = self.hall.get("rules") or {}
        declared = rules.get("self_declared", ["normal", "elderly"])
        return tuple(str(p) for p in declared)

    def departments_in(self, category_id: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [d for d in self.departments if category_id is None or d.get("category_id") == category_id]

    def department(self, department_id: int) -> dict[str, Any] | None:
        with self._lock:
            return next((d for d in self.departments if d["id"] == department_id), None)

    def waiting_in(self, department_id: int) -> int:
        with self._lock:
            return sum(int(q.get("waiting") or 0) for q in self.queues.values()
                       if q.get("department_id") == department_id)

    def queue(self, queue_id: int) -> dict[str, Any] | None:
        with self._lock:
            return self.queues.get(queue_id)

    def search_departments(self, connection: Connection | None, query: str,
                           category_id: int | None = None) -> list[dict[str, Any]]:
        """Departments matching Chinese text, full pinyin, initials or a common name: the
        server's search when it answers, and the kiosk's own matching on the held list
        (which also knows full pinyin typed without spaces and common names)."""
        local = search(self.departments_in(category_id), query)
        if connection is not None and connection.online:
            try:
                found = connection.call(lambda c: c.departments(q=query, category_id=category_id))
                return merge(list(found), local)
            except ApiError as exc:
                log.info("department search offline: %s", exc.code)
        return local

    def services_of(self, connection: Connection | None, department_id: int) -> list[dict[str, Any]]:
        """A department's service items (from the server when it answers)."""
        if connection is not None:
            try:
                found = connection.call(lambda c: c.department(department_id))
            except ApiError as exc:
                if not (exc.unreachable or exc.status >= 500):
                    raise
            else:
                self._keep_services(department_id, found.get("services") or [])
        with self._lock:
            return [self.services[i] for i in self.dept_services.get(department_id, []) if i in self.services]

    def _keep_services(self, department_id: int, services: list[dict[str, Any]]) -> None:
        with self._lock:
            for s in services:
                self.services[int(s["id"])] = {k: v for k, v in s.items() if k != "guide"}
            self.dept_services[department_id] = [int(s["id"]) for s in services]

    def service(self, service_id: int) -> dict[str, Any] | None:
        with self._lock:
            return self.services.get(service_id)

    # -- guides ---------------------------------------------------------------------------

    def keep_guide(self, service_id: int, guide: dict[str, Any]) -> None:
        with self._lock:
            self.guides[service_id] = guide

    def cached_guide(self, service_id: int) -> dict[str, Any] | None:
        with self._lock:
            return self.guides.get(service_id)

    def search_services(self, query: str, department_id: int | None = None) -> list[dict[str, Any]]:
        """Offline search over the held items: name, full pinyin, initials, English name,
        common names."""
        with self._lock:
            items = list(self.services.values())
        order = {i: n for n, i in enumerate(sid for ids in self.dept_services.values() for sid in ids)}
        items.sort(key=lambda s: order.get(int(s["id"]), 1 << 30))
        return search([s for s in items if department_id is None or s.get("department_id") == department_id],
                      query)

    def prefetch(self, connection: Connection, fetch_guide: Callable[[HallClient, int], dict[str, Any]],
                 stop: threading.Event, pace_s: float = 0.01) -> int:
        """Fetch every service item and its guide, for browsing while the server is away;
        returns how many guides were fetched. Stops early when ``stop`` is set or the
        server stops answering."""
        items = connection.call(lambda c: c.get("/services", limit=500))
        by_dept: dict[int, list[dict[str, Any]]] = {}
        for s in items:
            by_dept.setdefault(int(s["department_id"]), []).append(s)
        for department_id, services in by_dept.items():
            self._keep_services(department_id, services)
        fetched = 0
        for s in items:
            if stop.is_set():
                break
            sid = int(s["id"])

            def fetch(client: HallClient, sid: int = sid) -> dict[str, Any]:
                return fetch_guide(client, sid)

            try:
                guide = connection.call(fetch)
            except ApiError as exc:
                if exc.unreachable or exc.status >= 500:
                    break
                continue
            self.keep_guide(sid, guide)
            fetched += 1
            if pace_s:
                stop.wait(pace_s)   # leave the server room for visitors' requests
        self.save()
        return fetched

    # -- the copy on disk -----------------------------------------------------------------

    def save(self) -> Path | None:
        if self.cache_dir is None:
            return None
        with self._lock:
            data = {"version": CACHE_VERSION, "saved_at": datetime.now(UTC).isoformat(), "hall": self.hall,
                    "categories": self.categories, "departments": self.departments,
                    "services": list(self.services.values()),
                    "dept_services": {str(k): v for k, v in self.dept_services.items()},
                    "guides": {str(k): v for k, v in self.guides.items()}}
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        path = self.cache_dir / CACHE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        os.replace(tmp, path)   # a power cut mid-write leaves the old copy, not half a file
        return path

    def load(self) -> bool:
        """Read the copy on disk (when the server is away at start); False if there is none
        or it cannot be read."""
        if self.cache_dir is None:
            return False
        path = self.cache_dir / CACHE_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") != CACHE_VERSION:
                return False
            with self._lock:
                if not self.departments:
                    self.hall = data.get("hall") or {}
                    self.categories = list(data.get("categories") or [])
                    self.departments = list(data.get("departments") or [])
                    self.loaded_from = "cache"
                for s in data.get("services") or []:
                    self.services.setdefault(int(s["id"]), s)
                for k, v in (data.get("dept_services") or {}).items():
                    self.dept_services.setdefault(int(k), [int(i) for i in v])
                for k, v in (data.get("guides") or {}).items():
                    self.guides.setdefault(int(k), v)
                self.saved_at = data.get("saved_at")
        except (OSError, ValueError, KeyError, TypeError) as exc:
            log.warning("no usable catalog copy at %s: %s", path, exc)
            return False
        return True
