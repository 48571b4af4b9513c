"""Signing in (card or username and password) and choosing the window."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.metrics import dp
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from ..model import CounterModel
from .widgets import FlatButton


class SignInScreen(Screen):
    message = StringProperty("")
    server_text = StringProperty("")
    window_text = StringProperty("")
    busy = BooleanProperty(False)
    ready = BooleanProperty(False)

    def on_enter(self, *args: Any) -> None:
        # A card reader types into whatever has focus: the card field.
        Clock.schedule_once(lambda _dt: setattr(self.ids.card, "focus", True), 0.2)

    def sync(self, model: CounterModel) -> None:
        self.busy = model.signing_in
        self.ready = model.client is not None
        self.message = _message_text(model)
        self.server_text = (model.text("signin.server", url=model.server_url) if model.server_url
                            else model.text("signin.connecting"))
        if model.config.window and not self.window_text:
            self.window_text = str(model.config.window)

    def _window(self) -> int | None:
        text = self.ids.window.text.strip()
        return int(text) if text.isdigit() and 1 <= int(text) <= 9999 else None

    def submit_card(self) -> None:
        card = self.ids.card.text
        self.ids.card.text = ""
        App.get_running_app().model.sign_in(card=card, window=self._window())

    def submit(self) -> None:
        if self.ids.card.text.strip():
            self.submit_card()
            return
        model = App.get_running_app().model
        if model.sign_in(username=self.ids.username.text, password=self.ids.password.text,
                         window=self._window()):
            self.ids.password.text = ""


class WindowScreen(Screen):
    message = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._shown: tuple[str, list[int]] | None = None

    def sync(self, model: CounterModel) -> None:
        self.message = _message_text(model)
        shown = (model.strings.language, [int(w["number"]) for w in model.windows])
        if shown == self._shown:
            return
        self._shown = shown
        grid = self.ids.grid
        grid.clear_widgets()
        for w in model.windows:
            name = w.get("name_en") if model.strings.language == "en" else w.get("name_zh")
            button = FlatButton(text=f"{model.text('window.item', number=w['number'])}\n{name or ''}",
                                font_size=dp(17), tint=(0.16, 0.42, 0.7, 1))
            button.window_number = int(w["number"])
            button.bind(on_release=lambda b: App.get_running_app().model.choose_window(b.window_number))
            grid.add_widget(button)


def _message_text(model: CounterModel) -> str:
    m = model.message
    if m is None or m.kind != "error":
        return ""
    return model.text(m.key, **{"code": m.code or "", **m.params})
