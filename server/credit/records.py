"""One company's credit record as the platform sends it: validation and normalization.

Everything that enters the hall's database or passes through from the platform's HTTP service
goes through :class:`CompanyIn`: codes are normalized, dates parsed from the forms exports use,
Chinese status and list names mapped to codes, and every text field scrubbed of personal data.
The legal representative's ID number is accepted as input and dropped.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator

from hallq.identifiers import check_credit_code

from ..models.credit import COMPANY_STATUSES, LISTS, TAX_GRADES
from .scrub import scrub

_DATE_FORMS = (
    re.compile(r"^([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?:[ T].*)?$"),
    re.compile(r"^([0-9]{4})([0-9]{2})([0-9]{2})$"),
    re.compile(r"^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日$"),
)

# The platform's wording of a registration status -> status code. Checked in this order.
_STATUS_WORDS: tuple[tuple[str, str], ...] = (
    ("未注销", "revoked"),        # 吊销，未注销
    ("注销", "cancelled"),
    ("撤销", "cancelled"),
    ("吊销", "revoked"),
    ("迁出", "moved_out"),
    ("清算", "liquidating"),
    ("停业", "suspended"),
    ("歇业", "suspended"),
    ("存续", "active"),
    ("在业", "active"),
    ("在营", "active"),
    ("开业", "active"),
    ("正常", "active"),
    ("在册", "active"),
)
_LIST_WORDS: tuple[tuple[str, str], ...] = (
    ("经营异常", "abnormal"),
    ("严重违法", "dishonest"),
    ("失信", "dishonest"),
    ("黑名单", "dishonest"),
    ("守信", "red"),
    ("红名单", "red"),
    ("激励", "red"),
)


# Control and format characters (tabs and newlines stay), surrogates, and private-use ones
# (PostgreSQL text cannot hold NUL).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u206f"
                      "\ufeff\ud800-\udfff\ue000-\uf8ff]")


def clean_text(value: Any) -> str:
    """NFC, trimmed, control characters dropped; personal data masked."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = str(value)
    value = _CONTROL.sub("", unicodedata.normalize("NFC", value)).strip()
    return scrub(value)


def normalize_code(value: Any) -> str:
    """Full-width characters folded (kiosk keyboards produce them), spaces and dashes gone."""
    v = unicodedata.normalize("NFKC", str(value or "")).upper()
    return re.sub(r"[\s\-]", "", v)


def parse_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = unicodedata.normalize("NFKC", str(value)).strip()
    if not text:
        return None
    for form in _DATE_FORMS:
        m = form.match(text)
        if m:
            try:
                return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    raise ValueError(f"not a date: {text!r} (use YYYY-MM-DD)")


def parse_status(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if not text:
        return "active"
    if text.lower() in COMPANY_STATUSES:
        return text.lower()
    for word, code in _STATUS_WORDS:
        if word in text:
            return code
    raise ValueError(f"unknown status {text!r}")


def parse_list(value: Any) -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip()
    if text.lower() in LISTS:
        return text.lower()
    for word, code in _LIST_WORDS:
        if word in text:
            return code
    raise ValueError(f"unknown list {text!r} (abnormal, dishonest or red)")


def parse_amount(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    text = re.sub(r"[,，\s元]", "", unicodedata.normalize("NFKC", str(value)))
    if text.endswith("万"):
        text, scale = text[:-1], Decimal(10000)
    else:
        scale = Decimal(1)
    try:
        amount = Decimal(text) * scale
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None
    if amount < 0 or amount >= Decimal(10) ** 14:
        raise ValueError(f"amount out of range: {value!r}")
    return amount.quantize(Decimal("0.01"))


def _blank_none(value: Any) -> Any:
    return None if value == "" else value


Text = Annotated[str, BeforeValidator(clean_text)]
Day = Annotated[date | None, BeforeValidator(parse_date)]


Str60 = Annotated[str, BeforeValidator(clean_text), Field(max_length=60)]
Str100 = Annotated[str, BeforeValidator(clean_text), Field(max_length=100)]
Str200 = Annotated[str, BeforeValidator(clean_text), Field(max_length=200)]
Str300 = Annotated[str, BeforeValidator(clean_text), Field(max_length=300)]
Name = Annotated[str, BeforeValidator(clean_text), Field(min_length=1, max_length=200)]


class _Row(BaseModel):
    # Platforms add columns of their own; unknown ones are ignored (and reported once).
    model_config = ConfigDict(extra="ignore", frozen=True)


class LicenceIn(_Row):
    number: Str100 = ""
    name: Str200 = ""
    content: Text = ""
    authority: Str100 = ""
    decided_on: Day = None
    valid_from: Day = None
    valid_to: Day = None
    legal_basis: Text = ""
    source: Str100 = ""


class PenaltyIn(_Row):
    number: Str100 = ""
    kind: Str100 = ""
    facts: Text = ""
    content: Text = ""
    amount: Annotated[Decimal | None, BeforeValidator(parse_amount)] = None
    authority: Str100 = ""
    decided_on: Day = None
    legal_basis: Text = ""
    source: Str100 = ""


class ListEntryIn(_Row):
    list: Annotated[str, BeforeValidator(parse_list)]
    reason: Text = ""
    included_on: Day = None
    removed_on: Day = None
    authority: Str100 = ""
    source: Str100 = ""


class TaxIn(_Row):
    grade: str
    year: Annotated[int, BeforeValidator(_blank_none)] = Field(ge=1990, le=2100)
    source: Str100 = ""

    @field_validator("grade", mode="before")
    @classmethod
    def _grade(cls, value: Any) -> str:
        v = unicodedata.normalize("NFKC", str(value or "")).strip().upper().removesuffix("级")
        if v not in TAX_GRADES:
            raise ValueError(f"unknown tax grade {value!r} (A, B, M, C or D)")
        return v


class CompanyIn(_Row):
    code: str
    name: Name
    type: Str100 = ""
    legal_representative: Str100 = ""
    registered_capital: Str60 = ""
    established: Day = None
    address: Str300 = ""
    business_scope: Text = ""
    status: Annotated[str, BeforeValidator(parse_status)] = "active"
    authority: Str100 = ""
    source: Str100 = ""
    updated: Day = None
    tax: TaxIn | None = None
    licences: list[LicenceIn] = Field(default_factory=list)
    penalties: list[PenaltyIn] = Field(default_factory=list)
    lists: list[ListEntryIn] = Field(default_factory=list)

    @field_validator("code", mode="before")
    @classmethod
    def _code(cls, value: Any) -> str:
        v = normalize_code(value)
        if not v:
            raise ValueError("missing")
        if check_credit_code(v).code == "shape":
            raise ValueError("not a unified social credit code (18 characters of 0-9 and A-Y without I O S V Z)")
        return v

    @field_validator("tax", mode="before")
    @classmethod
    def _tax(cls, value: Any) -> Any:
        # A CSV row without a grade has tax columns that are all empty.
        if isinstance(value, dict) and not str(value.get("grade") or "").strip():
            return None
        return value

    @cached_property
    def code_checked(self) -> bool:
        return check_credit_code(self.code).ok

    @cached_property
    def digest(self) -> str:
        """Identifies the record's content: an unchanged row is not written again."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()


# Keys a record may carry that are accepted and then thrown away, never stored.
DROPPED_FIELDS = frozenset({"legal_representative_id"})
