"""The start: four large choices. Those that need the server are greyed out while it is away."""

from __future__ import annotations

from .base import KioskScreen


class HomeScreen(KioskScreen):
    screen_name = "home"

    def refresh(self) -> None:
        kiosk = self.kiosk
        self.ids.take_number.disabled = not kiosk.can_issue
        self.ids.check_in.disabled = not kiosk.can_issue
        self.ids.credit.disabled = not kiosk.can_look_up_credit
        self.ids.guides.disabled = not kiosk.can_browse_guides

    def on_kiosk(self, topic: str) -> None:
        self.refresh()

    def take_number(self) -> None:
        self.kiosk.take_number.reset()
        self.app.go("departments")

    def check_in(self) -> None:
        self.kiosk.check_in.reset()
        self.app.go("checkin")

    def guides(self) -> None:
        self.kiosk.guides.reset()
        self.app.go("guides")

    def credit(self) -> None:
        self.kiosk.credit.reset()
        self.app.go("credit")
