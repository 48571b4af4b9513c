"""One company's credit record: registration, licences, penalties, lists and tax grade,
exactly as the server gives it (masked there), and a printed summary."""

from __future__ import annotations

from typing import Any

from kivy.uix.label import Label

from ...model.printing import PrintOutcome
from .. import theme
from ..widgets import Caption
from .base import KioskScreen


def record_sections(screen: KioskScreen, record: dict[str, Any]) -> list[tuple[str, list[str], str]]:
    """(heading, lines, tid) of a credit record in the visitor's language."""
    t = screen.t
    colon = "：" if screen.kiosk.language == "zh" else ": "
    reg = record.get("registration") or {}
    rows = [("credit.name", reg.get("name")), ("credit.code", reg.get("code")),
            ("credit.status", t(f"credit.status.{reg.get('status') or 'active'}")), ("credit.type", reg.get("type")),
            ("credit.legal_representative", reg.get("legal_representative")),
            ("credit.capital", reg.get("registered_capital")), ("credit.established", reg.get("established")),
            ("credit.authority", reg.get("authority")), ("credit.address", reg.get("address")),
            ("credit.scope", reg.get("business_scope"))]
    registration = [f"{t(k)}{colon}{v}" for k, v in rows if v]
    licences = [f"• {x.get('name') or ''} {x.get('number') or ''}\n   "
                + t("credit.decided", authority=x.get("authority") or "", date=x.get("decided_on") or "")
                for x in record.get("licences") or []]
    penalties = []
    for x in record.get("penalties") or []:
        line = f"• {x.get('number') or ''} {x.get('kind') or ''}\n   {x.get('facts') or ''}"
        if x.get("content"):
            line += f"\n   {x['content']}"
        line += "\n   " + t("credit.decided", authority=x.get("authority") or "", date=x.get("decided_on") or "")
        penalties.append(line)
    lookup = screen.kiosk.credit
    lists = []
    for m in lookup.memberships():
        state = (t("credit.listed_since", since=m.since.isoformat()) if m.since else t("credit.listed")) \
            if m.listed else t("credit.not_listed")
        lists.append(f"{t(f'credit.list.{m.list}')}{colon}{state}")
    tax = record.get("tax") or {}
    tax_line = t("credit.tax.value", grade=tax.get("grade"), year=tax.get("year") or "") if tax.get("grade") \
        else t("credit.none_recorded")
    sources = record.get("sources") or []
    footer = [t("credit.queried", at=screen.kiosk.credit.queried_text())]
    if sources:
        footer.append(t("credit.source", sources="、".join(sources)))
    footer.append(t("credit.notice"))
    return [
        (t("credit.registration"), registration, "credit_registration"),
        (t("credit.licences", count=len(record.get("licences") or [])), licences or [t("credit.none_recorded")],
         "credit_licences"),
        (t("credit.penalties", count=len(record.get("penalties") or [])), penalties or [t("credit.none_recorded")],
         "credit_penalties"),
        (t("credit.lists"), lists, "credit_lists"),
        (t("credit.tax"), [tax_line], "credit_tax"),
        ("", footer, "credit_footer"),
    ]


class CompanyScreen(KioskScreen):
    screen_name = "company"

    def refresh(self) -> None:
        lookup = self.kiosk.credit
        ids = self.ids
        body = ids.body
        body.clear_widgets()
        record = lookup.record
        if record is None:
            ids.title.text = ids.summary.text = ""
            message = self.t(lookup.refused.message_key) if lookup.refused else self.t("credit.none")
            body.add_widget(Caption(text=message, fg=theme.ERROR, tid="company_error"))
            ids.print.disabled = True
            return
        reg = record.get("registration") or {}
        ids.title.text = reg.get("name", "")
        # The answer most visitors came for, before the details: status, counts, lists.
        listed = [m for m in lookup.memberships() if m.listed]
        parts = [self.t(f"credit.status.{reg.get('status') or 'active'}"),
                 self.t("credit.summary", licences=len(record.get("licences") or []),
                        penalties=len(record.get("penalties") or []))]
        parts += [self.t(f"credit.list.{m.list}") for m in listed]
        ids.summary.text = "  ·  ".join(parts)
        ids.summary.color = theme.ERROR if any(m.list != "red" for m in listed) else theme.OK
        for heading, lines, tid in record_sections(self, record):
            if heading:
                body.add_widget(Caption(text=heading, fg=theme.CREDIT, bold=True, size_sp=theme.BODY + 2, tid=tid))
            for n, line in enumerate(lines):
                body.add_widget(Caption(text=line, size_sp=theme.BODY - 3 if heading else theme.SMALL - 2,
                                        fg=theme.TEXT if heading else theme.MUTED, tid=f"{tid}-{n}"))
        body.add_widget(Label(size_hint_y=None, height=20))
        ids.scroll.scroll_y = 1
        ids.print.disabled = not self.kiosk.printer.usable
        self._show_printed(lookup.printed)

    def _show_printed(self, printed: PrintOutcome | None) -> None:
        label = self.ids.printed
        if printed is None:
            label.text = ""
        elif printed.printed:
            label.text, label.color = self.t("credit.printed"), theme.OK
        else:
            label.text, label.color = self.t(printed.message_key), theme.ERROR

    def scroll(self, step: int) -> None:
        scroll = self.ids.scroll
        content, window = scroll.children[0].height, scroll.height
        if content > window:
            page = window / (content - window)
            scroll.scroll_y = min(1.0, max(0.0, scroll.scroll_y - step * page * 0.9))

    def print_summary(self) -> None:
        self.app.work(self.kiosk.credit.print_summary, done=self._show_printed)

    def back(self) -> None:
        self.kiosk.credit.close_record()
        self.app.go("credit")
