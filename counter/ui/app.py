"""The counter app: screens, dialogs and the visitor's rating panel around one view-model."""

from __future__ import annotations

import logging
import os
import shutil
import signal
import time
from pathlib import Path
from typing import Any

from ..config import CounterConfig

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent


def configure_kivy(config: CounterConfig) -> None:
    """Settings Kivy reads when the window is created: set before importing the window."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_CLIPBOARD", "sdl2")  # not xclip/xsel, which a counter PC may lack
    from kivy.config import Config

    Config.set("graphics", "width", "1280")
    Config.set("graphics", "height", "800")
    Config.set("graphics", "fullscreen", "0" if config.windowed else "auto")
    Config.set("graphics", "resizable", "1")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("input", "mouse", "mouse,disable_multitouch")


def run(config: CounterConfig) -> None:
    configure_kivy(config)
    from hallq.ui.fonts import register_cjk_font

    # Kivy routes Python logging through its own root handler at DEBUG; keep the
    # clerk's log to what matters.
    for noisy in ("httpx", "httpcore", "websockets", "hpack"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    register_cjk_font()
    app = make_app(config)

    def stop(_signum: int, _frame: Any) -> None:
        from kivy.clock import Clock

        Clock.schedule_once(lambda _dt: app.stop(), 0)

    signal.signal(signal.SIGTERM, stop)   # a service manager's stop closes the devices cleanly
    app.run()


def make_app(config: CounterConfig) -> Any:
    from kivy.app import App
    from kivy.clock import Clock
    from kivy.core.window import Keyboard, Window
    from kivy.lang import Builder
    from kivy.properties import ListProperty, StringProperty
    from kivy.uix.screenmanager import NoTransition, ScreenManager

    from ..model import Action, CounterModel
    from ..model.actions import SHORTCUTS
    from . import dialogs, rating, signin, widgets, work  # noqa: F401  (kv rules need the classes)

    for name in ("app", "signin", "work", "dialogs", "rating"):
        Builder.load_file(str(HERE / f"{name}.kv"))
    key_names = {code: name for name, code in Keyboard.keycodes.items()}

    def post(fn: Any) -> None:
        Clock.schedule_once(lambda _dt: fn(), 0)

    class CounterApp(App):
        lang = StringProperty(config.language)
        enabled = ListProperty([])

        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.title = "hallq 窗口工作台"
            self.counter_config = config
            self.model = CounterModel(config, post)
            self.lang = self.model.strings.language
            self.driver: Any = None

        # -- building -----------------------------------------------------------------------
        def build(self) -> Any:
            self.screens = ScreenManager(transition=NoTransition())
            self.signin = signin.SignInScreen(name="signin")
            self.window_screen = signin.WindowScreen(name="window")
            self.work = work.WorkScreen(name="work")
            for screen in (self.signin, self.window_screen, self.work):
                self.screens.add_widget(screen)
            self.number_dialog = dialogs.NumberDialog()
            self.pause_dialog = dialogs.PauseDialog()
            self.transfer_dialog = dialogs.TransferDialog()
            self.confirm_dialog = dialogs.ConfirmDialog()
            self.rating_panel = rating.RatingPanel()
            self.model.subscribe(self.sync)
            Window.bind(on_key_down=self._key_down, on_request_close=lambda *_: False)
            Clock.schedule_interval(self._tick, 0.5)
            if config.test_driver is not None:
                from .driver import CounterDriver

                self.driver = CounterDriver(self, config.test_driver)
            self.model.start()
            self.sync()
            return self.screens

        def on_stop(self) -> None:
            self.model.close()
            if self.driver is not None:
                self.driver.close()

        # -- from the view-model to the screens -------------------------------------------------
        def tr(self, key: str, _lang: str | None = None, **params: Any) -> str:
            return self.model.text(key, **params)

        def sync(self) -> None:
            model = self.model
            self.enabled = sorted(a.value for a in model.enabled)
            wanted = {"connecting": "signin", "signin": "signin", "window": "window", "work": "work"}[model.screen]
            if self.screens.current != wanted:
                self.screens.current = wanted
            screen: Any = {"signin": self.signin, "window": self.window_screen, "work": self.work}[wanted]
            screen.sync(model)
            self._sync_dialogs()
            if model.rating_prompt and model.evaluations.prompt is not None:
                self._close_dialogs()
                if self.rating_panel.parent is None:
                    self.rating_panel.show(model.evaluations.prompt.number)
            elif self.rating_panel.parent is not None:
                self.rating_panel.dismiss(animation=False)

        def _sync_dialogs(self) -> None:
            asking = self.model.confirming if self.model.screen == "work" else None
            if asking is None and self.confirm_dialog.parent is not None:
                self.confirm_dialog.dismiss(animation=False)
            elif asking is not None and self.confirm_dialog.parent is None:
                self.confirm_dialog.ask(self.model)
            request = self.model.request if self.model.screen == "work" else None
            dialogs_by_action: dict[Action, Any] = {Action.CALL_NUMBER: self.number_dialog, Action.RESUME: self.number_dialog,
                                 Action.PAUSE: self.pause_dialog, Action.TRANSFER: self.transfer_dialog}
            wanted = dialogs_by_action.get(request) if request else None
            dialog: Any
            for dialog in (self.number_dialog, self.pause_dialog, self.transfer_dialog):
                if dialog is not wanted and dialog.parent is not None:
                    dialog.dismiss(animation=False)
            if wanted is None or request is None:
                return
            if wanted is self.number_dialog and (wanted.parent is None or wanted.action != request.value):
                wanted.ask(request)
            elif wanted is self.pause_dialog and wanted.parent is None:
                wanted.ask()
            elif wanted is self.transfer_dialog and wanted.parent is None:
                wanted.ask(self.model)

        def _close_dialogs(self) -> None:
            for dialog in (self.number_dialog, self.pause_dialog, self.transfer_dialog, self.confirm_dialog):
                if dialog.parent is not None:
                    dialog.dismiss(animation=False)

        def _tick(self, _dt: float) -> None:
            self.model.tick()
            if self.model.screen == "work" and self.screens.current == "work":
                self.work.sync_timer(self.model)

        # -- from the clerk to the view-model ---------------------------------------------------
        def press(self, action: str, argument: str | None = None) -> bool:
            return self.model.press(action, argument)

        def undo(self) -> bool:
            return self.model.undo_last()

        def toggle_language(self) -> None:
            language = "en" if self.model.strings.language == "zh" else "zh"
            self.model.set_language(language)
            self.lang = language

        def _key_down(self, _window: Any, key: int, _scancode: int, _codepoint: str | None,
                      _modifiers: list[str]) -> bool:
            name = key_names.get(key, "")
            if name == "f12":
                self.screenshot()
                return True
            if name == "f9" and self.model.screen == "work":
                self.undo()
                return True
            action = SHORTCUTS.get(name)
            if action is None or self.model.screen != "work":
                return False
            self.press(action.value)
            return True

        def screenshot(self, path: Path | None = None) -> Path | None:
            """Save what the screen shows (F12, or the test driver)."""
            folder = config.screenshot_dir or Path.cwd()
            target = path or folder / f"counter-{time.strftime('%Y%m%d-%H%M%S')}.png"
            target.parent.mkdir(parents=True, exist_ok=True)
            taken = Window.screenshot(name=str(target.with_name(target.stem + "-tmp.png")))
            if not taken:
                return None
            shutil.move(taken, target)
            return target

    return CounterApp()
