"""The enterprise credit query terminal (诚信信息查询): search by unified social credit code
or by name, read a company's record (registration, licences, penalties, lists, tax grade)
and print a summary.

The server masks personal data in every record; the kiosk shows what it is given and
nothing more, and keeps no record once the visitor leaves.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from hallq.hardware.printer import CreditSummaryPrint, ListMembership

from hallq.client import ApiError

from .context import Context
from .fields import Checked, Entry, Kind
from .formatting import parse_time
from .i18n import Strings
from .printing import PrintOutcome
from .tickets import Refused, refused

LISTS = ("abnormal", "dishonest", "red")
SEARCH_LIMIT = 20
QUERIED_FORMAT = "%Y-%m-%d %H:%M"   # as the printed summary writes it


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class Membership:
    list: str            # abnormal | dishonest | red
    listed: bool
    since: date | None


def memberships(record: dict[str, Any], today: date) -> tuple[Membership, ...]:
    """Whether the company is on each list today (entries removed before today do not count)."""
    out = []
    for code in LISTS:
        current = [e for e in record.get("lists") or [] if e.get("list") == code
                   and (_day(e.get("included_on")) or date.min) <= today
                   and (_day(e.get("removed_on")) is None or (_day(e.get("removed_on")) or date.max) > today)]
        days = [d for d in (_day(e.get("included_on")) for e in current) if d is not None]
        since = min(days, default=None)
        out.append(Membership(code, bool(current), since))
    return tuple(out)


class CreditLookup:
    """One visitor's credit look-ups."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.entry = Entry(Kind.CREDIT)
        self.checked: Checked | None = None
        self.results: list[dict[str, Any]] = []
        self.kind = ""
        self.warning = ""             # i18n key: a code whose check character fails
        self.record: dict[str, Any] | None = None
        self.refused: Refused | None = None
        self.printed: PrintOutcome | None = None
        self.searched = False

    def accept(self) -> Checked:
        """Check what was typed on the pad."""
        self.checked = self.entry.submit()
        return self.checked

    def set_query(self, text: str) -> Checked:
        self.entry = Entry(Kind.CREDIT, text[:60])
        return self.accept()

    def search(self) -> list[dict[str, Any]]:
        """Blocks: companies matching the checked query. Only a checked query is sent."""
        with self._lock:
            checked = self.checked
            if checked is None or not checked.ok:
                raise ValueError("nothing valid to search for")
            self.refused, self.record, self.printed = None, None, None
            try:
                found = self.ctx.connection.call(
                    lambda c: c.get("/credit/search", q=checked.value, limit=SEARCH_LIMIT))
            except ApiError as exc:
                self.refused, self.results = refused(exc), []
                return self.results
            self.results = list(found.get("results") or [])
            self.kind = str(found.get("kind") or checked.kind)
            server_warning = found.get("warning")
            self.warning = "credit.warning.check_character" \
                if server_warning == "check_character" or checked.warning else ""
            self.searched = True
            return self.results

    def open(self, code: str) -> dict[str, Any] | None:
        """Blocks: the full record of the company with ``code``."""
        with self._lock:
            self.refused, self.printed = None, None
            try:
                self.record = self.ctx.connection.call(lambda c: c.get(f"/credit/companies/{quote(code, safe='')}"))
            except ApiError as exc:
                self.refused, self.record = refused(exc), None
            return self.record

    def close_record(self) -> None:
        self.record = None
        self.printed = None

    def today(self) -> date:
        tz = self.ctx.catalog.hall.get("timezone")
        local = parse_time(self.ctx.now().isoformat(), tz)
        return (local or self.ctx.now()).date()

    def memberships(self) -> tuple[Membership, ...]:
        return memberships(self.record or {}, self.today())

    def queried_at(self) -> datetime:
        """When the record was read, in the hall's time zone: the screen and the printout
        both show this one (the server answers in UTC)."""
        tz = self.ctx.catalog.hall.get("timezone")
        return (parse_time((self.record or {}).get("queried_at"), tz)
                or parse_time(self.ctx.now().isoformat(), tz) or self.ctx.now())

    def queried_text(self) -> str:
        return self.queried_at().strftime(QUERIED_FORMAT)

    def summary(self) -> CreditSummaryPrint:
        """The printed summary of the record being read (Chinese names of lists and status)."""
        if self.record is None:
            raise ValueError("no record open")
        zh = Strings("zh")
        reg = self.record.get("registration") or {}
        hall = self.ctx.catalog.hall
        queried = self.queried_at()
        tax = self.record.get("tax") or {}
        return CreditSummaryPrint(
            company_name=str(reg.get("name") or ""), credit_code=str(reg.get("code") or ""),
            status=zh.t(f"credit.status.{reg.get('status') or 'active'}"),
            licences=len(self.record.get("licences") or []), penalties=len(self.record.get("penalties") or []),
            queried_at=queried,
            lists=tuple(ListMembership(zh.t(f"credit.list.{m.list}"), m.listed, m.since) for m in self.memberships()),
            tax_grade=tax.get("grade"), legal_representative=str(reg.get("legal_representative") or ""),
            hall_name=str(hall.get("name_zh") or ""), notice=zh.t("credit.notice"))

    def print_summary(self) -> PrintOutcome:
        """Blocks: print the summary of the record being read."""
        self.printed = self.ctx.printer.print_credit_summary(self.summary())
        return self.printed

    def describe(self) -> dict[str, Any]:
        reg = (self.record or {}).get("registration") or {}
        return {"typed": len(self.entry.text), "error": self.checked.error if self.checked else "",
                "warning": self.warning, "kind": self.kind, "results": len(self.results),
                "codes": [r.get("code") for r in self.results[:SEARCH_LIMIT]], "open": reg.get("code"),
                "refused": None if self.refused is None else self.refused.code,
                "printed": None if self.printed is None else self.printed.printed}
