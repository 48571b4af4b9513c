"""What every kiosk screen shares: its .kv file beside it, the app and the view-model."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kivy.app import App
from kivy.uix.screenmanager import Screen

from ...model import Kiosk
from ...model.paging import Page

if TYPE_CHECKING:
    from ..app import KioskApp


class KioskScreen(Screen):
    screen_name = ""

    @classmethod
    def kv_path(cls) -> Path:
        return Path(inspect.getfile(cls)).with_suffix(".kv")

    @property
    def app(self) -> KioskApp:
        app = App.get_running_app()
        assert app is not None
        return app  # type: ignore[return-value]

    @property
    def kiosk(self) -> Kiosk:
        return self.app.kiosk

    def t(self, key: str, **values: Any) -> str:
        return self.kiosk.strings.t(key, **values)

    def refresh(self) -> None:
        """Redraw from the view-model (entering the screen, language or size changed)."""

    def spoken(self) -> tuple[str, list[str], list[str]]:
        """What reading this screen aloud says: (title, lines, choices), in reading order,
        from what is visible now (the view-model decides how it is put into words)."""
        from kivy.uix.label import Label

        from ..widgets import KButton, Tile

        lines: list[str] = []
        choices: list[str] = []

        def walk(widget: Any) -> None:
            if getattr(widget, "opacity", 1) == 0:
                return
            if isinstance(widget, Tile):
                if not widget.disabled and widget.title:
                    choices.append(widget.title)
                return
            if isinstance(widget, KButton):
                if not widget.disabled and widget.text:
                    choices.append(widget.text)
                return
            if isinstance(widget, Label):
                if widget.text.strip():
                    lines.append(widget.text.strip())
                return
            for child in reversed(widget.children):
                walk(child)

        walk(self)
        title = lines.pop(0) if lines else ""
        return title, lines, choices

    def on_pre_enter(self, *_args: Any) -> None:
        self.refresh()

    def on_kiosk(self, topic: str) -> None:
        """The kiosk's state changed (connection, printer, counts, catalog)."""

    def show_pager(self, page: Page[Any]) -> None:
        """Fill the shared pager row (ids prev, next, page_label) from ``page``."""
        ids = self.ids
        if "prev" in ids:
            ids.prev.disabled = not page.has_prev
            ids.next.disabled = not page.has_next
            ids.page_label.text = self.t("nav.page", page=page.number, pages=page.pages) if page.pages > 1 else ""
