"""Visitors booking the last seats at the same instant: exactly the capacity succeeds, and
one person racing themselves gets one booking. On SQLite and, with
HALLQ_TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

import threading
from collections import Counter

from hallq.server.engine import QueueError
from hallq.server.models import Appointment
from hallq.server.models.appointment_config import AppointmentSlot
from sqlalchemy import func, select

from .conftest import book, configure

THREADS = 10


def race(target, count=THREADS):
    outcomes: list[str] = []
    lock = threading.Lock()
    barrier = threading.Barrier(count)

    def run(i):
        try:
            barrier.wait(timeout=30)
            target(i)
            result = "ok"
        except QueueError as exc:
            result = exc.code
        except BaseException as exc:  # anything else fails the test below
            result = repr(exc)
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a booking hung"
    return Counter(outcomes)


def test_exactly_capacity_bookings_win_the_last_seats(booking_hall, db, now):
    configure(db, now, default_capacity=3)
    book(db, booking_hall, n=100, now=now)   # one seat taken before the rush
    outcome = race(lambda i: book(db, booking_hall, n=i + 1, now=now))
    assert outcome == Counter({"slot_full": THREADS - 2, "ok": 2})
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Appointment)) == 3
        assert s.scalar(select(AppointmentSlot.booked)) == 3


def test_one_person_racing_for_several_slots_gets_one(booking_hall, db, now):
    configure(db, now, default_capacity=10)
    slots = ["09:00", "10:00", "11:00", "13:30", "14:30", "15:30"]
    outcome = race(lambda i: book(db, booking_hall, n=1, slot=slots[i], now=now), count=len(slots))
    assert outcome == Counter({"already_booked": len(slots) - 1, "ok": 1})
    with db.read() as s:
        assert s.scalar(select(func.count()).select_from(Appointment)) == 1
        # The losers' seats were given back with their rolled-back transactions.
        assert s.scalar(select(func.sum(AppointmentSlot.booked))) == 1
