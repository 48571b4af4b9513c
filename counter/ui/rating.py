"""The visitor's rating panel: full screen, in front of the clerk's controls, when no
evaluator is attached. One touch on a level records the rating and closes the panel at
once, so nothing the clerk could see afterwards shows which level it was; reasons for a
bad rating (差评) are picked before the level, and sent only with a bad one."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.modalview import ModalView
from kivy.uix.togglebutton import ToggleButton

from ..model.evaluation import BAD_AT_OR_BELOW, BAD_REASONS
from .widgets import FlatButton


class LevelButton(FlatButton):
    level = NumericProperty(5)


class RatingPanel(ModalView):
    ticket = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._reasons: dict[str, ToggleButton] = {}

    def show(self, number: str) -> None:
        app = App.get_running_app()
        self.ticket = app.model.text("rating.ticket", number=number)
        self.ids.reasons.clear_widgets()
        self._reasons = {}
        for key in BAD_REASONS:
            toggle = ToggleButton(text=app.model.text(key), font_size="17sp")
            self._reasons[key] = toggle
            self.ids.reasons.add_widget(toggle)
        if self.parent is None:
            self.open(animation=False)

    def choose(self, level: int) -> None:
        reasons = [key for key, toggle in self._reasons.items() if toggle.state == "down"] \
            if level <= BAD_AT_OR_BELOW else []
        for toggle in self._reasons.values():
            toggle.state = "normal"
        App.get_running_app().model.rate_on_screen(level, reasons)

    def skip(self) -> None:
        App.get_running_app().model.skip_rating()

    def toggle_reason(self, key: str) -> None:
        toggle = self._reasons.get(key)
        if toggle is not None:
            toggle.state = "normal" if toggle.state == "down" else "down"
