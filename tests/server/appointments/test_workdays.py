"""Working-day arithmetic from the hall's hours, holidays and make-up days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from hallq.server.services.workdays import Calendar, end_of_day, local_date

MON = date(2026, 3, 2)
WED = date(2026, 3, 4)
FRI = date(2026, 3, 6)


def test_no_hours_means_monday_to_friday():
    cal = Calendar.of({})
    assert [cal.is_working(date(2026, 3, d)) for d in range(2, 9)] == [True] * 5 + [False] * 2
    assert cal.spans(WED) == [(time(9), time(12)), (time(13, 30), time(17))]
    assert cal.spans(date(2026, 3, 7)) == []


@pytest.mark.parametrize(("start", "days", "due"), [
    (WED, 0, WED),
    (WED, 1, date(2026, 3, 5)),
    (WED, 5, date(2026, 3, 11)),            # over a weekend
    (FRI, 1, date(2026, 3, 9)),             # Friday + 1 is Monday
    (date(2026, 3, 7), 1, date(2026, 3, 9)),   # accepted on a Saturday
    (MON, 15, date(2026, 3, 23)),
])
def test_adding_working_days(start, days, due):
    assert Calendar.of(None).add(start, days) == due


def test_holidays_and_make_up_days():
    # Labour Day 2026 (Fri 1 May, Mon 4 May, Tue 5 May off) with a make-up Saturday 9 May.
    cal = Calendar.of({}, holidays=[date(2026, 5, 1), date(2026, 5, 4), date(2026, 5, 5)],
                      extra_workdays=[date(2026, 5, 9)])
    assert cal.add(date(2026, 4, 30), 1) == date(2026, 5, 6)
    assert cal.add(date(2026, 4, 30), 4) == date(2026, 5, 9)
    assert cal.spans(date(2026, 5, 9)) == cal.spans(date(2026, 5, 6))


def test_a_hall_open_on_saturday_mornings():
    hours = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")} | {"sat": [["09:00", "12:00"]]}
    cal = Calendar.of(hours)
    assert cal.add(FRI, 1) == date(2026, 3, 7)
    assert cal.spans(date(2026, 3, 7)) == [(time(9), time(12))]


def test_working_days_between():
    cal = Calendar.of({})
    assert cal.between(WED, WED) == 0
    assert cal.between(WED, date(2026, 3, 9)) == 3
    assert cal.between(date(2026, 3, 9), WED) == -3
    assert cal.between(FRI, date(2026, 3, 8)) == 0


def test_local_dates_and_end_of_day_in_the_hall_zone():
    late = datetime(2026, 3, 4, 17, 30, tzinfo=UTC)   # 01:30 on Thursday in Beijing
    assert local_date(late, "Asia/Shanghai") == date(2026, 3, 5)
    assert end_of_day(WED, "Asia/Shanghai").astimezone(UTC) == datetime(2026, 3, 4, 16, 0, tzinfo=UTC)
