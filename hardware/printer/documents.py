"""The printable documents: plain data a caller fills in, free of any server type."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class TicketPrint:
    """A queue ticket as handed to the visitor."""

    hall_name: str
    number: str
    department: str
    service: str
    ahead: int
    estimated_wait_s: int | None
    issued_at: datetime
    status_url: str
    notice: str = ""
    queue_name: str = ""
    hall_name_en: str = ""
    notice_en: str = ""
    # e.g. "预约" or "绿色通道": printed under the number so the clerk sees it at a glance
    priority_label: str = ""


@dataclass(frozen=True)
class MaterialItem:
    """One document a visitor must bring, with how many originals and copies."""

    name: str
    originals: int = 0
    copies: int = 0
    note: str = ""
    required: bool = True


@dataclass(frozen=True)
class GuideChecklist:
    """A service guide's (办事指南) materials checklist for one service item."""

    hall_name: str
    item_name: str
    department: str
    materials: tuple[MaterialItem, ...]
    printed_at: datetime
    time_limit: str = ""
    fee: str = ""
    guide_url: str = ""
    notice: str = ""


@dataclass(frozen=True)
class ListMembership:
    """Whether the company is on one credit list (abnormal operations, red list, ...)."""

    name: str
    listed: bool
    since: date | None = None


@dataclass(frozen=True)
class CreditSummaryPrint:
    """A one-page summary of an enterprise credit record from the query terminal."""

    company_name: str
    credit_code: str
    status: str
    licences: int
    penalties: int
    queried_at: datetime
    lists: tuple[ListMembership, ...] = field(default_factory=tuple)
    tax_grade: str | None = None
    legal_representative: str = ""
    hall_name: str = ""
    notice: str = "本结果仅供参考，以信用主管部门公示为准。"
