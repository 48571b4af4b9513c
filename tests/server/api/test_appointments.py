"""The appointments API over real HTTP: public booking, QR, cancel, kiosk check-in with an
Idempotency-Key, the admin's configuration, and the refusals' codes."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import httpx
import pytest
from hallq.server.models import Appointment
from sqlalchemy import update

from tests.server.appointments.conftest import local, person
from tests.support.live import start_live_hall

THU = "2026-03-05"


class Clock:
    """The server's clock, moved by the test."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


@pytest.fixture
def booking(db, tmp_path):
    clock = Clock(datetime(2026, 3, 4, 2, 0, tzinfo=UTC))   # Wednesday 10:00 in the hall
    live = start_live_hall(db, tmp_path, clock=clock)
    live.clock = clock
    with live.client("admin") as admin:
        answer = admin.put("/appointments/config", json={
            "services": [{"code": "amr-001"}, {"code": "tax-001", "capacity": 1}], "default_capacity": 2})
        assert answer.status_code == 200, answer.text
    yield live
    live.server.stop()


def book(http: httpx.Client, service_id: int, *, n: int = 1, day: str = THU, slot: str = "09:00") -> httpx.Response:
    return http.post("/appointments", json={"service_id": service_id, "day": day, "slot_start": slot,
                                            "id_number": person(n), "name": "张三", "phone": "13800138000"})


def code_of(answer: httpx.Response) -> str:
    return answer.json()["error"]["code"]


def test_public_booking_lookup_qr_and_refusals(booking):
    amr = booking.hall.services["amr-001"]
    with booking.client() as http:
        found = http.get("/appointments/bookable").json()
        assert found["days"] == ["2026-03-05", "2026-03-06", "2026-03-09", "2026-03-10", "2026-03-11"]
        assert [s["code"] for s in found["services"]] == ["amr-001", "tax-001"]
        slots = http.get("/appointments/slots", params={"service_id": amr, "day": THU}).json()
        assert slots[0] == {"slot_start": "09:00", "slot_end": "10:00", "capacity": 2, "booked": 0, "available": 2}

        made = book(http, amr)
        assert made.status_code == 201, made.text
        body = made.json()
        assert {"code", "day", "slot_start", "slot_end", "service", "qr_url", "status"} <= set(body)
        assert (body["day"], body["slot_start"], body["slot_end"], body["status"]) == (THU, "09:00", "10:00", "booked")
        assert body["service"]["id"] == amr and len(body["code"]) == 8
        assert body["id_masked"] == person(1)[:6] + "********" + person(1)[14:] and body["name_masked"] == "张*"
        assert person(1) not in made.text and "13800138000" not in made.text

        shown = http.get(f"/appointments/{body['code'].lower()}").json()
        assert shown["code"] == body["code"] and person(1) not in str(shown)
        svg = http.get(body["qr_url"])
        assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
        png = http.get(f"/appointments/{body['code']}/qr.png")
        assert png.headers["content-type"] == "image/png"
        assert decode_qr(png.content) == body["code"]
        assert http.get("/appointments/slots", params={"service_id": amr, "day": THU}).json()[0]["booked"] == 1

        for answer, status, code in (
            (book(http, amr, slot="10:00"), 409, "already_booked"),
            (book(http, amr, n=2, day="2026-03-12"), 422, "outside_horizon"),
            (book(http, amr, n=2, day="2026-03-07"), 422, "not_bookable"),
            (book(http, booking.hall.services["amr-002"], n=2), 422, "not_bookable"),
            (http.post("/appointments", json={"service_id": amr, "day": THU, "slot_start": "09:00",
                                              "id_number": "110105194912310021", "name": "李四",
                                              "phone": "13800138000"}), 422, "invalid_id_number"),
            (http.post("/appointments", json={"service_id": amr, "day": THU}), 422, "invalid_request"),
            (http.get("/appointments/NOSUCH99"), 404, "unknown_appointment"),
        ):
            assert (answer.status_code, code_of(answer)) == (status, code), answer.text
        book(http, booking.hall.services["tax-001"], n=3)
        full = book(http, booking.hall.services["tax-001"], n=4)
        assert (full.status_code, code_of(full)) == (409, "slot_full")


def decode_qr(png: bytes) -> str:
    import zxingcpp
    from PIL import Image

    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text


