"""One service guide: materials, conditions, steps, time limit, fees, legal basis and
where to go; print the materials checklist, or take a number for the item."""

from __future__ import annotations

from typing import Any

from kivy.uix.label import Label

from ...model.guides import GuideView
from ...model.printing import PrintOutcome
from .. import theme
from ..widgets import Caption
from .base import KioskScreen


def sections(screen: KioskScreen, view: GuideView) -> list[tuple[str, list[str]]]:
    """The guide's sections as (heading, lines), in the visitor's language."""
    t = screen.t
    materials = []
    for i, m in enumerate(view.materials, 1):
        need = t("guide.material.required") if m.required else t("guide.material.optional")
        line = f"{i}. {m.name}（{need}）" if screen.kiosk.language == "zh" else f"{i}. {m.name} ({need})"
        line += "  " + t("guide.material.counts", originals=m.originals, copies=m.copies)
        if m.template:
            line += t("guide.material.template")
        if m.note:
            line += f"\n    {m.note}"
        materials.append(line)
    limit = [t("guide.same_day") if view.promised_days == 0 else t("guide.days", days=view.promised_days)] \
        if view.promised_days is not None else []
    if view.statutory_days:
        limit.append(t("guide.statutory", days=view.statutory_days))
    where = [t("guide.location", floor=view.floor or "-", zone=view.zone or "-", department=view.department)]
    if view.windows:
        where.append(t("guide.windows", numbers=", ".join(str(n) for n in view.windows)))
    if view.phone:
        where.append(t("guide.phone", phone=view.phone))
    if view.online_url:
        where.append(t("guide.online", url=view.online_url))
    fee = [view.fee] + ([view.fee_basis] if view.fee_basis else [])
    out = [
        (t("guide.where"), where),
        (t("guide.materials"), materials or [t("guide.no_materials")]),
        (t("guide.conditions"), [f"• {c}" for c in view.conditions]),
        (t("guide.process"), [" → ".join(view.process)] if view.process else []),
        (t("guide.time_limit"), limit),
        (t("guide.fee"), [f for f in fee if f]),
        (t("guide.legal_basis"), list(view.legal_basis)),
    ]
    return [(heading, lines) for heading, lines in out if lines]


class GuideScreen(KioskScreen):
    screen_name = "guide"

    def refresh(self) -> None:
        browser = self.kiosk.guides
        view = browser.view(self.kiosk.language)
        ids = self.ids
        body = ids.body
        body.clear_widgets()
        if view is None:
            ids.title.text = ""
            refused = browser.refused
            body.add_widget(Caption(text=self.t(refused.message_key) if refused else self.t("guides.none"),
                                    fg=theme.ERROR, tid="guide_error"))
            ids.print.disabled = ids.take.disabled = True
            return
        ids.title.text = view.name
        if view.cached:
            body.add_widget(Caption(text=self.t("guides.cached"), fg=theme.WARNING, size_sp=theme.SMALL,
                                    tid="guide_cached"))
        for n, (heading, lines) in enumerate(sections(self, view)):
            body.add_widget(Caption(text=heading, fg=theme.GUIDES, bold=True, size_sp=theme.BODY + 2,
                                    tid=f"section-{n}"))
            for line in lines:
                body.add_widget(Caption(text=line, size_sp=theme.BODY - 2))
        body.add_widget(Label(size_hint_y=None, height=20))
        ids.scroll.scroll_y = 1
        ids.print.disabled = not self.kiosk.printer.usable
        ids.take.disabled = not self.kiosk.can_issue
        self._show_printed(browser.printed)

    def _show_printed(self, printed: PrintOutcome | None) -> None:
        label = self.ids.printed
        if printed is None:
            label.text = ""
        elif printed.printed:
            label.text, label.color = self.t("guide.printed"), theme.OK
        else:
            label.text, label.color = self.t(printed.message_key), theme.ERROR

    def scroll(self, step: int) -> None:
        scroll = self.ids.scroll
        content, window = scroll.children[0].height, scroll.height
        if content <= window:
            return
        page = window / (content - window)
        scroll.scroll_y = min(1.0, max(0.0, scroll.scroll_y - step * page * 0.9))

    def print_checklist(self) -> None:
        self.app.work(self.kiosk.guides.print_checklist, done=self._show_printed)

    def take_number(self) -> None:
        current = self.kiosk.guides.current
        if current is None:
            return
        flow = self.kiosk.take_number
        flow.reset()
        service_id, department_id = int(current["id"]), int(current["department_id"])

        def choose() -> Any:
            flow.choose_department(department_id)
            return flow.choose_service(service_id)

        self.app.work(choose, done=lambda _s: self.app.go("confirm"))

    def back(self) -> None:
        self.app.go("guides")
