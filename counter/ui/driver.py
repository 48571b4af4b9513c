"""The counter's test-driver commands (``--test-driver``): report what the screen shows,
press its buttons, type into its fields, take screenshots. Buttons are pressed through the
real widgets, so a test exercises the same wiring as a clerk's finger."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kivy.clock import Clock
from kivy.core.window import Keyboard, Window
from kivy.uix.button import Button
from kivy.uix.textinput import TextInput
from kivy.uix.widget import Widget

from hallq.ui.driver import DriverServer, Reply

from .widgets import CounterAction

LABELS = {
    "signin": ("message", "server", "submit"),
    "window": ("message",),
    "work": ("title", "clerk", "online", "banner", "state", "number", "priority", "service", "waited", "timer",
             "recalls", "message", "undo", "stats"),
}


def _walk(widget: Widget) -> list[Widget]:
    out = [widget]
    for child in widget.children:
        out.extend(_walk(child))
    return out


class CounterDriver:
    def __init__(self, app: Any, port_file: Path) -> None:
        self.app = app
        self.server = DriverServer(self.handle, lambda fn: Clock.schedule_once(lambda _dt: fn(), 0),
                                   port_file=port_file)

    def close(self) -> None:
        self.server.close()

    # -- commands -------------------------------------------------------------------------------
    def handle(self, request: dict[str, Any], reply: Reply) -> None:
        cmd = request.get("cmd")
        if cmd == "state":
            reply(self.state())
        elif cmd == "press":
            reply(self.press(str(request["action"])))
        elif cmd == "tap":
            reply(self.tap(str(request["target"])))
        elif cmd == "type":
            reply(self.type(str(request["target"]), str(request.get("text", "")), bool(request.get("enter"))))
        elif cmd == "key":
            code = Keyboard.keycodes[str(request["name"])]
            Window.dispatch("on_key_down", code, 0, None, [])
            reply({"ok": True})
        elif cmd == "screenshot":
            self.screenshot(Path(str(request["path"])), reply)
        else:
            reply({"ok": False, "error": f"unknown command {cmd!r}"})

    def state(self) -> dict[str, Any]:
        app, model = self.app, self.app.model
        screen = app.screens.current_screen
        labels = {name: _text(screen.ids.get(name)) for name in LABELS.get(screen.name, ())}
        buttons = [w for w in _walk(app.work) if isinstance(w, CounterAction)]
        message = model.message
        transfer = app.transfer_dialog
        return {
            "ok": True,
            "screen": screen.name,
            "model_screen": model.screen,
            "state": model.state.value,
            "online": model.online,
            "window": model.window,
            "window_state": model.window_state,
            "current": {"id": model.current.id, "number": model.current.number, "status": model.current.status,
                        "priority": model.current.priority} if model.current else None,
            "confirming": model.confirming.action.value if model.confirming else None,
            "undo": {"action": model.undo.action.value, "number": model.undo.number,
                     "pending": model.undo.pending, "open": model.undo_left() > 0} if model.undo else None,
            "busy": model.busy.value if model.busy else None,
            "enabled": sorted(b.action for b in buttons if not b.disabled),
            "request": model.request.value if model.request else None,
            "message": {"key": message.key, "kind": message.kind, "code": message.code} if message else None,
            "labels": labels,
            "waiting": [{"prefix": w.prefix, "count": w.count, "next": w.next} for w in model.waiting],
            "held": [h.number for h in model.held],
            "stats": model.stats,
            "language": model.strings.language,
            "dialog": next((name for name, d in (("number", app.number_dialog), ("pause", app.pause_dialog),
                                                 ("transfer", transfer), ("confirm", app.confirm_dialog))
                            if d.parent is not None), None),
            "transfer_items": [_text(b) for b in reversed(transfer.ids.queue_list.children)]
            if transfer.parent is not None else [],
            "rating_panel": app.rating_panel.parent is not None,
            "confirm_question": app.confirm_dialog.question if app.confirm_dialog.parent is not None else None,
            "pad": {"typed": app.number_dialog.ids.number.text,
                    "digits": [_text(b) for b in reversed(app.number_dialog.ids.digits.children)],
                    "letters": [_text(b) for b in reversed(app.number_dialog.ids.letters.children)]},
            "windows": [int(w["number"]) for w in model.windows],
        }

    def press(self, action: str) -> dict[str, Any]:
        for widget in _walk(self.app.work):
            if isinstance(widget, CounterAction) and widget.action == action:
                if widget.disabled:
                    return {"ok": False, "disabled": True}
                widget.trigger_action(duration=0)
                return {"ok": True}
        return {"ok": False, "error": f"no button for {action!r}"}

    def _target(self, target: str) -> Widget | None:
        app = self.app
        scope, _, name = target.partition(".")
        roots: dict[str, Widget] = {
            "signin": app.signin, "window": app.window_screen, "work": app.work, "rating": app.rating_panel,
            "number": app.number_dialog, "pause": app.pause_dialog, "transfer": app.transfer_dialog,
            "confirm": app.confirm_dialog}
        root = roots.get(scope)
        if root is None:
            return None
        name, _, index = name.partition(":")
        if index:
            if scope == "transfer" and name == "item":
                items = list(reversed(root.ids.queue_list.children))
                return items[int(index)] if int(index) < len(items) else None
            if scope == "window" and name == "item":
                return next((b for b in root.ids.grid.children if getattr(b, "window_number", None) == int(index)),
                            None)
            if scope == "rating" and name == "reason":
                return root._reasons.get(index)
            if scope == "number" and name == "key":
                return next((b for grid in (root.ids.digits, root.ids.letters) for b in grid.children
                             if getattr(b, "pad_key", None) == index), None)
            if scope == "work" and name == "held":
                return next((b for b in root.ids.held_list.children
                             if getattr(b, "ticket_number", None) == index), None)
            return None
        return root.ids.get(name)

    def tap(self, target: str) -> dict[str, Any]:
        widget = self._target(target)
        if not isinstance(widget, Button):
            return {"ok": False, "error": f"no button {target!r}"}
        if widget.disabled:
            return {"ok": False, "disabled": True}
        widget.trigger_action(duration=0)
        return {"ok": True}

    def type(self, target: str, text: str, enter: bool) -> dict[str, Any]:
        widget = self._target(target)
        if not isinstance(widget, TextInput):
            return {"ok": False, "error": f"no text field {target!r}"}
        widget.text = text
        if enter:
            widget.dispatch("on_text_validate")
        return {"ok": True}

    def screenshot(self, path: Path, reply: Reply) -> None:
        # Two frames later everything that changed has been laid out and drawn.
        def take(_dt: float) -> None:
            saved = self.app.screenshot(path)
            reply({"ok": saved is not None, "path": str(saved) if saved else None})
        Clock.schedule_once(lambda _dt: Clock.schedule_once(take, 0.15), 0.15)


def _text(widget: Widget | None) -> str:
    return str(getattr(widget, "text", "")) if widget is not None else ""
