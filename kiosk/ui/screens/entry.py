"""Typing on the kiosk's own pad: digits and X for an ID number, digits for a phone, the
booking-code alphabet, letters for pinyin initials. The text is checked where it is typed
and the reason for a refusal shows right under the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...model import PADS, Checked, Entry, Kind, Refused
from .. import theme
from ..widgets import Keypad
from .base import KioskScreen

# Digits pads stay narrow and centred: big keys where the hand expects them.
NARROW = {Kind.ID_NUMBER, Kind.PHONE}


class EntryScreen(KioskScreen):
    screen_name = "entry"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.entry = Entry(Kind.SEARCH)
        self.prompt = "entry.search"
        self.accept: Callable[[Checked], None] = lambda _c: None
        self.back = "home"
        self.message = ""
        self.message_values: dict[str, str] = {}
        self.warning = ""

    def open(self, entry: Entry, prompt: str, accept: Callable[[Checked], None], back: str) -> None:
        self.entry, self.prompt, self.accept, self.back = entry, prompt, accept, back
        self.message, self.message_values, self.warning = "", {}, ""
        self.app.go("entry")

    def refresh(self) -> None:
        self.ids.prompt.text = self.t(self.prompt)
        pad = self.ids.pad
        pad.clear_widgets()
        narrow = self.entry.kind in NARROW
        keypad = Keypad(PADS[self.entry.kind], self.key, size_hint=(0.55 if narrow else 1, 1),
                        pos_hint={"center_x": 0.5, "y": 0})
        pad.add_widget(keypad)
        self._show()

    def _show(self) -> None:
        ids = self.ids
        ids.field.text = self.entry.display
        ids.field.error = bool(self.message)
        ids.error.text = self.t(self.message, **self.message_values) if self.message else ""
        ids.error.color = theme.ERROR
        if not self.message and self.warning:
            ids.error.text = self.t(self.warning)
            ids.error.color = theme.WARNING

    def key(self, key: str) -> None:
        self.entry.press(key)
        self.message, self.warning = "", ""
        self._show()

    def backspace(self) -> None:
        self.entry.backspace()
        self.message, self.warning = "", ""
        self._show()

    def clear(self) -> None:
        self.entry.clear()
        self.message, self.warning = "", ""
        self._show()

    def done(self) -> None:
        checked = self.entry.submit()
        if not checked.ok:
            self.message, self.message_values = checked.error, {}
            self._show()
            return
        self.warning = checked.warning
        self._show()
        self.accept(checked)

    def refuse(self, refused: Refused) -> None:
        """The server refused what was typed (an unknown booking code): say why here."""
        self.message = refused.message_key
        self.message_values = refused.values(self.kiosk.catalog.hall.get("timezone"))
        self._show()

    def cancel(self) -> None:
        self.app.go(self.back)
