"""Take a number, step 1: a department, by category or by pinyin initials, a page at a time."""

from __future__ import annotations

from typing import Any

from kivy.uix.widget import Widget

from ...model import Checked, Entry, Kind
from ...model.formatting import name
from ...model.paging import grid, page_of
from .. import theme
from ..widgets import KButton, Tile
from .base import KioskScreen


class DepartmentsScreen(KioskScreen):
    screen_name = "departments"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.page = 1
        self.departments: list[dict[str, Any]] = []

    def refresh(self) -> None:
        flow = self.kiosk.take_number
        self.ids.search.text = self.t("dept.search.active", query=flow.query.upper()) if flow.query \
            else self.t("dept.search")
        self.ids.clear_search.opacity = 1 if flow.query else 0
        self.ids.clear_search.disabled = not flow.query
        self._categories()
        if flow.query:
            self.app.work(flow.departments, done=self._show, wait=False)
        else:
            self._show(flow.departments())

    def on_kiosk(self, topic: str) -> None:
        if topic in ("counts", "catalog"):
            self._draw()

    def _categories(self) -> None:
        box = self.ids.categories
        box.clear_widgets()
        box.cols = 5 if self.app.portrait else 1
        flow = self.kiosk.take_number
        choices = [(None, self.t("dept.all"))] + [(c["id"], name(c, self.kiosk.language))
                                                  for c in self.kiosk.catalog.categories]
        for category_id, label in choices:
            button = KButton(text=label, tid=f"cat-{category_id or 'all'}", size_sp=theme.SMALL,
                             bg=theme.SURFACE, fg=theme.TEXT,
                             selected=not flow.query and flow.category_id == category_id)
            if button.selected:
                button.fg = theme.ON_DARK
            button.bind(on_release=lambda _b, c=category_id: self.choose_category(c))
            box.add_widget(button)

    def _show(self, departments: list[dict[str, Any]]) -> None:
        self.departments = list(departments)
        self._draw()

    def _draw(self) -> None:
        app = self.app
        columns, rows = grid(app.portrait, self.kiosk.elder)
        flow = self.kiosk.take_number
        if flow.shows_categories(self.kiosk.elder):
            self._draw_categories(columns, rows)
            return
        page = page_of(self.departments, self.page, columns * rows)
        self.page = page.number
        box = self.ids.grid
        box.clear_widgets()
        box.cols = columns
        self.ids.empty.text = "" if self.departments else self.t("dept.none")
        for dept in page.items:
            waiting = self.kiosk.catalog.waiting_in(int(dept["id"]))
            tile = Tile(title=name(dept, self.kiosk.language), sub=self.t("dept.waiting", count=waiting),
                        tid=f"dept-{dept['id']}")
            tile.bind(on_release=lambda _t, d=dept: self.choose(int(d["id"])))
            box.add_widget(tile)
        for _ in range(columns * rows - len(page.items)):
            box.add_widget(Widget())   # keeps the tiles their size on a last, shorter page
        self.show_pager(page)

    def _draw_categories(self, columns: int, rows: int) -> None:
        """Large-text mode: the kind of matter first, as large tiles a page at a time."""
        page = page_of(self.kiosk.take_number.categories(), self.page, columns * rows)
        self.page = page.number
        box = self.ids.grid
        box.clear_widgets()
        box.cols = columns
        self.ids.empty.text = ""
        for category in page.items:
            cid = category["id"]
            label = name(category, self.kiosk.language) if cid is not None else self.t("dept.all")
            tile = Tile(title=label, tid=f"ecat-{cid or 'all'}",
                        title_sp=theme.TILE + 2)
            tile.bind(on_release=lambda _t, c=cid: self.choose_category(c))
            box.add_widget(tile)
        for _ in range(columns * rows - len(page.items)):
            box.add_widget(Widget())
        self.show_pager(page)

    def back(self) -> None:
        """Large-text mode goes back to the categories before going home."""
        flow = self.kiosk.take_number
        if self.kiosk.elder and flow.category_chosen:
            flow.category_chosen = False
            flow.search("")
            self.page = 1
            self.refresh()
            return
        self.app.go("home")

    def choose_category(self, category_id: int | None) -> None:
        self.kiosk.take_number.choose_category(category_id)
        self.page = 1
        self.refresh()

    def turn(self, step: int) -> None:
        self.page += step
        self._draw()

    def search(self) -> None:
        flow = self.kiosk.take_number

        def accept(checked: Checked) -> None:
            flow.search(checked.value)
            self.page = 1
            self.app.go("departments")

        self.app.screen_named("entry").open(Entry(Kind.SEARCH, flow.query.upper()), "entry.search", accept,
                                            back="departments")

    def clear_search(self) -> None:
        self.kiosk.take_number.search("")
        self.page = 1
        self.refresh()

    def choose(self, department_id: int) -> None:
        flow = self.kiosk.take_number
        self.app.work(flow.choose_department, department_id, done=lambda _s: self.app.go("services"))
