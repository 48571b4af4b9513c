"""Take a number, step 2: the department's service items."""

from __future__ import annotations

from typing import Any

from kivy.uix.widget import Widget

from ...model.formatting import name
from ...model.paging import list_grid, page_of
from ..widgets import Tile
from .base import KioskScreen


def promise(screen: KioskScreen, item: dict[str, Any]) -> str:
    days = item.get("promised_days")
    if days is None:
        return ""
    label = screen.t("guide.same_day") if days == 0 else screen.t("guide.days", days=days)
    return f"{screen.t('guide.time_limit')}：{label}" if screen.kiosk.language == "zh" \
        else f"{screen.t('guide.time_limit')}: {label}"


class ServicesScreen(KioskScreen):
    screen_name = "services"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.page = 1

    def on_pre_enter(self, *args: Any) -> None:
        self.page = 1
        super().on_pre_enter(*args)

    def refresh(self) -> None:
        flow = self.kiosk.take_number
        language = self.kiosk.language
        self.ids.title.text = name(flow.department, language) or self.t("service.title")
        columns, rows = list_grid(self.app.portrait, self.kiosk.elder)
        page = page_of(flow.services, self.page, columns * rows)
        self.page = page.number
        box = self.ids.grid
        box.clear_widgets()
        box.cols = columns
        self.ids.empty.text = "" if flow.services else self.t("service.none")
        for item in page.items:
            tile = Tile(title=name(item, language), sub=promise(self, item), tid=f"service-{item['id']}")
            tile.bind(on_release=lambda _t, i=item: self.choose(int(i["id"])))
            box.add_widget(tile)
        for _ in range(columns * rows - len(page.items)):
            box.add_widget(Widget())
        self.show_pager(page)

    def turn(self, step: int) -> None:
        self.page += step
        self.refresh()

    def choose(self, service_id: int) -> None:
        self.kiosk.take_number.choose_service(service_id)
        self.app.go("confirm")

    def back(self) -> None:
        self.kiosk.take_number.back()
        self.app.go("departments")
