"""Appointment check-in: booking code or ID number on the pad, then the priority ticket."""

from __future__ import annotations

from typing import Any

from ...model import Checked, Issued, Kind, Refused
from .base import KioskScreen


class CheckInScreen(KioskScreen):
    screen_name = "checkin"

    def start(self, mode: str) -> None:
        flow = self.kiosk.check_in
        flow.set_mode(Kind(mode))
        entry_screen = self.app.screen_named("entry")

        def accept(_checked: Checked) -> None:
            flow.accept()
            self.app.work(flow.submit, done=self._answered)

        prompt = "entry.booking_code" if flow.mode == Kind.BOOKING_CODE else "entry.id_number"
        entry_screen.open(flow.entry, prompt, accept, back="checkin")

    def _answered(self, outcome: Any) -> None:
        if isinstance(outcome, Issued):
            self.app.screen_named("ticket").show(outcome)
        elif isinstance(outcome, Refused):
            self.app.screen_named("entry").refuse(outcome)
