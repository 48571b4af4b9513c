"""A control channel for UI tests (``--control-port``): JSON lines on 127.0.0.1.

Each request runs on the UI thread. ``tap`` presses a widget the way a finger would: a
touch down and up at the widget's centre, sent through Kivy's own input dispatch, so a
widget that is hidden, covered or disabled does not react (and the test sees it).

Requests: {"cmd": "state"} | {"cmd": "tap", "tid": ...} (refused with "busy" while a request
runs) | {"cmd": "type", "keys": "..."} (keys of the pad on screen) | {"cmd": "screenshot", "name": ...}
| {"cmd": "resize", "width": W, "height": H} | {"cmd": "close"} (asks the window to close, as
the window manager would) | {"cmd": "quit"}.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.input.motionevent import MotionEvent
from kivy.uix.screenmanager import ScreenManager
from kivy.uix.widget import Widget

if TYPE_CHECKING:
    from .app import KioskApp

log = logging.getLogger(__name__)
Reply = Callable[[dict[str, Any]], None]


class DriverTouch(MotionEvent):
    """One finger, placed at window coordinates."""

    def __init__(self, x: float, y: float) -> None:
        super().__init__("driver", 1, {"x": x, "y": y}, is_touch=True, type_id="touch")
        self.profile = ["pos"]

    def depack(self, args: dict[str, float]) -> None:
        # Normalised position, as from a touch screen.
        self.sx = args["x"] / max(Window.width - 1, 1)
        self.sy = args["y"] / max(Window.height - 1, 1)
        super().depack(args)


def walk(root: Widget) -> Iterator[Widget]:
    yield root
    if isinstance(root, ScreenManager):
        # Only the current screen: the one leaving may linger for a frame.
        if root.current_screen is not None:
            yield from walk(root.current_screen)
        return
    for child in root.children:
        yield from walk(child)


def visible_widgets() -> Iterator[Widget]:
    """Every widget in the window's tree (only the current screen of a ScreenManager is in it)."""
    for root in list(Window.children):
        yield from walk(root)


def find(tid: str) -> Widget | None:
    for widget in visible_widgets():
        if getattr(widget, "tid", "") == tid and widget.opacity > 0:
            return widget
    return None


def describe_widgets() -> tuple[dict[str, str], list[str]]:
    texts: dict[str, str] = {}
    disabled: list[str] = []
    for widget in visible_widgets():
        tid = getattr(widget, "tid", "")
        if not tid or widget.opacity == 0:
            continue
        text = getattr(widget, "text", None)
        texts[tid] = text if isinstance(text, str) else ""
        if widget.disabled:
            disabled.append(tid)
    return texts, disabled


class Driver:
    def __init__(self, app: KioskApp, port: int, screenshot_dir: Path | None) -> None:
        self.app = app
        self.screenshot_dir = screenshot_dir
        self._listener = socket.create_server(("127.0.0.1", port))
        self.port = int(self._listener.getsockname()[1])
        self._thread = threading.Thread(target=self._accept, name="kiosk-driver", daemon=True)
        self._thread.start()
        log.warning("test driver listening on 127.0.0.1:%d", self.port)

    # -- the channel ----------------------------------------------------------------------

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with conn, conn.makefile("rwb") as stream:
            for raw in stream:
                try:
                    answer = self._on_ui(json.loads(raw))
                except Exception as exc:   # an answer, never a crash of the app
                    answer = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
                stream.write(json.dumps(answer, ensure_ascii=False, default=str).encode() + b"\n")
                stream.flush()

    def _on_ui(self, request: dict[str, Any]) -> dict[str, Any]:
        box: dict[str, Any] = {}
        done = threading.Event()

        def reply(answer: dict[str, Any]) -> None:
            box.setdefault("answer", answer)
            done.set()

        def run(_dt: float) -> None:
            try:
                self.handle(request, reply)
            except Exception as exc:
                log.exception("driver command failed")
                reply({"ok": False, "error": f"{type(exc).__name__}: {exc}"})

        Clock.schedule_once(run)
        if not done.wait(20):
            return {"ok": False, "error": "the UI thread did not answer"}
        return dict(box["answer"])

    def close(self) -> None:
        self._listener.close()

    # -- commands (UI thread) -------------------------------------------------------------

    def handle(self, request: dict[str, Any], reply: Reply) -> None:
        cmd = request.get("cmd")
        if cmd == "state":
            reply({"ok": True, **self.state()})
        elif cmd == "tap":
            if self.app.jobs is not None and self.app.jobs.running or not self._settled():
                reply({"ok": False, "error": "busy"})   # the test asks again, like a patient finger
                return
            reply(self.tap(str(request.get("tid", ""))))
        elif cmd == "type":
            # Several keys of a pad in one go, each a touch down and up of its own.
            for key in request.get("keys", ""):
                answer = self.tap(f"key-{key.upper()}")
                if not answer["ok"]:
                    reply(answer)
                    return
            reply({"ok": True})
        elif cmd == "screenshot":
            self.screenshot(str(request.get("name", "screen")), reply)
        elif cmd == "resize":
            Window.size = (int(request["width"]), int(request["height"]))
            Clock.schedule_once(lambda _dt: reply({"ok": True, "size": list(Window.size)}), 0.3)
        elif cmd == "close":
            refused = bool(Window.dispatch("on_request_close"))
            reply({"ok": True, "refused": refused})
        elif cmd == "quit":
            reply({"ok": True})
            Clock.schedule_once(lambda _dt: self.app.stop(), 0.1)
        else:
            reply({"ok": False, "error": f"unknown command {cmd!r}"})

    def _settled(self) -> bool:
        return self.app.sm is not None and not self.app.sm.transition.is_active

    def state(self) -> dict[str, Any]:
        texts, disabled = describe_widgets()
        app = self.app
        settled = self._settled()
        return {"screen": app.current_screen, "busy": app.jobs.running if app.jobs else 0, "settled": settled,
                "texts": texts, "disabled": disabled, "window": list(Window.size),
                "portrait": app.portrait, "font_scale": app.font_scale, "lang": app.lang,
                "kiosk": app.kiosk.describe()}

    def tap(self, tid: str) -> dict[str, Any]:
        widget = find(tid)
        if widget is None:
            return {"ok": False, "error": f"no visible widget {tid!r}"}
        if widget.disabled:
            return {"ok": False, "error": f"{tid!r} is disabled"}
        x, y = widget.to_window(*widget.center)
        touch = DriverTouch(x, y)
        EventLoop.post_dispatch_input("begin", touch)
        EventLoop.post_dispatch_input("end", touch)
        return {"ok": True, "at": [x, y]}

    def screenshot(self, name: str, reply: Reply) -> None:
        if self.screenshot_dir is None:
            reply({"ok": False, "error": "no --screenshot-dir"})
            return
        target = (self.screenshot_dir / f"{Path(name).name}.png").resolve()
        target.parent.mkdir(parents=True, exist_ok=True)

        def take(_dt: float) -> None:
            # Window.screenshot numbers its files (name0001.png): write beside, then rename.
            written = Window.screenshot(name=str(target.with_name(f".{target.stem}-shot.png")))
            if written:
                os.replace(written, target)
            reply({"ok": bool(written), "path": str(target)})

        # Two frames later: the last layout change has been drawn.
        Clock.schedule_once(lambda _dt: Clock.schedule_once(take, 0.05), 0.05)
