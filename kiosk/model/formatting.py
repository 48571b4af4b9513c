"""Numbers, waits, times and names as the kiosk shows them, in the visitor's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .i18n import Strings

HALL_TZ = "Asia/Shanghai"


def wait_text(strings: Strings, seconds: int | None) -> str:
    if seconds is None or seconds < 0:
        return strings.t("wait.unknown")
    if seconds < 60:
        return strings.t("wait.under_minute")
    minutes = -(-seconds // 60)
    if minutes < 60:
        return strings.t("wait.minutes", minutes=minutes)
    hours, rest = divmod(minutes, 60)
    if rest:
        return strings.t("wait.hours_minutes", hours=hours, minutes=rest)
    return strings.t("wait.hours", hours=hours)


def name(item: dict[str, Any] | None, language: str, field: str = "name") -> str:
    """``name_zh`` / ``name_en`` of a catalog item; Chinese when there is no English."""
    if not item:
        return ""
    zh = str(item.get(f"{field}_zh") or "")
    if language == "en":
        return str(item.get(f"{field}_en") or "") or zh
    return zh


def zone(tz: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(tz or HALL_TZ)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(HALL_TZ)


def parse_time(value: str | None, tz: str | None = None) -> datetime | None:
    """An ISO time from the server, in the hall's time zone (tickets print local time)."""
    if not value:
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        return None
    if at.tzinfo is None:
        return at
    return at.astimezone(zone(tz))


def clock_text(at: datetime) -> str:
    return at.strftime("%H:%M")


def hhmm(value: str | None, tz: str | None = None) -> str:
    at = parse_time(value, tz)
    return at.strftime("%H:%M") if at else ""
