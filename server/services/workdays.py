"""Working-day arithmetic from the hall's opening hours, holidays and make-up working days.

Pure: no database, no clock. Bookings (the horizon of bookable days), follow-up deadlines
and time-limited cases (限时办结) all count in working days of the hall.

A day is a working day when the hall's ``hours`` list opening spans for its weekday (Mon-Fri
when the hall has no hours at all), unless it is a listed holiday; a listed make-up working
day (调休) is a working day whatever its weekday.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The hours of a hall that has configured none: the city's usual office hours.
DEFAULT_HOURS: dict[str, list[list[str]]] = {
    day: [["09:00", "12:00"], ["13:30", "17:00"]] for day in WEEKDAYS[:5]}
# Longest stretch searched for the next working day: a year covers any run of holidays.
_SEARCH_DAYS = 366


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class Calendar:
    """Which days a hall works, and its opening spans on each weekday."""

    hours: Mapping[str, Sequence[Sequence[str]]] = field(default_factory=lambda: DEFAULT_HOURS)
    holidays: frozenset[date] = frozenset()
    extra_workdays: frozenset[date] = frozenset()

    @classmethod
    def of(cls, hours: Mapping[str, Any] | None, holidays: Iterable[date] = (),
           extra_workdays: Iterable[date] = ()) -> Calendar:
        return cls(hours=dict(hours) if hours else DEFAULT_HOURS, holidays=frozenset(holidays),
                   extra_workdays=frozenset(extra_workdays))

    def spans(self, day: date) -> list[tuple[time, time]]:
        """Opening spans of ``day``: its weekday's hours, or Monday's on a make-up day that
        falls on a closed weekday."""
        if not self.is_working(day):
            return []
        spans = self.hours.get(WEEKDAYS[day.weekday()]) or []
        if not spans and day in self.extra_workdays:
            spans = next((v for k in WEEKDAYS if (v := self.hours.get(k))), [])
        return [(parse_hhmm(a), parse_hhmm(b)) for a, b in spans]

    def is_working(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.holidays:
            return False
        return bool(self.hours.get(WEEKDAYS[day.weekday()]))

    def working_days_from(self, start: date) -> Iterator[date]:
        """Working days on or after ``start``, in order (at most a year's worth)."""
        for offset in range(_SEARCH_DAYS * 2):
            day = start + timedelta(days=offset)
            if self.is_working(day):
                yield day

    def add(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself not counted, as in
        "within 5 working days of acceptance"); ``start`` when ``days`` is 0."""
        if days < 0:
            raise ValueError("days must not be negative")
        if days == 0:
            return start
        for n, day in enumerate(self.working_days_from(start + timedelta(days=1)), start=1):
            if n == days:
                return day
        raise ValueError("no working days within the search range")

    def between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when ``end`` is before ``start``."""
        if end < start:
            return -self.between(end, start)
        return sum(1 for offset in range(1, (end - start).days + 1)
                   if self.is_working(start + timedelta(days=offset)))


def local_date(at: datetime, timezone: str) -> date:
    return at.astimezone(ZoneInfo(timezone)).date()


def local_datetime(day: date, at: time, timezone: str) -> datetime:
    """A wall-clock time of the hall as an aware datetime."""
    return datetime.combine(day, at, tzinfo=ZoneInfo(timezone))


def end_of_day(day: date, timezone: str) -> datetime:
    """The last instant of ``day`` in the hall (local midnight that ends it)."""
    return local_datetime(day + timedelta(days=1), time(0, 0), timezone)
