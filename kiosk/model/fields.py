"""What a visitor types on the kiosk's own keypads, checked where it is typed.

Each kind of field has a pad (the keys it offers), a length limit and a validator. A key
that is not on the field's pad is refused by ``Entry.press``, so nothing else can reach a
validator, and nothing that fails a validator reaches the server. Errors are i18n keys
(``field.id_number.check``), shown next to the field.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from hallq.identifiers import (
    check_credit_code,
    check_id_number,
    check_phone,
    mask_id_number,
    mask_phone,
)

# Booking codes are drawn from this alphabet (server/services/appointments.py): no 0/O, 1/I/L.
BOOKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
BOOKING_LENGTH = 8
MAX_SEARCH = 20       # pinyin initials: a department or item name has fewer
MAX_CREDIT = 18


class Kind(StrEnum):
    ID_NUMBER = "id_number"
    PHONE = "phone"
    BOOKING_CODE = "booking_code"
    SEARCH = "search"            # pinyin initials of a department or service item
    CREDIT = "credit"            # a unified social credit code or a company's initials


DIGITS = "1234567890"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

# The keys each pad shows, row by row (the UI draws them; Entry accepts only these).
PADS: dict[Kind, tuple[str, ...]] = {
    Kind.ID_NUMBER: ("123", "456", "789", "X0"),
    Kind.PHONE: ("123", "456", "789", "0"),
    Kind.BOOKING_CODE: ("23456789", "ABCDEFGH", "JKMNPQRS", "TUVWXYZ"),
    # Alphabetical rather than QWERTY: easier to find for someone who never typed.
    Kind.SEARCH: ("ABCDEFG", "HIJKLMN", "OPQRST", "UVWXYZ"),
    # Every letter: company initials use all of them, even those a credit code never has.
    Kind.CREDIT: ("1234567890", "ABCDEFGHIJ", "KLMNOPQRS", "TUVWXYZ"),
}
MAX_LENGTH: dict[Kind, int] = {Kind.ID_NUMBER: 18, Kind.PHONE: 11, Kind.BOOKING_CODE: BOOKING_LENGTH,
                               Kind.SEARCH: MAX_SEARCH, Kind.CREDIT: MAX_CREDIT}


@dataclass(frozen=True)
class Checked:
    """A field's value after checking: ``error`` refuses it, ``warning`` lets it through."""

    value: str                 # normalized (upper case ID and codes, digits of a phone)
    error: str = ""            # i18n key, "" when acceptable
    warning: str = ""          # i18n key: acceptable, but tell the visitor
    kind: str = ""             # for credit queries: "code", "initials" or "name"

    @property
    def ok(self) -> bool:
        return not self.error


def _fold(text: str) -> str:
    """Full-width letters and digits (a hardware keyboard or scanner in Chinese mode) to
    ASCII, spaces and dashes dropped."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text or ""))


def check_id(text: str) -> Checked:
    value = _fold(text).upper()
    if not value:
        return Checked("", "field.empty")
    result = check_id_number(value)
    if result:
        return Checked(result.normalized)
    return Checked(value[:32], f"field.id_number.{result.code}")


def check_mobile(text: str) -> Checked:
    value = _fold(text)
    if not value:
        return Checked("", "field.empty")
    result = check_phone(value)
    return Checked(result.normalized) if result else Checked(value[:20], "field.phone.shape")


def check_booking_code(text: str) -> Checked:
    value = _fold(text).upper()
    if not value:
        return Checked("", "field.empty")
    if len(value) != BOOKING_LENGTH or any(ch not in BOOKING_ALPHABET for ch in value):
        return Checked(value[:20], "field.booking_code.shape")
    return Checked(value)


def check_search(text: str, *, limit: int = 50) -> Checked:
    """A search as typed: pinyin initials from the pad, or Chinese text from a hardware
    keyboard; control characters dropped."""
    value = unicodedata.normalize("NFKC", text or "")
    value = "".join(ch for ch in value if unicodedata.category(ch)[0] != "C")
    value = re.sub(r"\s+", " ", value).strip()
    if not value:
        return Checked("", "field.empty")
    if len(value) > limit:
        return Checked(value[:limit], "field.too_long")
    return Checked(value.lower() if value.isascii() else value)


def check_credit_query(text: str) -> Checked:
    """A credit search: an 18-character code (a failing check character is only a warning;
    real codes that fail circulate), a part of a code, pinyin initials, or a name."""
    compact = _fold(text)
    if not compact:
        return Checked("", "field.empty")
    if len(compact) > 60:
        return Checked(compact[:60], "field.too_long")
    if compact.isascii() and compact.isalnum():
        if any(ch.isdigit() for ch in compact):
            code = compact.upper()
            if len(code) > 18:
                return Checked(code, "field.credit.shape", kind="code")
            if len(code) == 18:
                result = check_credit_code(code)
                if result.code == "shape":
                    return Checked(code, "field.credit.shape", kind="code")
                if result.code == "check":
                    return Checked(code, warning="field.credit.check", kind="code")
            return Checked(code, kind="code")
        return Checked(compact.lower(), kind="initials")
    searched = check_search(text, limit=60)
    return Checked(searched.value, searched.error, kind="name")


VALIDATORS = {Kind.ID_NUMBER: check_id, Kind.PHONE: check_mobile, Kind.BOOKING_CODE: check_booking_code,
              Kind.SEARCH: check_search, Kind.CREDIT: check_credit_query}


def check(kind: Kind, text: str) -> Checked:
    return VALIDATORS[kind](text)


def grouped(kind: Kind, text: str) -> str:
    """How a value is shown while it is typed: in groups a visitor can compare with a card
    (430102 19491231 002X, 138 0013 8000)."""
    if kind == Kind.ID_NUMBER:
        return " ".join(p for p in (text[:6], text[6:14], text[14:]) if p)
    if kind == Kind.PHONE:
        return " ".join(p for p in (text[:3], text[3:7], text[7:]) if p)
    if kind == Kind.BOOKING_CODE:
        return " ".join(p for p in (text[:4], text[4:]) if p)
    return text


def masked(kind: Kind, value: str) -> str:
    """How a value is shown once entered: never the birth date, never the whole phone."""
    if kind == Kind.ID_NUMBER:
        return mask_id_number(value)
    if kind == Kind.PHONE:
        return mask_phone(value)
    return value


@dataclass
class Entry:
    """The text of one field being typed on its pad."""

    kind: Kind
    text: str = ""
    checked: Checked | None = field(default=None)

    @property
    def keys(self) -> str:
        return "".join(PADS[self.kind])

    @property
    def max_length(self) -> int:
        return MAX_LENGTH[self.kind]

    def press(self, key: str) -> bool:
        """Type one key; False (and nothing changes) when the key is not on this pad or
        the field is full."""
        if len(key) != 1 or key.upper() not in self.keys or len(self.text) >= self.max_length:
            return False
        self.text += key.upper()
        self.checked = None
        return True

    def backspace(self) -> None:
        self.text = self.text[:-1]
        self.checked = None

    def clear(self) -> None:
        self.text = ""
        self.checked = None

    def submit(self) -> Checked:
        """Check what was typed; the error (if any) stays on the entry for the screen."""
        self.checked = check(self.kind, self.text)
        return self.checked

    @property
    def display(self) -> str:
        return grouped(self.kind, self.text)
