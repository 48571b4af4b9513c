"""Daily ticket numbers: business dates in the hall's time zone, prefixes and formatting."""

from __future__ import annotations

import re
import string
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .errors import QueueError

PREFIX_PATTERN = re.compile(r"^[A-Z]{1,3}$")


def business_date(now: datetime, timezone: str, reset_hour: int) -> date:
    """The hall's business day that ``now`` (timezone-aware) belongs to.

    Numbering restarts at ``reset_hour`` local time, so a ticket taken at 01:00 still belongs
    to the previous day when the hall resets at 04:00.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    local = now.astimezone(ZoneInfo(timezone))
    return (local - timedelta(hours=reset_hour)).date()


def format_number(prefix: str, seq: int, width: int = 3) -> str:
    """A001: the queue's prefix and the day's sequence, zero-padded to ``width`` digits."""
    if seq < 1:
        raise ValueError("sequence numbers start at 1")
    return f"{prefix}{seq:0{width}d}"


def parse_number(number: str) -> tuple[str, int]:
    """Split 'A001' or 'AB012' into prefix and sequence; QueueError if malformed."""
    match = re.fullmatch(r"([A-Za-z]{1,3})([0-9]{1,6})", number.strip())
    if not match:
        raise QueueError("invalid_value", f"not a ticket number: {number!r}", number=number)
    return match.group(1).upper(), int(match.group(2))


def prefix_for(index: int) -> str:
    """The index-th prefix in A..Z, AA..AZ, BA..ZZ, AAA..: unique for any number of queues."""
    if index < 0:
        raise ValueError("index must not be negative")
    letters = string.ascii_uppercase
    width, base = 1, 26
    while index >= base:
        index -= base
        width += 1
        base = 26 ** width
    out = []
    for _ in range(width):
        index, r = divmod(index, 26)
        out.append(letters[r])
    return "".join(reversed(out))


def check_prefix(prefix: str) -> str:
    if not PREFIX_PATTERN.match(prefix):
        raise QueueError("invalid_value", f"a queue prefix is 1-3 capital letters, not {prefix!r}",
                         field="prefix")
    return prefix
