"""Appointment check-in: booking code or ID number on the pad, then the priority ticket."""

from __future__ import annotations

from typing import Any

from ...model import Checked, Issued, Kind, Refused
from .base import KioskScreen


class CheckInScreen(KioskScreen):
    screen_name = "checkin"

    def refresh(self) -> None:
        self.ids.card.disabled = not self.kiosk.id_card.available
        self.ids.card.opacity = 1 if self.kiosk.id_card.available else 0
        self.ids.card_message.text = ""

    def read_card(self) -> None:
        """The ID card on the reader gives the number; the visitor sees it on the pad and
        confirms it as if typed. A failed read says why and fills nothing."""
        def done(read: Any) -> None:
            if read.ok:
                self._enter()
            else:
                self.ids.card_message.text = self.t(read.message_key)

        self.ids.card_message.text = ""
        self.app.work(self.kiosk.read_id_card, "checkin", done=done)

    def start(self, mode: str) -> None:
        self.kiosk.check_in.set_mode(Kind(mode))
        self._enter()

    def _enter(self) -> None:
        flow = self.kiosk.check_in
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
