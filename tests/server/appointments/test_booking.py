"""Booking rules: horizon, slots, capacity, one booking per person per day, cancellation
cut-off, no-show blocking. Refusals carry a stable code and change nothing."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hallq.server.engine import QueueError
from hallq.server.models import Appointment, AuditEntry
from hallq.server.models.appointment_config import AppointmentSlot
from hallq.server.services import appointments as ac
from hallq.server.services.actors import SYSTEM, VISITOR
from sqlalchemy import func, select

from .conftest import SECRET, THU, book, configure, local, person

WED_NEXT = date(2026, 3, 11)


def refused(db, hall, code, **kw):
    with pytest.raises(QueueError) as err:
        book(db, hall, **kw)
    assert err.value.code == code
    return err.value


def counts(db):
    with db.read() as s:
        return (s.scalar(select(func.count()).select_from(Appointment)),
                s.scalar(select(func.coalesce(func.sum(AppointmentSlot.booked), 0))))


def test_bookable_days_are_the_next_five_working_days(booking_hall, db, now):
    with db.read() as s:
        found = ac.bookable(s, now=now)
    # Wednesday: Thursday, Friday, then over the weekend to Monday-Wednesday.
    assert found["days"] == [date(2026, 3, d) for d in (5, 6, 9, 10, 11)]
    assert sorted(x.code for x in found["services"]) == ["amr-001", "tax-001"]


def test_holidays_and_make_up_days_move_the_horizon(booking_hall, db, now):
    configure(db, now, holidays=["2026-03-06"], extra_workdays=["2026-03-07"])
    with db.read() as s:
        assert ac.bookable(s, now=now)["days"] == [date(2026, 3, d) for d in (5, 7, 9, 10, 11)]


def test_slots_are_cut_from_the_hall_hours_with_capacities(booking_hall, db, now):
    book(db, booking_hall, n=1, now=now)
    with db.read() as s:
        slots = [v.as_dict() for v in ac.slots(s, booking_hall.services["amr-001"], THU, now=now)]
        tax = ac.slots(s, booking_hall.services["tax-001"], THU, now=now)
        weekend = ac.slots(s, booking_hall.services["amr-001"], date(2026, 3, 7), now=now)
    assert [(x["slot_start"], x["slot_end"]) for x in slots] == [
        ("09:00", "10:00"), ("10:00", "11:00"), ("11:00", "12:00"), ("13:30", "14:30"), ("14:30", "15:30"),
        ("15:30", "16:30"), ("16:30", "17:00")]
    assert slots[0] == {"slot_start": "09:00", "slot_end": "10:00", "capacity": 2, "booked": 1, "available": 1}
    assert {v.capacity for v in tax} == {1}
    assert weekend == []


def test_a_booking_stores_only_masked_identity(booking_hall, db, now):
    code = book(db, booking_hall, n=7, now=now, name="欧阳娜娜", phone="13912345678")
    with db.read() as s:
        a = ac.by_code(s, code.lower())
        assert len(code) == 8 and set(code) <= set(ac.CODE_ALPHABET)
        assert (a.status, a.day, a.slot_start.strftime("%H:%M"), a.slot_end.strftime("%H:%M")) == (
            "booked", THU, "09:00", "10:00")
        assert a.id_masked == person(7)[:6] + "********" + person(7)[14:]
        assert (a.name_masked, a.phone_masked) == ("欧***", "139****5678")
        assert person(7) not in a.person_hash
        assert s.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "appointment.book")) == 1


@pytest.mark.parametrize(("day", "code"), [
    (date(2026, 3, 4), "outside_horizon"),     # today
    (date(2026, 3, 12), "outside_horizon"),    # the sixth working day
    (date(2026, 3, 7), "not_bookable"),        # Saturday inside the horizon
])
def test_days_outside_the_horizon_or_closed_are_refused(booking_hall, db, now, day, code):
    refused(db, booking_hall, code, day=day, now=now)
    assert counts(db) == (0, 0)


def test_unknown_slot_or_unbookable_service_is_refused(booking_hall, db, now):
    refused(db, booking_hall, "not_bookable", slot="09:30", now=now)
    refused(db, booking_hall, "not_bookable", service="amr-002", now=now)
    with pytest.raises(QueueError) as err, db.write() as s:
        ac.book(s, booking_hall.services["amr-001"], THU, "09:00", id_number="110105194912310021", name="李四",
                phone="13800138000", secret=SECRET, actor=VISITOR, now=now)
    assert err.value.code == "invalid_id_number"
    assert counts(db) == (0, 0)


def test_capacity_is_enforced(booking_hall, db, now):
    book(db, booking_hall, n=1, now=now)
    book(db, booking_hall, n=2, now=now)
    err = refused(db, booking_hall, "slot_full", n=3, now=now)
    assert err.details == {"day": "2026-03-05", "slot_start": "09:00"}
    assert counts(db) == (2, 2)


def test_one_booking_per_person_per_day(booking_hall, db, now):
    book(db, booking_hall, n=1, now=now)
    refused(db, booking_hall, "already_booked", n=1, slot="14:30", service="tax-001", now=now)
    assert counts(db) == (1, 1)
    book(db, booking_hall, n=1, day=date(2026, 3, 6), now=now)   # another day is fine


def test_cancel_frees_the_seat_until_the_cut_off(booking_hall, db, now):
    code = book(db, booking_hall, n=1, now=now)
    with db.write() as s:
        assert ac.cancel(s, code, actor=VISITOR, now=local(THU, "06:59")).status == "cancelled"
    assert counts(db) == (1, 0)
    book(db, booking_hall, n=1, now=now)   # the same person may book again
    late = book(db, booking_hall, n=2, now=now)
    with pytest.raises(QueueError) as err, db.write() as s:
        ac.cancel(s, late, actor=VISITOR, now=local(THU, "07:01"))
    assert err.value.code == "too_late_to_cancel"
    assert datetime.fromisoformat(err.value.details["until"]) == local(THU, "07:00")
    with pytest.raises(QueueError) as again, db.write() as s:
        ac.cancel(s, code, actor=VISITOR, now=now)
    assert again.value.code == "appointment_cancelled"
    assert counts(db) == (3, 2)


def test_repeated_no_shows_block_booking(booking_hall, db, now):
    configure(db, now, no_show_limit=2, no_show_period_days=30, no_show_block_days=7)
    for day in (THU, date(2026, 3, 6)):
        book(db, booking_hall, n=1, day=day, now=now)
    with db.write() as s:   # both slots pass unused
        assert ac.sweep_missed(s, now=local(date(2026, 3, 6), "10:00"), actor=SYSTEM) == 2
    monday = local(date(2026, 3, 9), "10:00")
    err = refused(db, booking_hall, "booking_blocked", n=1, day=date(2026, 3, 11), now=monday)
    assert err.details == {"until": "2026-03-13"}
    book(db, booking_hall, n=2, day=date(2026, 3, 11), now=monday)   # others are not blocked
    book(db, booking_hall, n=1, day=date(2026, 3, 16), now=local(date(2026, 3, 13), "09:00"))


def test_sweep_marks_only_bookings_whose_window_passed(booking_hall, db, now):
    early = book(db, booking_hall, n=1, slot="09:00", now=now)
    later = book(db, booking_hall, n=2, slot="10:00", now=now)
    with db.write() as s:
        assert ac.sweep_missed(s, now=local(THU, "09:16"), actor=SYSTEM) == 1
    with db.read() as s:
        assert [ac.by_code(s, c).status for c in (early, later)] == ["missed", "booked"]


def test_config_refuses_unknown_services_and_bad_values(booking_hall, db, now):
    for bad, field in (({"services": [{"code": "nope"}]}, "services"),
                       ({"horizon_days": 0}, "horizon_days"),
                       ({"slots": [{"start": "10:00", "end": "09:00"}]}, "slots.0"),
                       ({"slots": [{"start": "09:00", "end": "10:00"}, {"start": "09:30", "end": "11:00"}]}, "slots"),
                       ({"surprise": 1}, "surprise")):
        with pytest.raises(QueueError) as err, db.write() as s:
            ac.save_config(s, bad, actor=SYSTEM, now=now)
        assert err.value.code == "invalid_value"
        assert err.value.details["field"].startswith(field.split(".")[0])
    with db.read() as s:
        assert [x.code for x in ac.load_config(s).services] == ["amr-001", "tax-001"]


def test_configured_slots_and_the_smaller_capacity_apply(booking_hall, db, now):
    configure(db, now, slots=[{"start": "09:00", "end": "09:30", "capacity": 5},
                              {"start": "09:30", "end": "10:00"}])
    with db.read() as s:
        views = ac.slots(s, booking_hall.services["tax-001"], THU, now=now)
        amr = ac.slots(s, booking_hall.services["amr-001"], THU, now=now)
    assert [(v.slot_start, v.capacity) for v in views] == [("09:00", 1), ("09:30", 1)]
    assert [(v.slot_start, v.capacity) for v in amr] == [("09:00", 5), ("09:30", 2)]


def test_today_is_not_bookable_by_default_but_can_be(booking_hall, db, now):
    configure(db, now, min_days_ahead=0, horizon_days=1)
    with db.read() as s:
        views = ac.slots(s, booking_hall.services["amr-001"], date(2026, 3, 4), now=now)
    assert views[0].slot_start == "11:00"   # 09:00 and 10:00 have started
    refused(db, booking_hall, "not_bookable", day=date(2026, 3, 4), slot="10:00", now=now)
    book(db, booking_hall, day=date(2026, 3, 4), slot="11:00", now=now + timedelta(minutes=1))


def test_the_demo_default_makes_a_service_per_department_bookable(hall, db, now):
    with db.write() as s:
        assert ac.seed_demo_config(s, actor=SYSTEM, now=now) == 2   # the small hall has two departments
    with db.write() as s:   # a second run keeps what an admin may have changed
        ac.save_config(s, {"services": [{"code": "tax-001"}]}, actor=SYSTEM, now=now)
        assert ac.seed_demo_config(s, actor=SYSTEM, now=now) == 1
    with db.read() as s:
        assert [x.code for x in ac.bookable(s, now=now)["services"]] == ["tax-001"]
