"""The kiosk's building blocks: big buttons, tiles, captions, a typed-text field, keypads,
a pager. Every widget a test may touch or read carries a ``tid`` (test id)."""

from __future__ import annotations

from collections.abc import Callable

from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.gridlayout import GridLayout
from kivy.uix.label import Label

from . import theme


class Tid:
    """A stable name a test driver finds the widget by (like an HTML id)."""

    tid = StringProperty("")


class Caption(Tid, Label):
    """A wrapping line of text that takes the height it needs."""

    size_sp = NumericProperty(theme.BODY)
    fg = ColorProperty(theme.TEXT)


class Field(Tid, Label):
    """Where typed text shows: a white box with a border, text large and centred."""

    size_sp = NumericProperty(theme.KEY)
    placeholder = StringProperty("")
    error = BooleanProperty(False)


class KButton(Tid, ButtonBehavior, Label):
    """A big rounded button with one line (or a few) of text."""

    bg = ColorProperty(theme.PRIMARY)
    fg = ColorProperty(theme.ON_DARK)
    size_sp = NumericProperty(theme.BUTTON)
    selected = BooleanProperty(False)


class Tile(Tid, ButtonBehavior, BoxLayout):
    """A large touch target with a title and a smaller second line (a department and how
    many wait, a service item and its time limit)."""

    title = StringProperty("")
    sub = StringProperty("")
    bg = ColorProperty(theme.SURFACE)
    fg = ColorProperty(theme.TEXT)
    sub_fg = ColorProperty(theme.MUTED)
    title_sp = NumericProperty(theme.TILE)
    sub_sp = NumericProperty(theme.SMALL)

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.sub}" if self.sub else self.title


class Keypad(GridLayout):
    """The app's own keys for one kind of field (no system keyboard, no IME): one button per
    key, ``tid`` ``key-<K>``; ``on_key`` receives the key's character."""

    def __init__(self, rows: tuple[str, ...], on_key: Callable[[str], None], **kw: object) -> None:
        super().__init__(**kw)
        self.cols = max(len(r) for r in rows)
        self.spacing = 10
        for row in rows:
            for key in row.ljust(self.cols):
                if key == " ":
                    self.add_widget(Label())
                    continue
                button = KButton(text=key, tid=f"key-{key}", size_sp=theme.KEY, bg=theme.SURFACE, fg=theme.TEXT)
                button.bind(on_release=lambda _b, k=key: on_key(k))
                self.add_widget(button)
