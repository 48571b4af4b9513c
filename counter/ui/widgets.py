"""Small widgets the counter's screens share."""

from __future__ import annotations

from kivy.properties import ColorProperty, StringProperty
from kivy.uix.button import Button


class FlatButton(Button):
    """A flat, coloured button (``tint``)."""

    tint = ColorProperty((0.2, 0.4, 0.65, 1))


class CounterAction(FlatButton):
    """A button for one counter action; enabled when the view-model allows the action."""

    action = StringProperty("")
