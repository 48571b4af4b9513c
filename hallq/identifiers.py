"""Check characters and masking of the identifiers a hall handles.

- Resident ID number, GB 11643-1999: 17 digits and a check character (0-9 or X).
- Unified social credit code, GB 32100-2015: 18 characters over a 31-letter alphabet.

Both validators return a result rather than raising: a kiosk warns about a credit code whose
check character fails (some codes in circulation do) but refuses a malformed ID number.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"  # sum mod 11 -> check character

CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)

# ASCII digits only: Python's \d also matches other scripts' digits (Arabic-Indic and the
# like), which int() reads, so a number written in them would pass the check character and
# hash to another person than the same number in ASCII.
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
_CREDIT_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")
_PHONE = re.compile(r"^1[3-9][0-9]{9}$")

# Province-level codes of GB/T 2260 that open a resident ID number's address code: the 31
# mainland provinces, regions and municipalities, 71 Taiwan, 81 Hong Kong, 82 Macao (the
# last three on residence permits, 83 for Taiwan residents' permits).
PROVINCES = frozenset({
    "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82", "83",
})


@dataclass(frozen=True)
class Check:
    """Outcome of a validation: ``ok``, or a ``code`` naming what is wrong."""

    ok: bool
    normalized: str
    code: str = ""  # "" | "shape" | "region" | "date" | "check"

    def __bool__(self) -> bool:
        return self.ok


def id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK[total % 11]


def check_id_number(value: str) -> Check:
    """Validate an 18-character resident ID number (shape, province of the address code,
    birth date, check character)."""
    v = value.strip().upper().replace(" ", "")
    if not _ID_SHAPE.match(v):
        return Check(False, v, "shape")
    if v[:2] not in PROVINCES:
        return Check(False, v, "region")
    try:
        born = date(int(v[6:10]), int(v[10:12]), int(v[12:14]))
    except ValueError:
        return Check(False, v, "date")
    if born.year < 1900 or born > date.today():
        return Check(False, v, "date")
    if id_check_char(v[:17]) != v[17]:
        return Check(False, v, "check")
    return Check(True, v)


def credit_check_char(first17: str) -> str:
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def check_credit_code(value: str) -> Check:
    """Validate a unified social credit code; ``code == "check"`` means only the check
    character fails, which callers treat as a warning."""
    v = value.strip().upper().replace(" ", "")
    if len(v) != 18 or not _CREDIT_SHAPE.match(v):
        return Check(False, v, "shape")
    if credit_check_char(v[:17]) != v[17]:
        return Check(False, v, "check")
    return Check(True, v)


def check_phone(value: str) -> Check:
    """A mainland mobile number: 11 digits starting 13-19."""
    v = re.sub(r"[\s-]", "", value.strip())
    if v.startswith("+86"):
        v = v[3:]
    return Check(bool(_PHONE.match(v)), v, "" if _PHONE.match(v) else "shape")


def mask_id_number(value: str) -> str:
    """110105********002X: the birth date (positions 7-14) never shows."""
    v = value.strip().upper()
    if len(v) == 18:
        return v[:6] + "*" * 8 + v[14:]
    if len(v) > 4:
        return v[:2] + "*" * (len(v) - 4) + v[-2:]
    return "*" * len(v)


def mask_phone(value: str) -> str:
    """138****5678."""
    v = re.sub(r"[^0-9]", "", value)
    if len(v) >= 7:
        return v[:3] + "*" * (len(v) - 7) + v[-4:]
    return "*" * len(v)


def mask_name(value: str) -> str:
    """张*, 欧阳** : a natural person's name keeps its first character."""
    v = value.strip()
    return v[:1] + "*" * (len(v) - 1) if len(v) > 1 else v


def person_hash(id_number: str, secret: bytes) -> str:
    """A keyed hash of an ID number: enough to enforce one ticket per person per queue,
    useless for recovering the number."""
    return hmac.new(secret, id_number.strip().upper().encode(), hashlib.sha256).hexdigest()
