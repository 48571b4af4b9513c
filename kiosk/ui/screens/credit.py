"""Credit lookup: a unified social credit code or a name's initials, then the companies."""

from __future__ import annotations

from typing import Any

from kivy.uix.widget import Widget

from ...model import Checked
from ...model.paging import list_grid, page_of
from .. import theme
from ..widgets import Tile
from .base import KioskScreen


class CreditScreen(KioskScreen):
    screen_name = "credit"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.page = 1

    def refresh(self) -> None:
        lookup = self.kiosk.credit
        ids = self.ids
        typed = lookup.checked.value if lookup.checked is not None and lookup.searched else ""
        ids.query.text = typed.upper() if typed else self.t("credit.input")
        message, color = "", theme.MUTED
        if lookup.refused is not None:
            message, color = self.t(lookup.refused.message_key), theme.ERROR
        elif lookup.warning:
            message, color = self.t(lookup.warning), theme.WARNING
        elif lookup.searched:
            message = self.t("credit.results", count=len(lookup.results)) if lookup.results else self.t("credit.none")
        else:
            message = self.t("credit.hint")
        ids.message.text, ids.message.color = message, color
        columns, rows = list_grid(self.app.portrait, self.kiosk.elder)
        page = page_of(lookup.results, self.page, columns * rows)
        self.page = page.number
        box = ids.grid
        box.clear_widgets()
        box.cols = columns
        for company in page.items:
            status = self.t(f"credit.status.{company.get('status') or 'active'}")
            counts = self.t("credit.summary", licences=company.get("licences", 0), penalties=company.get("penalties", 0))
            lists = "、".join(self.t(f"credit.list.{code}") for code in company.get("lists") or [])
            sub = " · ".join(p for p in (company["code"], status, counts, lists) if p)
            tile = Tile(title=company["name"], sub=sub, tid=f"company-{company['code']}",
                        sub_fg=theme.ERROR if "dishonest" in (company.get("lists") or []) else theme.MUTED)
            tile.bind(on_release=lambda _t, c=company: self.open_company(str(c["code"])))
            box.add_widget(tile)
        for _ in range(columns * rows - len(page.items)):
            box.add_widget(Widget())
        self.show_pager(page)

    def on_kiosk(self, topic: str) -> None:
        if topic == "connection":
            self.refresh()

    def turn(self, step: int) -> None:
        self.page += step
        self.refresh()

    def enter(self) -> None:
        lookup = self.kiosk.credit

        def accept(_checked: Checked) -> None:
            lookup.accept()
            self.page = 1
            self.app.work(lookup.search, done=lambda _r: self.app.go("credit"))

        self.app.screen_named("entry").open(lookup.entry, "entry.credit", accept, back="credit")

    def open_company(self, code: str) -> None:
        self.app.work(self.kiosk.credit.open, code, done=lambda _r: self.app.go("company"))
