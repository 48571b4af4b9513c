"""Service guides: pick a department or search by pinyin initials, then an item."""

from __future__ import annotations

from typing import Any

from kivy.uix.widget import Widget

from ...model import Checked, Entry, Kind
from ...model.formatting import name
from ...model.paging import grid, list_grid, page_of
from ..widgets import Tile
from .base import KioskScreen
from .services import promise


class GuidesScreen(KioskScreen):
    screen_name = "guides"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.page = 1

    def refresh(self) -> None:
        browser = self.kiosk.guides
        language = self.kiosk.language
        ids = self.ids
        ids.search.text = self.t("dept.search.active", query=browser.query.upper()) if browser.query \
            else self.t("guides.search")
        ids.clear_search.opacity = 0 if browser.browsing else 1
        ids.clear_search.disabled = browser.browsing
        box = ids.grid
        box.clear_widgets()
        if browser.browsing:
            departments = self.kiosk.catalog.departments_in(None)
            columns, rows = grid(self.app.portrait, self.kiosk.elder)
            page = page_of(departments, self.page, columns * rows)
            for dept in page.items:
                where = self.t("guide.location", floor=dept.get("floor") or "-", zone=dept.get("zone") or "-",
                               department="").rstrip(" ·")
                tile = Tile(title=name(dept, language), sub=where, tid=f"gdept-{dept['id']}")
                tile.bind(on_release=lambda _t, d=dept: self.choose_department(int(d["id"])))
                box.add_widget(tile)
            ids.count.text = self.t("guides.cached") if not self.kiosk.connection.online else ""
        else:
            columns, rows = list_grid(self.app.portrait, self.kiosk.elder)
            page = page_of(browser.results, self.page, columns * rows)
            for item in page.items:
                owner: dict[str, Any] | None = {"name_zh": item.get("department_name_zh"),
                                                "name_en": item.get("department_name_en")} \
                    if item.get("department_name_zh") else self.kiosk.catalog.department(int(item["department_id"]))
                sub = " · ".join(p for p in (name(owner, language), promise(self, item)) if p)
                tile = Tile(title=name(item, language), sub=sub, tid=f"guide-{item['id']}")
                tile.bind(on_release=lambda _t, i=item: self.open_guide(int(i["id"])))
                box.add_widget(tile)
            parts = [self.t("guides.count", count=browser.total) if browser.results else self.t("guides.none")]
            if browser.total > len(browser.results):
                parts.append(self.t("guides.more", shown=len(browser.results)))
            if browser.cached:
                parts.append(self.t("guides.cached"))
            ids.count.text = "  ·  ".join(parts)
        box.cols = columns
        self.page = page.number
        for _ in range(columns * rows - len(page.items)):
            box.add_widget(Widget())
        self.show_pager(page)

    def on_kiosk(self, topic: str) -> None:
        if topic in ("catalog", "connection") and self.kiosk.guides.browsing:
            self.refresh()

    def turn(self, step: int) -> None:
        self.page += step
        self.refresh()

    def choose_department(self, department_id: int) -> None:
        self.page = 1
        self.app.work(self.kiosk.guides.search, "", department_id, done=lambda _r: self.refresh())

    def search(self) -> None:
        browser = self.kiosk.guides

        def accept(checked: Checked) -> None:
            self.page = 1
            self.app.work(browser.search, checked.value, None, done=lambda _r: self.app.go("guides"))

        self.app.screen_named("entry").open(Entry(Kind.SEARCH, browser.query.upper()), "entry.guide_search",
                                            accept, back="guides")

    def clear_search(self) -> None:
        self.kiosk.guides.reset()
        self.page = 1
        self.refresh()

    def open_guide(self, service_id: int) -> None:
        self.app.work(self.kiosk.guides.open, service_id, done=lambda _g: self.app.go("guide"))

    def back(self) -> None:
        if self.kiosk.guides.browsing:
            self.app.home()
        else:
            self.clear_search()
