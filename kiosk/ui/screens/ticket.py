"""The ticket: the number very large, where and how long, and the status QR code, shown
whether or not the printer managed to print it."""

from __future__ import annotations

import io
from typing import Any

from kivy.core.image import Image as CoreImage

from ...model import Issued
from ...model.formatting import name, wait_text
from ...model.qr import qr_png
from .. import theme
from .base import KioskScreen


class TicketScreen(KioskScreen):
    screen_name = "ticket"

    def __init__(self, **kw: Any) -> None:
        super().__init__(**kw)
        self.outcome: Issued | None = None
        self._qr_for = ""

    def show(self, outcome: Issued) -> None:
        self.outcome = outcome
        self.app.go("ticket")

    def refresh(self) -> None:
        outcome = self.outcome
        if outcome is None:
            return
        ids = self.ids
        language = self.kiosk.language
        ids.number.text = outcome.number
        ids.priority.text = self.t(outcome.priority_key) if outcome.priority_key else ""
        where = name(outcome.department, language)
        what = name(outcome.service, language) or name(outcome.queue, language)
        ids.service.text = " · ".join(p for p in (where, what) if p)
        ids.ahead.text = self.t("ticket.ahead", count=outcome.ahead)
        ids.wait.text = self.t("ticket.wait", wait=wait_text(self.kiosk.strings, outcome.estimated_wait_s))
        printed = outcome.printed
        if printed.printed:
            ids.printed.text, ids.printed.color = self.t("ticket.printed"), theme.OK
        else:
            ids.printed.text, ids.printed.color = self.t("ticket.not_printed"), theme.ERROR
        if outcome.status_url and outcome.status_url != self._qr_for:
            texture = CoreImage(io.BytesIO(qr_png(outcome.status_url)), ext="png").texture
            texture.mag_filter = "nearest"   # crisp modules: a phone must read it off the screen
            ids.qr.texture = texture
            self._qr_for = outcome.status_url
        if self.kiosk.elder:
            self.kiosk.read_ticket()   # large-text mode reads the new ticket aloud by itself

    def done(self) -> None:
        self.app.home()
