"""Dialogs that complete an action: the number to call or resume, the reason for a pause,
the queue to transfer to. The view-model asks for one by setting ``request``."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.metrics import dp
from kivy.properties import StringProperty
from kivy.uix.modalview import ModalView

from ..model import Action, CounterModel
from ..model.pad import DIGITS, LETTERS, key_label, typed
from .widgets import FlatButton


class NumberDialog(ModalView):
    """The number for call-number or resume: digits on the left, the prefixes' letters on
    the right."""

    action = StringProperty(Action.CALL_NUMBER.value)
    title_key = StringProperty("call_number.title")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for keys, grid, tint in ((DIGITS, self.ids.digits, (0.3, 0.38, 0.48, 1)),
                                 (LETTERS, self.ids.letters, (0.2, 0.45, 0.65, 1))):
            for key in keys:
                button = FlatButton(text=key_label(key), font_size=dp(24), tint=tint)
                button.pad_key = key
                button.bind(on_release=lambda b: self._key(b.pad_key))
                grid.add_widget(button)

    def ask(self, action: Action) -> None:
        self.action = action.value
        self.title_key = "resume.title" if action is Action.RESUME else "call_number.title"
        self.ids.number.text = ""
        self.open()
        self.ids.number.focus = True

    def _key(self, key: str) -> None:
        self.ids.number.text = typed(self.ids.number.text, key)

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


class ConfirmDialog(ModalView):
    """The clerk's yes before a no-show or a transfer (both can be undone for a few seconds)."""

    question = StringProperty("")
    hint = StringProperty("")

    def ask(self, model: CounterModel) -> None:
        asked = model.confirming
        assert asked is not None
        self.question = model.text(f"confirm.{asked.action.value}", number=asked.number, queue=asked.queue_name)
        self.hint = model.text("confirm.undo_hint", seconds=int(model.config.undo_s))
        self.open()

    def confirm(self) -> None:
        App.get_running_app().model.confirm()

    def cancel(self) -> None:
        App.get_running_app().model.cancel_confirm()
