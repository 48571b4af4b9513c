"""Masking of personal data inside free text (penalty notices, reasons, addresses).

Penalty notices published under 双公示 name the natural persons involved and sometimes carry
their ID numbers, mobile numbers, bank card numbers and home addresses. The hall shows none
of these: every text field of a credit record passes through :func:`scrub` on import (and
again on the way out, in case older rows slipped through).

What is masked:
- 18-character resident ID numbers whose positions 7-14 are a plausible birth date, whether or
  not the check character fits (a mistyped ID number is still someone's): 430105********1234.
  An all-digit unified social credit code that passes its GB 32100 check and fails the ID check
  is left alone.
- 15-digit (first generation) ID numbers with a plausible YYMMDD birth date.
- Mainland mobile numbers, with or without +86 and separators: 138****5678.
- Bank card numbers: 16-19 digits, run together or in groups of four: 6222***********1234.
- The value after a home-address label (住址, 家庭住址, 现住址, 户籍地址, 居住地址...): ***.
Not masked: names (双公示 publishes them), landline numbers (in notices they are the
authority's), registered business addresses (public registration data).
"""

from __future__ import annotations

import re
from datetime import date

from hallq.identifiers import check_credit_code, id_check_char, mask_id_number, mask_phone

_NUMBERS = re.compile(
    r"(?<![0-9A-Za-z])(?:"
    r"(?P<id18>\d{17}[\dXx])"
    r"|(?P<id15>\d{15})"
    r"|(?P<card>\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?)"
    r"|(?P<phone>(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2})"
    r")(?![0-9A-Za-z])"
)
_HOME = re.compile(
    r"(?P<label>(?:家庭住址|家庭地址|现住址|现居住地|现住|户籍地址|户籍所在地|户口所在地|居住地址|居住地|"
    r"常住地址|暂住地址|住址)(?:为|是)?[:：]?\s*)"
    r"(?P<value>[^，,。；;\n\r）)]{2,})"
)
MASK = "***"


def _plausible_birth(year: int, month: int, day: int) -> bool:
    try:
        born = date(year, month, day)
    except ValueError:
        return False
    return date(1900, 1, 1) <= born <= date.today()


def looks_like_id_number(v: str) -> bool:
    if not _plausible_birth(int(v[6:10]), int(v[10:12]), int(v[12:14])):
        return False
    if id_check_char(v[:17]) == v[17].upper():
        return True
    # A credit code made only of digits can look like an ID number; its own check decides.
    return not check_credit_code(v).ok


def _mask_card(digits: str) -> str:
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def _number(m: re.Match[str]) -> str:
    text = m.group(0)
    if m.group("id18"):
        if looks_like_id_number(text):
            return mask_id_number(text)
        if check_credit_code(text).ok:
            return text
        return _mask_card(text)          # 18 digits and no date: an account number
    if m.group("id15"):
        year = 1900 + int(text[6:8])
        if _plausible_birth(year, int(text[8:10]), int(text[10:12])):
            return text[:6] + "*" * 6 + text[12:]
        return text                      # e.g. an old 15-digit registration number
    if m.group("card"):
        return _mask_card(re.sub(r"\D", "", text))
    return mask_phone(text[-11:] if text.startswith(("+86", "86")) else text)


def _home(m: re.Match[str]) -> str:
    return m.group("label") + MASK


def scrub(text: str) -> str:
    """``text`` with personal numbers and home addresses masked; idempotent."""
    if not text:
        return text
    return _HOME.sub(_home, _NUMBERS.sub(_number, text))


# What a leaked, unmasked personal number looks like; tests scan API responses with these.
ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<![0-9A-Za-z])1[3-9]\d{9}(?![0-9A-Za-z])")


def leaks(text: str) -> list[str]:
    """Unmasked ID numbers (valid check character) and mobile numbers in ``text``."""
    found = [m.group(0) for m in ID_NUMBER.finditer(text) if looks_like_id_number(m.group(0))]
    found += [m.group(0) for m in MOBILE.finditer(text)]
    return found
