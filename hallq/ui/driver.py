"""The test-driver channel: lets a test ask a running app what it shows and press its
buttons, over JSON lines on 127.0.0.1. An app opens it only when started with its test-driver
flag; nothing else listens.

Each request is one JSON object per line with a ``cmd``; the app's handler runs on the UI
thread (through ``post``) and answers by calling ``reply`` with a JSON object, at once or a
few frames later (a screenshot waits for the screen to be drawn); the answer goes back as
one line. A handler that fails answers ``{"ok": false, "error": ...}``.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .dispatch import Post

log = logging.getLogger(__name__)
Reply = Callable[[dict[str, Any]], None]
Handler = Callable[[dict[str, Any], Reply], None]


class DriverServer:
    """Listens on 127.0.0.1 (an ephemeral port unless given) and writes the port to
    ``port_file`` so a test can find it without guessing a free port."""

    def __init__(self, handler: Handler, post: Post, *, port_file: Path | None = None,
                 port: int = 0, answer_timeout: float = 20.0) -> None:
        self.handler = handler
        self.post = post
        self.answer_timeout = answer_timeout
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port = int(self._listener.getsockname()[1])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, name="test-driver", daemon=True)
        self._thread.start()
        if port_file is not None:
            tmp = port_file.with_suffix(".tmp")
            tmp.write_text(str(self.port), encoding="ascii")
            tmp.replace(port_file)  # the reader never sees a half-written number
        log.warning("test driver listening on 127.0.0.1:%d", self.port)

    def _accept(self) -> None:
        self._listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True,
                             name="test-driver-conn").start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rwb") as stream:
            for raw in stream:
                try:
                    request = json.loads(raw)
                    answer = self._run(request)
                except Exception as exc:  # answered, never fatal to the app
                    answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                stream.write(json.dumps(answer, ensure_ascii=False, default=str).encode() + b"\n")
                stream.flush()

    def _run(self, request: dict[str, Any]) -> dict[str, Any]:
        box: dict[str, Any] = {}
        done = threading.Event()

        def reply(answer: dict[str, Any]) -> None:
            box.setdefault("answer", answer)
            done.set()

        def on_ui() -> None:
            try:
                self.handler(request, reply)
            except Exception as exc:
                log.exception("test driver command %r failed", request.get("cmd"))
                reply({"ok": False, "error": f"{type(exc).__name__}: {exc}"})

        self.post(on_ui)
        if not done.wait(self.answer_timeout):
            return {"ok": False, "error": "the UI thread did not answer"}
        answer: dict[str, Any] = box["answer"]
        return answer

    def close(self) -> None:
        self._stop.set()
        self._listener.close()
        self._thread.join(timeout=2)


class DriverClient:
    """The test's end: ``call("state")``, ``wait_for(lambda s: ..., timeout)``."""

    def __init__(self, port: int, *, timeout: float = 20.0) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self._stream = self._sock.makefile("rwb")

    @classmethod
    def connect(cls, port_file: Path, *, timeout: float = 30.0,
                alive: Callable[[], bool] = lambda: True) -> DriverClient:
        """Wait (bounded) for the app to write its port, then connect."""
        deadline = time.monotonic() + timeout
        while not port_file.exists():
            if time.monotonic() > deadline or not alive():
                raise TimeoutError("the app did not open its test driver")
            time.sleep(0.05)
        return cls(int(port_file.read_text(encoding="ascii")))

    def call(self, cmd: str, **args: Any) -> dict[str, Any]:
        self._stream.write(json.dumps({"cmd": cmd, **args}).encode() + b"\n")
        self._stream.flush()
        line = self._stream.readline()
        if not line:
            raise ConnectionError("the app closed the test driver")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0,
                 interval: float = 0.1) -> dict[str, Any]:
        """Poll ``state`` until ``predicate`` holds; AssertionError with the last state."""
        deadline = time.monotonic() + timeout
        while True:
            state = self.call("state")
            if predicate(state):
                return state
            if time.monotonic() > deadline:
                raise AssertionError(f"state never matched within {timeout}s: {state}")
            time.sleep(interval)

    def close(self) -> None:
        try:
            self._stream.close()
        finally:
            self._sock.close()