def test_cancel_until_the_cut_off(booking):
    amr = booking.hall.services["amr-001"]
    with booking.client() as http:
        first = book(http, amr).json()["code"]
        second = book(http, amr, n=2).json()["code"]
        cancelled = http.post(f"/appointments/{first}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        again = http.post(f"/appointments/{first}/cancel")
        assert (again.status_code, code_of(again)) == (409, "appointment_cancelled")
        assert http.get("/appointments/slots", params={"service_id": amr, "day": THU}).json()[0]["booked"] == 1
        booking.clock.at = local(datetime(2026, 3, 5).date(), "07:30")
        late = http.post(f"/appointments/{second}/cancel")
        assert (late.status_code, code_of(late)) == (409, "too_late_to_cancel")
        assert http.get(f"/appointments/{second}").json()["status"] == "booked"


def test_kiosk_check_in(booking):
    amr = booking.hall.services["amr-001"]
    with booking.client() as http:
        code = book(http, amr).json()["code"]
        later = book(http, amr, n=2, slot="14:30").json()["code"]
        friday = book(http, amr, n=3, day="2026-03-06").json()["code"]
    with booking.client("display") as display:
        assert display.post("/appointments/check-in", json={"code": code}).status_code == 403
    booking.clock.at = local(datetime(2026, 3, 5).date(), "08:45")
    with booking.client("kiosk") as kiosk:
        first = kiosk.post("/appointments/check-in", json={"code": code}, headers={"Idempotency-Key": "scan-1"})
        assert first.status_code == 201, first.text
        ticket = first.json()
        assert (ticket["number"], ticket["priority"], ticket["replayed"]) == ("A001", "appointment", False)
        assert ticket["status_url"].endswith("/t/" + ticket["token"])
        retry = kiosk.post("/appointments/check-in", json={"code": code}, headers={"Idempotency-Key": "scan-1"})
        assert retry.status_code == 200 and retry.json()["id"] == ticket["id"] and retry.json()["replayed"]
        for body, status, error in (
            ({"code": code}, 409, "already_checked_in"),
            ({"code": later}, 409, "too_early"),
            ({"code": friday}, 409, "wrong_day"),
            ({"code": "ZZZZZZZZ"}, 404, "unknown_appointment"),
            ({"id_number": person(9)}, 404, "unknown_appointment"),
        ):
            answer = kiosk.post("/appointments/check-in", json=body)
            assert (answer.status_code, code_of(answer)) == (status, error), answer.text
        early = kiosk.post("/appointments/check-in", json={"id_number": person(2)}).json()["error"]["details"]
        assert early["slot_start"] == "14:30"
        assert datetime.fromisoformat(early["from"]) == local(datetime(2026, 3, 5).date(), "14:00")
        booking.clock.at = local(datetime(2026, 3, 5).date(), "14:40")
        by_id = kiosk.post("/appointments/check-in", json={"id_number": person(2)})
        assert by_id.status_code == 201 and by_id.json()["priority"] == "appointment"
    with booking.client() as http:
        assert http.get(f"/appointments/{code}").json()["status"] == "checked_in"


def test_configuration_is_for_admins(booking):
    with booking.client("manager") as manager:
        assert manager.get("/appointments/config").status_code == 403
        assert manager.put("/appointments/config", json={}).status_code == 403
    with booking.client("admin") as admin:
        config = admin.get("/appointments/config").json()
        assert config["services"][1] == {"code": "tax-001", "capacity": 1}
        assert (config["horizon_days"], config["cancel_cutoff_min"], config["follow_up_days"]) == (5, 120, 5)
        bad = admin.put("/appointments/config", json={**config, "services": [{"code": "nope"}]})
        assert (bad.status_code, code_of(bad)) == (422, "invalid_value")
        assert admin.get("/appointments/config").json() == config
        blocking = admin.put("/appointments/config", json={**config, "no_show_limit": 1, "no_show_block_days": 7})
        assert blocking.status_code == 200 and blocking.json()["no_show_limit"] == 1
    with booking.client() as http:
        missed = book(http, booking.hall.services["amr-001"], n=5).json()["code"]
        with booking.hall.db.write() as s:   # as the sweep marks it once the slot has passed
            s.execute(update(Appointment).where(Appointment.code == missed).values(status="missed"))
        blocked = book(http, booking.hall.services["amr-001"], n=5, day="2026-03-06")
        assert (blocked.status_code, code_of(blocked)) == (403, "booking_blocked")
        assert blocked.json()["error"]["details"] == {"until": "2026-03-12"}
