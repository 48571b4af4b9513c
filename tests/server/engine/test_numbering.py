from datetime import UTC, date, datetime

import pytest
from hallq.server.engine import (
    QueueError,
    business_date,
    check_prefix,
    format_number,
    parse_number,
    prefix_for,
)


def test_business_date_uses_the_halls_time_zone():
    # 2026-03-04 17:30 UTC is 01:30 on the 5th in Beijing: before the 04:00 reset, still the 4th.
    assert business_date(datetime(2026, 3, 4, 17, 30, tzinfo=UTC), "Asia/Shanghai", 4) == date(2026, 3, 4)
    # 20:30 UTC is 04:30 on the 5th in Beijing: a new business day.
    assert business_date(datetime(2026, 3, 4, 20, 30, tzinfo=UTC), "Asia/Shanghai", 4) == date(2026, 3, 5)
    # With a midnight reset, 16:00 UTC (00:00 Beijing) already is the next day.
    assert business_date(datetime(2026, 3, 4, 16, 0, tzinfo=UTC), "Asia/Shanghai", 0) == date(2026, 3, 5)


def test_business_date_refuses_naive_times():
    with pytest.raises(ValueError):
        business_date(datetime(2026, 3, 4, 10, 0), "Asia/Shanghai", 4)


@pytest.mark.parametrize(("prefix", "seq", "width", "expected"), [
    ("A", 1, 3, "A001"), ("AB", 42, 3, "AB042"), ("A", 999, 3, "A999"), ("A", 1000, 3, "A1000"),
    ("C", 7, 4, "C0007"),
])
def test_format_number(prefix, seq, width, expected):
    assert format_number(prefix, seq, width) == expected


def test_parse_number_round_trips_and_refuses_garbage():
    assert parse_number("ab012") == ("AB", 12)
    for bad in ("", "012", "A", "A-1", "ABCD1", "A1B"):
        with pytest.raises(QueueError) as err:
            parse_number(bad)
        assert err.value.code == "invalid_value"


def test_prefixes_stay_unique_far_beyond_26_queues():
    prefixes = [prefix_for(i) for i in range(1000)]
    assert len(set(prefixes)) == 1000
    assert prefixes[:3] == ["A", "B", "C"]
    assert prefixes[25:28] == ["Z", "AA", "AB"]
    assert all(check_prefix(p) == p for p in prefixes)


def test_check_prefix_refuses_bad_prefixes():
    for bad in ("a", "A1", "ABCD", ""):
        with pytest.raises(QueueError):
            check_prefix(bad)


def test_a_ticket_number_has_ascii_digits_only():
    from hallq.server.engine import QueueError, parse_number

    assert parse_number("a012") == ("A", 12)
    for bad in ("A٠١٢", "A０１２", "A¹²"):
        with pytest.raises(QueueError):
            parse_number(bad)
