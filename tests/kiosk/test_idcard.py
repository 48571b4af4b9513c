"""Reading a resident ID card on the kiosk fills the ID number of a ticket or a check-in,
whole or not at all: the kiosk's view-models with the real driver and the simulated reader
over a pty pair, on the demo hall's server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hallq.hardware.idcard import IdCardReader, IdCardReaderSimulator, sample_card
from hallq.kiosk.model.fields import Kind

pytestmark = pytest.mark.timeout(90)
NUMBER = "430102199003070936"


@pytest.fixture
def sim() -> Iterator[IdCardReaderSimulator]:
    with IdCardReaderSimulator() as simulator:
        yield simulator


@pytest.fixture
def kiosk(make_kiosk, sim: IdCardReaderSimulator):
    made = make_kiosk()
    made.id_card.reader = IdCardReader(sim.url, answer_timeout_s=0.5)
    return made


def test_a_card_fills_the_ticket_masked(kiosk, sim: IdCardReaderSimulator) -> None:
    sim.place(sample_card(NUMBER))
    read = kiosk.read_id_card("ticket")
    assert read.ok and read.masked == "430102********0936" and read.message_key == "idcard.read"
    assert kiosk.take_number.id_number == NUMBER and kiosk.take_number.id_masked == "430102********0936"
    shown = str(kiosk.describe())
    assert NUMBER not in shown                       # nothing the log or driver sees has it whole
    assert kiosk.describe()["id_card"] == {"reader": True, "last": {"ok": True, "code": ""}}


def test_a_card_fills_the_check_in(kiosk, sim: IdCardReaderSimulator) -> None:
    sim.place(sample_card(NUMBER))
    assert kiosk.read_id_card("checkin").ok
    assert kiosk.check_in.mode == Kind.ID_NUMBER and kiosk.check_in.ready
    assert kiosk.check_in.value is not None and kiosk.check_in.value.value == NUMBER
    assert kiosk.check_in.describe()["value"] == "430102********0936"


@pytest.mark.parametrize(("fault", "code"), [
    ("garbage", "bad_frame"), ("cut", "timeout"), ("bad_number", "bad_id_number"), (None, "no_card"),
    ("hangup", "disconnected")])
def test_a_failed_read_fills_nothing(kiosk, sim: IdCardReaderSimulator, fault: str | None, code: str) -> None:
    kiosk.take_number.set_id_number("11010519491231002X")    # typed before
    if fault is not None:
        sim.place(sample_card(NUMBER))
        sim.fault = fault
    read = kiosk.read_id_card("ticket")
    assert (read.ok, read.code, read.message_key) == (False, code, f"idcard.error.{code}")
    assert kiosk.take_number.id_number == "11010519491231002X"      # as it was
    assert kiosk.strings.t(read.message_key) != read.message_key     # a message exists
    read = kiosk.read_id_card("checkin")
    assert not read.ok and not kiosk.check_in.ready and kiosk.check_in.mode == Kind.BOOKING_CODE


def test_a_kiosk_without_a_reader_says_so(make_kiosk) -> None:
    kiosk = make_kiosk()
    read = kiosk.read_id_card("ticket")
    assert (read.ok, read.code) == (False, "no_reader") and kiosk.take_number.id_number is None
    with pytest.raises(ValueError):
        kiosk.read_id_card("credit")
