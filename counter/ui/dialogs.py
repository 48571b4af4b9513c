"""Dialogs that complete an action: the number to call or resume, the reason for a pause,
the queue to transfer to. The view-model asks for one by setting ``request``."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.metrics import dp
from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView

from ..model import Action, CounterModel
from .widgets import FlatButton

PAD = ("1", "2", "3", "A", "4", "5", "6", "B", "7", "8", "9", "C", "0", "⌫")


class NumberDialog(ModalView):
    """The number for call-number or resume."""

    action = StringProperty(Action.CALL_NUMBER.value)
    title_key = StringProperty("call_number.title")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for key in PAD:
            button = FlatButton(text=key, font_size=dp(26), tint=(0.3, 0.38, 0.48, 1))
            button.bind(on_release=lambda b: self._key(b.text))
            self.ids.pad.add_widget(button)

    def ask(self, action: Action) -> None:
        self.action = action.value
        self.title_key = "resume.title" if action is Action.RESUME else "call_number.title"
        self.ids.number.text = ""
        self.open()
        self.ids.number.focus = True

    def _key(self, key: str) -> None:
        field = self.ids.number
        field.text = field.text[:-1] if key == "⌫" else (field.text + key)[:10]

    def confirm(self) -> None:
        text = self.ids.number.text.strip()
        if text:
            App.get_running_app().press(self.action, text)

    def cancel(self) -> None:
        App.get_running_app().model.cancel_request()


class PauseDialog(ModalView):
    def ask(self) -> None:
        self.ids.reason.text = ""
        self.open()

    def choose(self, key: str) -> None:
        model: CounterModel = App.get_running_app().model
        App.get_running_app().press(Action.PAUSE.value, model.text(key))

    def confirm(self) -> None:
        reason = self.ids.reason.text.strip()
        if reason:
            App.get_running_app().press(Action.PAUSE.value, reason)

    def cancel(self) -> None:
        App.get_running_app().model.cancel_request()


class TransferDialog(ModalView):
    """Every other queue, searchable by Chinese, pinyin initials or prefix."""

    ticket = StringProperty("")
    count_text = StringProperty("")

    def ask(self, model: CounterModel) -> None:
        self.ticket = model.current.number if model.current else ""
        self.ids.search.text = ""
        self.search("")
        self.open()

    def search(self, query: str) -> None:
        model: CounterModel = App.get_running_app().model
        items = self.ids.queue_list
        items.clear_widgets()
        choices = model.transfer_choices(query)
        self.count_text = "" if choices else model.text("transfer.none")
        for entry in choices[:60]:
            button = FlatButton(text=model.text("transfer.item", prefix=entry.prefix, name=model.queue_name(entry)),
                                tint=(0.45, 0.35, 0.65, 1), font_size=dp(18))
            button.queue_id = entry.id
            button.bind(on_release=lambda b: App.get_running_app().press(Action.TRANSFER.value, str(b.queue_id)))
            items.add_widget(button)

    def cancel(self) -> None:
        App.get_running_app().model.cancel_request()
