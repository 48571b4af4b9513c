"""Slow work off the UI thread: a small thread pool, with results handed back to the UI
thread through ``Clock.schedule_once``. Widgets are only ever touched from the callbacks."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from kivy.clock import Clock

log = logging.getLogger(__name__)


class Jobs:
    def __init__(self, workers: int = 4, on_count: Callable[[int], None] | None = None) -> None:
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kiosk-job")
        self.running = 0
        self.on_count = on_count or (lambda _n: None)

    def run(self, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None] | None = None,
            failed: Callable[[BaseException], None] | None = None) -> None:
        """Run ``fn(*args)`` on a worker; then, on the UI thread, ``done(result)`` or
        ``failed(exception)``."""
        self.running += 1
        self.on_count(self.running)
        future = self._pool.submit(fn, *args)
        future.add_done_callback(lambda f: Clock.schedule_once(lambda _dt: self._finish(f, done, failed)))

    def _finish(self, future: Future[Any], done: Callable[[Any], None] | None,
                failed: Callable[[BaseException], None] | None) -> None:
        self.running -= 1
        self.on_count(self.running)
        error = future.exception()
        if error is not None:
            log.error("a kiosk job failed", exc_info=error)
            if failed is not None:
                failed(error)
            return
        if done is not None:
            done(future.result())

    def shutdown(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
