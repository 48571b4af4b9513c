"""Appointment check-in at the kiosk: a booking code or an ID number gives the booking's
priority ticket, printed; refusals come back as codes the screen explains."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hallq.hardware.printer import PrinterProfile, PrinterSimulator, open_printer
from hallq.kiosk.config import KioskSettings
from hallq.kiosk.model import Issued, Kind, Kiosk, Refused

from hallq.identifiers import id_check_char, mask_id_number
from tests.support.live import LiveHall, start_live_hall

pytestmark = pytest.mark.timeout(90)

THU = date(2026, 3, 5)


class Clock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def local(day: date, hhmm: str) -> datetime:
    h, m = map(int, hhmm.split(":"))
    return datetime(day.year, day.month, day.day, h, m, tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


def person(n: int) -> str:
    first17 = f"11010519800101{n:03d}"
    return first17 + id_check_char(first17)


@pytest.fixture
def booking(db, tmp_path: Path) -> Iterator[LiveHall]:
    clock = Clock(local(date(2026, 3, 4), "10:00"))
    live = start_live_hall(db, tmp_path, clock=clock)
    live.clock = clock  # type: ignore[attr-defined]
    with live.client("admin") as admin:
        assert admin.put("/appointments/config", json={"services": [{"code": "amr-001"}],
                                                       "default_capacity": 5}).status_code == 200
    yield live
    live.server.stop()


def book(live: LiveHall, n: int, slot: str = "09:00") -> str:
    with live.client() as http:
        answer = http.post("/appointments", json={
            "service_id": live.hall.services["amr-001"], "day": THU.isoformat(), "slot_start": slot,
            "id_number": person(n), "name": "张三", "phone": "13800138000"})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["code"])


def test_check_in_by_code_and_by_id_number(booking: LiveHall, printer_sim: PrinterSimulator,
                                           tmp_path: Path) -> None:
    code = book(booking, 1)
    book(booking, 2, "10:00")
    kiosk = Kiosk(KioskSettings(url=booking.url, token=booking.tokens["kiosk"], discovery=False,
                                cache_dir=tmp_path / "cache", prefetch_guides=False),
                  printer=open_printer(printer_sim.tcp_uri, PrinterProfile.mm80()))
    kiosk.boot()
    flow = kiosk.check_in

    booking.clock.at = local(THU, "07:00")  # type: ignore[attr-defined]
    for key in code.lower():
        assert flow.entry.press(key)
    assert flow.accept().ok
    early = flow.submit()
    assert isinstance(early, Refused) and early.code == "too_early" and not early.retry
    assert early.message_key == "error.too_early" and early.values("Asia/Shanghai")["start"] == "08:30"

    booking.clock.at = local(THU, "08:50")  # type: ignore[attr-defined]
    ticket = flow.submit()
    assert isinstance(ticket, Issued) and ticket.priority == "appointment" and flow.done
    [receipt] = printer_sim.wait_for_receipts(1)
    assert ticket.number in receipt.lines and "预约优先 Appointment" in receipt.lines
    again = flow.submit()
    assert isinstance(again, Refused) and again.code == "already_checked_in"

    flow.reset()
    flow.set_mode(Kind.ID_NUMBER)
    assert flow.set_value(person(2)[:17] + "0").error == "field.id_number.check"
    assert flow.set_value(person(2)).ok
    booking.clock.at = local(THU, "09:40")  # type: ignore[attr-defined]
    by_id = flow.submit()
    assert isinstance(by_id, Issued) and by_id.priority == "appointment"
    assert flow.describe()["value"] == mask_id_number(person(2))
    kiosk.stop()


def test_unknown_code_and_malformed_input(booking: LiveHall, tmp_path: Path) -> None:
    kiosk = Kiosk(KioskSettings(url=booking.url, token=booking.tokens["kiosk"], discovery=False,
                                cache_dir=tmp_path / "cache", prefetch_guides=False))
    kiosk.boot()
    flow = kiosk.check_in
    assert flow.set_value("ABC").error == "field.booking_code.shape"
    with pytest.raises(ValueError):
        flow.submit()
    assert flow.set_value("ZZZZ2345").ok
    unknown = flow.submit()
    assert isinstance(unknown, Refused) and unknown.code == "unknown_appointment"
    assert unknown.message_key == "error.unknown_appointment"
    assert not flow.keyed.pending
    kiosk.stop()
