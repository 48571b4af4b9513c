"""The ID card reader driver against the simulator over a real pty pair, and the
`hallq device-sim idcard` process."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hallq.hardware.errors import IdCardError
from hallq.hardware.idcard import IdCardReader, IdCardReaderSimulator, sample_card
from hallq.hardware.idcard.protocol import FIND, READ_BASE, SELECT

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def sim() -> Iterator[IdCardReaderSimulator]:
    with IdCardReaderSimulator() as simulator:
        yield simulator


@pytest.fixture
def reader(sim: IdCardReaderSimulator) -> Iterator[IdCardReader]:
    with IdCardReader(sim.url, answer_timeout_s=0.5) as driver:
        yield driver


def test_a_card_is_found_selected_and_read(sim: IdCardReaderSimulator, reader: IdCardReader) -> None:
    sim.place(sample_card("430102199003070936"))
    card = reader.read_card()
    assert card.id_number == "430102199003070936" and card.sex == "1" and card.name == "张三"
    assert sim.commands == [FIND, SELECT, READ_BASE]
    assert reader.read_card() == card                         # and again, on the same port


def test_no_card_on_the_reader(sim: IdCardReaderSimulator, reader: IdCardReader) -> None:
    with pytest.raises(IdCardError) as refused:
        reader.read_card()
    assert refused.value.code == "no_card" and sim.commands == [FIND]


@pytest.mark.parametrize(("fault", "code"), [
    ("garbage", "bad_frame"), ("bad_check", "bad_frame"), ("cut", "timeout"), ("silent", "timeout"),
    ("select_fails", "select_failed"), ("bad_number", "bad_id_number")])
def test_faults_give_a_code_and_no_card(sim: IdCardReaderSimulator, reader: IdCardReader, fault: str,
                                       code: str) -> None:
    sim.place()
    sim.fault = fault
    with pytest.raises(IdCardError) as refused:
        reader.read_card()
    assert refused.value.code == code
    # the reader recovers once the fault is gone: the next card reads whole
    sim.fault = None
    assert reader.read_card().id_number == "11010519491231002X"


def test_a_reader_unplugged_mid_read(sim: IdCardReaderSimulator, reader: IdCardReader) -> None:
    sim.place()
    sim.fault = "hangup"                    # sends a third of the answer, then the line goes
    with pytest.raises(IdCardError) as refused:
        reader.read_card()
    assert refused.value.code == "disconnected"
    # The port is gone now: the next read fails too (usually "unreachable"; the system may
    # already have handed the pty's number to another program, which answers nothing useful).
    with pytest.raises(IdCardError) as again:
        reader.read_card()
    assert again.value.code in ("unreachable", "timeout", "bad_frame", "disconnected")


def test_a_missing_port_is_unreachable(tmp_path) -> None:
    with IdCardReader(str(tmp_path / "no-such-tty")) as reader, pytest.raises(IdCardError) as refused:
        reader.read_card()
    assert refused.value.code == "unreachable"


def test_idcard_process_on_a_pty(hallq_process, tmp_path) -> None:
    link = tmp_path / "idcard"
    proc = hallq_process("device-sim", "idcard", "--link", str(link))
    proc.wait_for(r"device-sim idcard on (\S+)")
    with IdCardReader(str(link), answer_timeout_s=1.0) as reader:
        with pytest.raises(IdCardError) as refused:
            reader.read_card()
        assert refused.value.code == "no_card"
        proc.send("place 430102199003070936")
        proc.wait_for(r"^card placed$")
        assert reader.read_card().id_number == "430102199003070936"
        proc.send("fault garbage")
        proc.wait_for(r"^fault garbage$")
        with pytest.raises(IdCardError) as garbled:
            reader.read_card()
        assert garbled.value.code == "bad_frame"
    assert proc.stop() == 0
    assert not link.exists()
