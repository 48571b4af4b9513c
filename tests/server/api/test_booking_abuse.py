"""Abuse control of the public booking API through a real server: bookings per address, per
person and per phone, exact under parallel requests; guessing booking codes locks the
guessing address out; the verification question; codes as people type them.

Other client addresses come in X-Forwarded-For: the server trusts it from 127.0.0.1 only
(uvicorn's forwarded_allow_ips), as it would from a reverse proxy on the same host."""

from __future__ import annotations

import re
import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hallq.server.models import Appointment, AuditEntry
from hallq.server.models.limits import LimitCounter
from hallq.server.services.appointments import CODE_ALPHABET, CODE_LENGTH
from sqlalchemy import func, select

from tests.server.api.test_appointments import Clock
from tests.server.appointments.conftest import person
from tests.support.live import start_live_hall

THU = "2026-03-05"
FRI = "2026-03-06"
GUESSER = "203.0.113.9"
NEIGHBOUR = "198.51.100.7"
TO_MIDNIGHT_S = 14 * 3600   # from Wednesday 10:00 in the hall


@pytest.fixture
def hall_with(db, tmp_path):
    """Start the hall with the given settings; amr-001 takes 50 bookings a slot."""
    started = []

    def start(**settings: Any):
        clock = Clock(datetime(2026, 3, 4, 2, 0, tzinfo=UTC))   # Wednesday 10:00 in the hall
        live = start_live_hall(db, tmp_path, clock=clock, **settings)
        live.clock = clock
        started.append(live)
        with live.client("admin") as admin:
            admin.put("/appointments/config", json={"services": [{"code": "amr-001"}], "default_capacity": 50}
                      ).raise_for_status()
        live.amr = live.hall.services["amr-001"]
        return live

    yield start
    for live in started:
        live.server.stop()


