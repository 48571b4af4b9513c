"""Take a number, step 3: what the ticket is for, how many are ahead and for how long;
optionally an ID number or a mobile number, and the elderly priority where the hall lets
visitors declare it. Then the ticket."""

from __future__ import annotations

from typing import Any

from ...model import Checked, Entry, Issued, Kind, Refused
from ...model.formatting import name, wait_text
from .base import KioskScreen


class ConfirmScreen(KioskScreen):
    screen_name = "confirm"

    def on_pre_enter(self, *args: Any) -> None:
        super().on_pre_enter(*args)
        flow = self.kiosk.take_number
        if flow.estimate is None:
            self.app.work(flow.refresh_estimate, done=lambda _e: self.refresh(), wait=False)

    def on_kiosk(self, topic: str) -> None:
        if topic == "counts":
            self.kiosk.take_number.follow_counts()
        self.refresh()

    def refresh(self) -> None:
        flow = self.kiosk.take_number
        language = self.kiosk.language
        ids = self.ids
        colon = "：" if language == "zh" else ": "
        ids.department.text = f"{self.t('confirm.department')}{colon}{name(flow.department, language)}"
        ids.service.text = f"{self.t('confirm.service')}{colon}{name(flow.service, language)}"
        estimate = flow.estimate
        ids.ahead.text = self.t("confirm.ahead", count=estimate.waiting) if estimate else self.t("confirm.counting")
        ids.wait.text = self.t("confirm.wait", wait=wait_text(self.kiosk.strings, estimate.estimated_wait_s)) \
            if estimate else ""
        ids.id_value.text = flow.id_masked or "—"
        ids.add_id.text = self.t("confirm.change") if flow.id_number else self.t("confirm.add")
        ids.phone_value.text = flow.phone_masked or "—"
        ids.add_phone.text = self.t("confirm.change") if flow.phone else self.t("confirm.add")
        for button, shown in ((ids.remove_id, bool(flow.id_number)), (ids.remove_phone, bool(flow.phone))):
            button.opacity = 1 if shown else 0
            button.disabled = not shown
        elderly = "elderly" in flow.allowed_priorities()
        ids.elderly.opacity = 1 if elderly else 0
        ids.elderly.disabled = not elderly
        ids.elderly.selected = flow.priority == "elderly"
        ids.elderly.text = self.t("confirm.elderly.on") if flow.priority == "elderly" else self.t("confirm.elderly")
        ids.desk.text = self.t("confirm.desk_priority")
        outcome = flow.outcome
        if isinstance(outcome, Refused):
            ids.error.text = self.t(outcome.message_key, **outcome.values(self.kiosk.catalog.hall.get("timezone")))
            ids.take.text = self.t("nav.retry") if outcome.retry else self.t("confirm.take")
        else:
            ids.error.text = ""
            ids.take.text = self.t("confirm.take")
        ids.take.disabled = not self.kiosk.can_issue and not (isinstance(outcome, Refused) and outcome.retry)

    def enter_id(self) -> None:
        flow = self.kiosk.take_number

        def accept(checked: Checked) -> None:
            flow.set_id_number(checked.value)
            self.app.go("confirm")

        self.app.screen_named("entry").open(Entry(Kind.ID_NUMBER), "entry.id_number", accept, back="confirm")

    def enter_phone(self) -> None:
        flow = self.kiosk.take_number

        def accept(checked: Checked) -> None:
            flow.set_phone(checked.value)
            self.app.go("confirm")

        self.app.screen_named("entry").open(Entry(Kind.PHONE), "entry.phone", accept, back="confirm")

    def remove_id(self) -> None:
        self.kiosk.take_number.clear_id_number()
        self.refresh()

    def remove_phone(self) -> None:
        self.kiosk.take_number.clear_phone()
        self.refresh()

    def toggle_elderly(self) -> None:
        flow = self.kiosk.take_number
        flow.set_priority("normal" if flow.priority == "elderly" else "elderly")
        self.refresh()

    def take(self) -> None:
        self.app.work(self.kiosk.take_number.confirm, done=self._answered)

    def _answered(self, outcome: Any) -> None:
        if isinstance(outcome, Issued):
            self.app.screen_named("ticket").show(outcome)
        else:
            self.refresh()

    def back(self) -> None:
        self.kiosk.take_number.back()
        self.app.go("services")
