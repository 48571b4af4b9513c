"""The kiosk app: a frame (hall name, language and text-size buttons, notices, idle warning)
around the screens, and the glue to the view-model (``Kiosk``): worker jobs, the kiosk's
notifications brought onto the UI thread, the idle tick, the locked window."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.base import ExceptionHandler, ExceptionManager
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from ..config import KioskSettings
from ..model import Idle, Kiosk
from ..model.formatting import zone
from ..model.tickets import Refused
from . import theme
from .jobs import Jobs

log = logging.getLogger(__name__)
HERE = Path(__file__).parent


class KeepRunning(ExceptionHandler):
    """A kiosk never quits on an unexpected error: log it, go back to the start."""

    def __init__(self, app: KioskApp) -> None:
        super().__init__()
        self.app = app

    def handle_exception(self, inst: BaseException) -> int:
        if isinstance(inst, KeyboardInterrupt | SystemExit):
            return ExceptionManager.RAISE
        log.exception("unexpected error in the kiosk UI", exc_info=inst)
        Clock.schedule_once(lambda _dt: self.app.home(), 0)
        return ExceptionManager.PASS


class KioskRoot(FloatLayout):
    pass


class KioskApp(App):
    # kv reads words through ``app.tr('key')``: replacing ``tr`` re-evaluates every such rule.
    tr = ObjectProperty(None)
    lang = StringProperty("zh")
    font_scale = NumericProperty(1.0)
    target_scale = NumericProperty(1.0)
    help_text = StringProperty("")
    elder = BooleanProperty(False)
    portrait = BooleanProperty(False)
    hall_name = StringProperty("")
    clock_text = StringProperty("")
    notice_text = StringProperty("")
    notice_bg = ColorProperty(theme.ERROR_BG)
    notice_fg = ColorProperty(theme.ERROR)
    idle_text = StringProperty("")
    busy_text = StringProperty("")
    online = BooleanProperty(False)
    current_screen = StringProperty("home")

    def __init__(self, kiosk: Kiosk, settings: KioskSettings, **kw: Any) -> None:
        super().__init__(**kw)
        self.kiosk = kiosk
        self.settings = settings
        self.jobs: Jobs | None = None
        self.driver: Any = None
        self.sm: ScreenManager | None = None
        self.title = "hallq kiosk"
        self._sync_prefs()

    # -- building -------------------------------------------------------------------------

    def build(self) -> KioskRoot:
        from .screens import SCREENS

        Builder.load_file(str(HERE / "widgets.kv"))
        for screen_cls in SCREENS:
            Builder.load_file(str(screen_cls.kv_path()))
        Builder.load_file(str(HERE / "app.kv"))
        root = KioskRoot()
        self.sm = root.ids.sm
        self.sm.transition = NoTransition()
        for screen_cls in SCREENS:
            self.sm.add_widget(screen_cls(name=screen_cls.screen_name))
        self.sm.bind(current=lambda _sm, name: setattr(self, "current_screen", name))
        return root

    def on_start(self) -> None:
        ExceptionManager.add_handler(KeepRunning(self))
        self.jobs = Jobs()
        Window.clearcolor = theme.BACKGROUND
        Window.bind(on_request_close=self._on_request_close, on_keyboard=self._on_keyboard,
                    on_touch_down=self._on_touch, size=self._on_size)
        self._on_size(Window, Window.size)
        self.kiosk.listeners.append(lambda topic: Clock.schedule_once(lambda _dt: self._on_kiosk(topic)))
        self.kiosk.start()
        Clock.schedule_interval(self._tick, 1.0)
        self._tick(0)
        if self.settings.control_port is not None:
            from .driver import Driver

            self.driver = Driver(self, self.settings.control_port, self.settings.screenshot_dir)

    def on_stop(self) -> None:
        if self.driver is not None:
            self.driver.close()
        if self.jobs is not None:
            self.jobs.shutdown()
        self.kiosk.stop()

    # -- the window -----------------------------------------------------------------------

    def _on_request_close(self, *_args: Any, **_kw: Any) -> bool:
        """True keeps the window open: a locked kiosk cannot be closed from the screen."""
        if self.settings.locked:
            log.info("close refused: the kiosk is locked")
            return True
        return False

    def _on_keyboard(self, _window: Any, key: int, *_args: Any) -> bool:
        # Escape (27) and Android's back (1001) do nothing on a locked kiosk.
        return bool(self.settings.locked and key in (27, 1001))

    def _on_touch(self, *_args: Any) -> None:
        self.kiosk.touch()   # returns None: the touch goes on to the widgets

    def _on_size(self, _window: Any, size: tuple[int, int]) -> None:
        portrait = size[1] > size[0]
        if portrait != self.portrait:
            self.portrait = portrait
            self.refresh_screen()

    # -- state from the view-model --------------------------------------------------------

    def _sync_prefs(self) -> None:
        kiosk = self.kiosk
        if self.lang != kiosk.language or self.tr is None:
            self.tr = kiosk.strings.t
        self.lang = kiosk.language
        self.elder = kiosk.elder
        self.font_scale = kiosk.font_scale
        self.target_scale = kiosk.target_scale

    def _on_kiosk(self, topic: str) -> None:
        self._show_notices()
        hall = self.kiosk.catalog.hall
        self.hall_name = (hall.get("name_en") if self.lang == "en" else hall.get("name_zh")) or \
            hall.get("name_zh") or self.tr("app.title")
        screen = self.screen()
        if screen is not None:
            screen.on_kiosk(topic)

    def _show_notices(self) -> None:
        self.online = self.kiosk.connection.online
        notices = self.kiosk.notices()
        if not notices:
            self.notice_text = ""
            return
        worst = notices[0]
        self.notice_bg, self.notice_fg = theme.NOTICE_COLORS[worst.level]
        lines = []
        for notice in notices:
            # Both languages: whoever stands there must understand what is wrong.
            both = self.kiosk.strings.both(notice.key).replace("\n", "  ·  ")
            lines.append(both)
            if notice.hint:
                lines.append(self.kiosk.strings.both(notice.hint).replace("\n", "  ·  "))
        self.notice_text = "\n".join(lines)

    def _tick(self, _dt: float) -> None:
        zone_name = self.kiosk.catalog.hall.get("timezone")
        self.clock_text = datetime.now(zone(zone_name)).strftime("%H:%M")
        state = self.kiosk.tick()
        if state == Idle.EXPIRED:
            self.idle_text = ""
            if self.current_screen != "home" or self.lang != self.kiosk.language or self.elder:
                self.home(reset=False)
        elif state == Idle.WARNING and self.current_screen != "home":
            self.idle_text = self.tr("idle.warning", seconds=int(self.kiosk.idle.remaining()) + 1)
        else:
            self.idle_text = ""

    # -- what screens call ----------------------------------------------------------------

    def screen(self) -> Any:
        return self.sm.current_screen if self.sm is not None else None

    def screen_named(self, name: str) -> Any:
        assert self.sm is not None
        return self.sm.get_screen(name)

    def go(self, name: str) -> None:
        assert self.sm is not None
        if self.sm.current == name:
            self.refresh_screen()
        self.sm.current = name

    def refresh_screen(self) -> None:
        screen = self.screen()
        if screen is not None:
            screen.refresh()

    def home(self, reset: bool = True) -> None:
        """Back to the start; with ``reset`` everything the visitor typed is forgotten."""
        if reset:
            self.kiosk.reset()
            self.help_text = ""
        self._sync_prefs()
        self._on_kiosk("catalog")
        self.go("home")

    def toggle_language(self) -> None:
        self.kiosk.toggle_language()
        self._sync_prefs()
        self._on_kiosk("language")
        self.refresh_screen()

    def read_aloud(self) -> bool:
        """Read the screen as it stands aloud (the screen says what it shows)."""
        screen = self.screen()
        if screen is None:
            return False
        title, lines, choices = screen.spoken()
        said = self.kiosk.read_screen(title, lines, choices)
        if not said:
            self.help_text = self.tr("elder.no_voice")
        return said

    def call_help(self) -> None:
        def done(outcome: Any) -> None:
            self.help_text = self.tr(outcome.message_key)

        self.work(self.kiosk.call_help, self.current_screen, done=done)

    def toggle_elder(self) -> None:
        self.kiosk.toggle_elder()
        self._sync_prefs()
        self.refresh_screen()

    def work(self, fn: Callable[..., Any], *args: Any, done: Callable[[Any], None] | None = None,
             wait: bool = True) -> None:
        """Run a blocking view-model call on a worker; ``wait`` shows "please wait" over the
        screen meanwhile (and keeps a second touch from sending a second request)."""
        assert self.jobs is not None
        if wait:
            self.busy_text = self.tr("nav.busy")

        def finish(result: Any) -> None:
            if wait and self.jobs is not None and self.jobs.running == 0:
                self.busy_text = ""
            if done is not None:
                done(result)

        def failed(_exc: BaseException) -> None:
            if wait and self.jobs is not None and self.jobs.running == 0:
                self.busy_text = ""
            self.kiosk.wake()
            if done is not None:
                done(Refused("generic"))

        self.jobs.run(fn, *args, done=finish, failed=failed)


def run_app(settings: KioskSettings, kiosk: Kiosk) -> None:
    KioskApp(kiosk, settings).run()