def from_address(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def client_at(live, address: str) -> httpx.Client:
    http = live.client()
    http.headers.update(from_address(address))
    return http


def booking(live, n: int, *, phone: str | None = None, day: str = THU, **extra: Any) -> dict[str, Any]:
    return {"service_id": live.amr, "day": day, "slot_start": "09:00", "id_number": person(n), "name": "张三",
            "phone": phone or f"138{n:08d}", **extra}


def error(answer: httpx.Response) -> tuple[int, str]:
    return answer.status_code, answer.json()["error"]["code"]


def bookings(live) -> int:
    with live.hall.db.read() as s:
        return int(s.scalar(select(func.count()).select_from(Appointment)) or 0)


def random_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def test_parallel_bookings_from_one_address_stop_exactly_at_the_limit(hall_with):
    live = hall_with(booking_per_address_per_hour=5)

    def book(n: int) -> httpx.Response:
        with live.client() as http:
            return http.post("/appointments", json=booking(live, n))

    with ThreadPoolExecutor(12) as pool:
        answers = list(pool.map(book, range(1, 13)))
    statuses = [a.status_code for a in answers]
    assert statuses.count(201) == 5 and statuses.count(429) == 7, statuses
    for refused in (a for a in answers if a.status_code == 429):
        assert error(refused) == (429, "rate_limited")
        assert refused.json()["error"]["details"]["limit"] == "booking:address"
        assert 1 <= int(refused.headers["Retry-After"]) <= 3600
    assert bookings(live) == 5
    with live.client() as http:
        slots = http.get("/appointments/slots", params={"service_id": live.amr, "day": THU}).json()
        assert slots[0]["booked"] == 5   # refused bookings took no seat
        assert http.post("/appointments", json=booking(live, 20), headers=from_address(NEIGHBOUR)).status_code == 201


def test_a_person_and_a_phone_have_a_daily_cap_that_cancelling_does_not_reset(hall_with):
    live = hall_with(booking_per_person_per_day=2, booking_per_phone_per_day=3)
    with live.client() as http:
        first = http.post("/appointments", json=booking(live, 1))
        assert first.status_code == 201
        # A refused booking does not count against the cap.
        assert error(http.post("/appointments", json=booking(live, 1))) == (409, "already_booked")
        assert http.post(f"/appointments/{first.json()['code']}/cancel").status_code == 200
        second = http.post("/appointments", json=booking(live, 1))
        assert second.status_code == 201
        assert http.post(f"/appointments/{second.json()['code']}/cancel").status_code == 200
        third = http.post("/appointments", json=booking(live, 1), headers=from_address(NEIGHBOUR))
        assert error(third) == (429, "rate_limited")
        assert third.json()["error"]["details"]["limit"] == "booking:person"
        assert int(third.headers["Retry-After"]) == TO_MIDNIGHT_S
        assert person(1) not in third.text

        family = "13900139000"
        for n in (2, 3, 4):
            assert http.post("/appointments", json=booking(live, n, phone=family)).status_code == 201
        fourth = http.post("/appointments", json=booking(live, 5, phone=family))
        assert error(fourth) == (429, "rate_limited")
        assert fourth.json()["error"]["details"]["limit"] == "booking:phone"
        assert bookings(live) == 5

        live.clock.at += timedelta(days=1)   # Thursday: a new day for both counters
        assert http.post("/appointments", json=booking(live, 1, day=FRI)).status_code == 201
        assert http.post("/appointments", json=booking(live, 5, phone=family, day=FRI)).status_code == 201
    with live.hall.db.read() as s:   # the counters know the numbers only by a keyed hash
        keys = list(s.scalars(select(LimitCounter.key)))
    assert {k.split(":")[1] for k in keys} >= {"person", "phone"}
    assert not any(person(1) in k or person(5) in k or family in k for k in keys)


def test_guessing_codes_locks_the_guessing_address_out_and_no_other(hall_with):
    live = hall_with(booking_code_misses_per_hour=5, booking_lockout_minutes=120, booking_lookups_per_minute=100)
    with live.client() as http:
        code = http.post("/appointments", json=booking(live, 1)).json()["code"]
        for _ in range(8):   # found codes do not count as misses
            assert http.get(f"/appointments/{code}").status_code == 200

    def guess(_: int) -> int:
        with client_at(live, GUESSER) as http:
            return http.get(f"/appointments/{random_code()}").status_code

    with ThreadPoolExecutor(20) as pool:
        statuses = list(pool.map(guess, range(20)))
    assert statuses.count(404) == 5 and statuses.count(429) == 15, statuses

    with client_at(live, GUESSER) as guesser:
        for answer in (guesser.get(f"/appointments/{code}"), guesser.post(f"/appointments/{code}/cancel"),
                       guesser.get(f"/appointments/{code}/qr.svg")):
            assert error(answer) == (429, "rate_limited")
            assert answer.json()["error"]["details"]["limit"] == "booking:miss"
            assert int(answer.headers["Retry-After"]) == 120 * 60
    with live.client() as http:   # the visitor's own address is not affected
        assert http.get(f"/appointments/{code}").json()["status"] == "booked"
    with client_at(live, NEIGHBOUR) as neighbour:
        assert neighbour.get(f"/appointments/{code}").status_code == 200
    with live.hall.db.read() as s:
        locked = s.scalars(select(AuditEntry).where(AuditEntry.action == "appointment.lookup_locked")).all()
    assert [entry.detail["address"] for entry in locked] == [GUESSER]

    live.clock.at += timedelta(minutes=121)
    with client_at(live, GUESSER) as guesser:
        assert guesser.get(f"/appointments/{code}").status_code == 200


def test_lookups_and_cancels_per_minute_are_limited(hall_with):
    live = hall_with(booking_lookups_per_minute=4)
    with live.client() as http:
        code = http.post("/appointments", json=booking(live, 1)).json()["code"]
        statuses = [http.get(f"/appointments/{code}").status_code for _ in range(4)]
        refused = http.post(f"/appointments/{code}/cancel")
    assert statuses == [200] * 4
    assert error(refused) == (429, "rate_limited") and refused.json()["error"]["details"]["limit"] == "booking:lookup"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    live.clock.at += timedelta(seconds=61)
    with live.client() as http:
        assert http.post(f"/appointments/{code}/cancel").json()["status"] == "cancelled"


def answer_to(question: str) -> int:
    a, b = re.fullmatch(r"(\d+) \+ (\d+) = \?", question).groups()
    return int(a) + int(b)


def test_the_verification_question_when_the_hall_turns_it_on(hall_with):
    live = hall_with(booking_challenge=True)
    with live.client() as http:
        def asked() -> dict[str, Any]:
            found = http.get("/appointments/challenge").json()
            assert found["required"] is True and 0 < found["expires_in_s"] <= 300
            return found

        def try_with(n: int, token: str, answer: Any) -> httpx.Response:
            return http.post("/appointments", json=booking(live, n, challenge={"token": token, "answer": answer}))

        def failed(answer: httpx.Response) -> str:
            assert error(answer) == (422, "challenge_failed"), answer.text
            return str(answer.json()["error"]["details"]["reason"])

        assert error(http.post("/appointments", json=booking(live, 1))) == (422, "challenge_required")
        q = asked()
        assert failed(try_with(1, q["token"], answer_to(q["question"]) + 1)) == "wrong_answer"
        assert failed(try_with(1, q["token"], answer_to(q["question"]))) == "used"   # one try a token
        q = asked()
        expires, rest = q["token"].split(".", 1)
        assert failed(try_with(1, f"{int(expires) + 3600}.{rest}", answer_to(q["question"]))) == "forged"
        assert failed(try_with(1, "not-a-token", 3)) == "forged"
        live.clock.at += timedelta(seconds=301)
        assert failed(try_with(1, q["token"], answer_to(q["question"]))) == "expired"
        live.clock.at -= timedelta(seconds=301)
        assert bookings(live) == 0

        q = asked()
        right = try_with(1, q["token"], str(answer_to(q["question"])))
        assert right.status_code == 201, right.text
        assert failed(try_with(2, q["token"], answer_to(q["question"]))) == "used"
        assert bookings(live) == 1
        slots = http.get("/appointments/slots", params={"service_id": live.amr, "day": THU}).json()
        assert slots[0]["booked"] == 1


def test_without_the_question_booking_needs_no_challenge(hall_with):
    live = hall_with()
    with live.client() as http:
        assert http.get("/appointments/challenge").json() == {"required": False}
        assert http.post("/appointments", json=booking(live, 1)).status_code == 201


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


def test_codes_are_accepted_as_people_type_them(hall_with):
    live = hall_with()
    with live.client() as http:
        code = http.post("/appointments", json=booking(live, 1)).json()["code"]
        typed = [code.lower(), f"{code[:4]}-{code[4:]}".lower(), f" {code[:4]} {code[4:]} ",
                 full_width(code.lower()), full_width(code[:4]) + "－" + full_width(code[4:])]
        for form in typed:
            shown = http.get(f"/appointments/{form}")
            assert shown.status_code == 200 and shown.json()["code"] == code, form
        assert http.get(f"/appointments/{code[:4]}-{code[4:]}/qr.png").status_code == 200
        for wrong in (code[:-1], code + "2", "O" * CODE_LENGTH, "x" * 100):
            assert error(http.get(f"/appointments/{wrong}")) == (404, "unknown_appointment"), wrong
        cancelled = http.post(f"/appointments/{full_width(code.lower())}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
