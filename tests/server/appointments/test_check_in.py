"""Checking in at the kiosk: the window around the slot, the refusals, idempotency, and the
appointment ticket's place in the queue."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from hallq.server.engine import QueueError
from hallq.server.models import Appointment, Ticket
from hallq.server.services import appointments as ac
from hallq.server.services import tickets as tc
from hallq.server.services import windows as wc
from hallq.server.services.actors import SYSTEM, VISITOR
from sqlalchemy import func, select

from .conftest import SECRET, THU, book, local, person


def check_in(db, hall, *, now, key=None, **who):
    with db.write() as s:
        t, replayed = ac.check_in(s, actor=hall.kiosk, now=now, secret=SECRET, idempotency_key=key, **who)
        return t.id, t.number, t.priority, replayed


def tickets(db):
    with db.read() as s:
        return s.scalar(select(func.count()).select_from(Ticket))


def refused(db, hall, expected, *, now, **who):
    before = tickets(db)
    with pytest.raises(QueueError) as err:
        check_in(db, hall, now=now, **who)
    assert err.value.code == expected
    assert tickets(db) == before
    return err.value


def test_check_in_by_code_issues_an_appointment_ticket(booking_hall, db, now):
    code = book(db, booking_hall, n=1, slot="09:00", now=now)
    tid, number, priority, replayed = check_in(db, booking_hall, code=f" {code.lower()} ", now=local(THU, "08:45"))
    assert (number, priority, replayed) == ("A001", "appointment", False)
    with db.read() as s:
        appt = ac.by_code(s, code)
        ticket = s.get(Ticket, tid)
        assert (appt.status, appt.ticket_id) == ("checked_in", tid)
        assert ticket.appointment_id == appt.id and ticket.person_hash == appt.person_hash
        assert ticket.id_masked == appt.id_masked
    refused(db, booking_hall, "already_checked_in", code=code, now=local(THU, "08:50"))


def test_check_in_by_id_number(booking_hall, db, now):
    book(db, booking_hall, n=4, slot="10:00", now=now)
    assert check_in(db, booking_hall, id_number=person(4), now=local(THU, "10:10"))[2] == "appointment"
    refused(db, booking_hall, "unknown_appointment", id_number=person(5), now=local(THU, "10:10"))


@pytest.mark.parametrize(("at", "code"), [("08:29", "too_early"), ("09:16", "too_late")])
def test_check_in_only_within_the_window(booking_hall, db, now, at, code):
    booked = book(db, booking_hall, n=1, slot="09:00", now=now)
    err = refused(db, booking_hall, code, code=booked, now=local(THU, at))
    assert err.details["slot_start"] == "09:00"
    assert datetime.fromisoformat(err.details["from"]) == local(THU, "08:30")
    assert datetime.fromisoformat(err.details["until"]) == local(THU, "09:15")
    with db.read() as s:
        assert ac.by_code(s, booked).status == "booked"


def test_wrong_day_cancelled_and_unknown_are_refused(booking_hall, db, now):
    friday = book(db, booking_hall, n=1, day=date(2026, 3, 6), now=now)
    gone = book(db, booking_hall, n=2, now=now)
    with db.write() as s:
        ac.cancel(s, gone, actor=VISITOR, now=now)
    assert refused(db, booking_hall, "wrong_day", code=friday, now=local(THU, "09:00")).details == {"day": "2026-03-06"}
    refused(db, booking_hall, "wrong_day", id_number=person(1), now=local(THU, "09:00"))
    refused(db, booking_hall, "appointment_cancelled", code=gone, now=local(THU, "09:00"))
    refused(db, booking_hall, "unknown_appointment", code="ZZZZZZZZ", now=local(THU, "09:00"))


def test_a_missed_booking_cannot_check_in(booking_hall, db, now):
    code = book(db, booking_hall, n=1, now=now)
    with db.write() as s:
        ac.sweep_missed(s, now=local(THU, "09:20"), actor=SYSTEM)
    refused(db, booking_hall, "too_late", code=code, now=local(THU, "09:20"))


def test_a_retried_check_in_replays_the_same_ticket(booking_hall, db, now):
    code = book(db, booking_hall, n=1, now=now)
    first = check_in(db, booking_hall, code=code, now=local(THU, "09:00"), key="k-1")
    again = check_in(db, booking_hall, code=code, now=local(THU, "09:00"), key="k-1")
    assert again[:3] == first[:3] and (first[3], again[3]) == (False, True)
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1


def test_the_sweep_of_the_hall_marks_missed_bookings(booking_hall, db, now):
    code = book(db, booking_hall, n=1, now=now)
    with db.write() as s:
        wc.sweep(s, now=local(THU, "09:16"), actor=SYSTEM)
    with db.read() as s:
        assert s.scalars(select(Appointment.status).where(Appointment.code == code)).one() == "missed"


def test_an_appointment_ticket_is_called_before_earlier_normal_tickets(booking_hall, db, now):
    """Within its boost (priority_boost_s, 1200 s by default) a checked-in booking goes
    before normal tickets taken earlier; a normal ticket older than the boost still goes first."""
    code = book(db, booking_hall, n=1, now=now)
    start = local(THU, "08:40")
    with db.write() as s:
        old, _ = tc.issue_ticket(s, booking_hall.services["amr-001"], actor=booking_hall.kiosk, now=start,
                                 secret=SECRET)
        recent, _ = tc.issue_ticket(s, booking_hall.services["amr-001"], actor=booking_hall.kiosk,
                                    now=start + timedelta(minutes=12), secret=SECRET)
        order = [old.number, recent.number]
    appointment = check_in(db, booking_hall, code=code, now=start + timedelta(minutes=25))[1]
    called = []
    with db.write() as s:
        for minute in range(3):
            t, _ = wc.call_next(s, 1, actor=SYSTEM, now=start + timedelta(minutes=26 + minute))
            called.append(t.number)
            wc.start(s, 1, actor=SYSTEM, now=start + timedelta(minutes=26 + minute))
            wc.finish(s, 1, actor=SYSTEM, now=start + timedelta(minutes=26 + minute, seconds=30))
    # A001 waited 25 min (> 20 min boost): first. A002 waited 13 min: after the booking.
    assert called == [order[0], appointment, order[1]]
