"""Handing work back to the UI thread.

The apps' view-models never touch their state from a worker thread: results are posted
back with a ``Post`` function. In the Kivy app that is ``Clock.schedule_once``; in tests and
in headless runs a ``SerialThread`` plays the UI thread, running posted callables one at a
time in order.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
Post = Callable[[Callable[[], None]], None]


class SerialThread:
    """One thread that runs posted callables in order, like a UI thread."""

    def __init__(self, name: str = "ui") -> None:
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def post(self, fn: Callable[[], None]) -> None:
        self._queue.put(fn)

    def call(self, fn: Callable[[], T], timeout: float = 10.0) -> T:
        """Run ``fn`` on this thread and return its result (for tests reading state)."""
        if threading.current_thread() is self._thread:
            return fn()
        box: dict[str, Any] = {}
        done = threading.Event()

        def run() -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:  # handed to the caller
                box["error"] = exc
            done.set()

        self.post(run)
        if not done.wait(timeout):
            raise TimeoutError("the UI thread did not answer")
        if "error" in box:
            raise box["error"]
        return box["value"]  # type: ignore[no-any-return]

    def wait_until(self, predicate: Callable[[], bool], timeout: float = 10.0,
                   interval: float = 0.02) -> bool:
        """Poll ``predicate`` on this thread until it holds; False after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            if self.call(predicate, timeout=max(0.1, deadline - time.monotonic())):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(interval)

    def _run(self) -> None:
        while True:
            fn = self._queue.get()
            if fn is None:
                return
            try:
                fn()
            except Exception:
                log.exception("a posted callable failed")

    def stop(self, timeout: float = 5.0) -> None:
        self._queue.put(None)
        self._thread.join(timeout)
