"""The writer as a process of its own, for a server with several worker processes.

``hallq serve --workers N`` starts it before the workers and restarts it when it dies; the
workers reach it at the Unix socket named by HALLQ_WRITER_SOCKET. A writer that starts
again holds nothing a worker must hand back: the database is the truth, and every answer a
worker got was already committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ..db import Database
from ..settings import Settings
from .batch import Writer
from .channel import WriterServer

log = logging.getLogger(__name__)


def socket_path(settings: Settings) -> str:
    """A path for the writer's socket; Unix sockets take at most 107 bytes."""
    path = (settings.data_dir / "writer.sock").resolve()
    if len(str(path)) < 100:
        return str(path)
    return str(Path(tempfile.mkdtemp(prefix="hallq-")) / "writer.sock")


def serve_writer(settings: Settings, path: str) -> None:
    """Run the writer and its socket until SIGTERM or SIGINT."""
    db = Database(settings.database_url, busy_timeout_ms=settings.sqlite_busy_timeout_ms)
    writer = Writer(db, settings.secret(), kiosk_issues_per_minute=settings.kiosk_issues_per_minute).start()

    async def main() -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        server = WriterServer(writer, path)
        await server.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        log.info("writer listening on %s", path)
        await stop.wait()
        await server.close()

    try:
        asyncio.run(main())
    finally:
        writer.stop()
        db.dispose()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


class WriterProcess:
    """Starts the writer process and starts it again whenever it exits on its own."""

    def __init__(self, path: str, *, restart_delay_s: float = 0.2) -> None:
        self.path = path
        self.restart_delay_s = restart_delay_s
        self.proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._watch: threading.Thread | None = None

    def start(self) -> WriterProcess:
        self._spawn()
        self._watch = threading.Thread(target=self._watch_loop, name="hallq-writer-watch", daemon=True)
        self._watch.start()
        return self

    def _spawn(self) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "hallq", "writer", "--socket", self.path])
        deadline = time.monotonic() + 20
        while not os.path.exists(self.path) and time.monotonic() < deadline and self.proc.poll() is None:
            time.sleep(0.02)

    def _watch_loop(self) -> None:
        while not self._stopping.is_set():
            proc = self.proc
            if proc is not None and proc.poll() is not None and not self._stopping.is_set():
                log.warning("the writer exited (%s); starting it again", proc.returncode)
                time.sleep(self.restart_delay_s)
                if not self._stopping.is_set():
                    self._spawn()
            self._stopping.wait(0.05)

    def stop(self) -> None:
        self._stopping.set()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
