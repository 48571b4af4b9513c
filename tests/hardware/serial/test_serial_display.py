"""Window displays: pacing (with an injected clock) and frames through a real pty pair."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from hallq.hardware.errors import SerialDeviceError
from hallq.hardware.serial.display import CLEAR, TEXT, DisplayCommand, WindowDisplay
from hallq.hardware.serial.pacing import Pacer
from hallq.hardware.serial.sim import DisplaySimulator, DisplayUpdate

pytestmark = pytest.mark.timeout(60)


class FakeClock:
    """Time that passes only when the display's writer sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        with self.lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


def test_pacer() -> None:
    pacer = Pacer(0.3)
    assert pacer.delay(5.0) == 0.0
    pacer.sent(5.0)
    assert pacer.delay(5.1) == pytest.approx(0.2)
    assert pacer.delay(5.4) == 0.0
    with pytest.raises(ValueError):
        Pacer(-1)


@pytest.fixture
def bus() -> Iterator[DisplaySimulator]:
    with DisplaySimulator() as simulator:
        yield simulator


def test_frames_are_paced_on_the_shared_bus(bus) -> None:
    clock = FakeClock()
    sent: list[tuple[DisplayCommand, float]] = []
    with WindowDisplay(bus.path, gap_s=0.3, clock=clock, sleep=clock.sleep, coalesce=False,
                       on_sent=lambda c, t: sent.append((c, t))) as display:
        for window in (1, 2, 3, 4):
            display.show(window, f"A00{window} 请到{window}号窗口")
        assert display.flush(5)
    times = [t for _, t in sent]
    assert [c.address for c, _ in sent] == [1, 2, 3, 4]
    assert all(b - a >= 0.3 - 1e-9 for a, b in zip(times, times[1:], strict=False))
    updates = bus.wait_for_updates(4)
    assert [(u.address, u.text) for u in updates] == [(w, f"A00{w} 请到{w}号窗口")
                                                      for w in (1, 2, 3, 4)]


def test_show_never_blocks_the_caller(bus) -> None:
    with WindowDisplay(bus.path, gap_s=0.1, coalesce=False) as display:
        for window in range(1, 11):
            display.show(window, f"B{window:03d}")
        # Ten frames take 0.9 s on the bus; all ten calls have already returned.
        assert display.pending() >= 8
        display.flush(10)
    assert [u.address for u in bus.wait_for_updates(10)] == list(range(1, 11))


def test_a_newer_text_for_a_waiting_window_replaces_the_old_one(bus) -> None:
    clock = FakeClock()
    gate = threading.Event()

    def held_sleep(seconds: float) -> None:
        gate.wait(5)  # the bus is busy until the test lets it go
        clock.sleep(seconds)

    with WindowDisplay(bus.path, gap_s=0.3, clock=clock, sleep=held_sleep) as display:
        display.show(9, "A000")
        gate_was_needed = not display.flush(0.5)  # A000 goes out without waiting
        assert not gate_was_needed
        display.show(5, "A001 请到5号窗口")  # waits for the gap after A000
        display.show(6, "A002 请到6号窗口")
        display.show(5, "A003 请到5号窗口")  # replaces A001, keeps its place
        assert display.pending() == 2
        gate.set()
        display.flush(5)
    assert [(u.address, u.text) for u in bus.wait_for_updates(3)] == [
        (9, "A000"), (5, "A003 请到5号窗口"), (6, "A002 请到6号窗口")]


def test_clear_brightness_and_refresh(bus) -> None:
    with WindowDisplay(bus.path, gap_s=0.01) as display:
        display.show(3, "C001", effect="blink")
        display.brightness(3, 9)
        display.clear(3)
        display.show(4, "C002")
        display.flush(5)
        display.refresh()
        display.flush(5)
    updates = bus.wait_for_updates(5)
    assert updates[:4] == [DisplayUpdate(3, "text", "C001", "blink"),
                           DisplayUpdate(3, "brightness", level=9),
                           DisplayUpdate(3, "clear"),
                           DisplayUpdate(4, "text", "C002")]
    assert updates[4] == DisplayUpdate(4, "text", "C002")  # refresh resends what is shown


def test_legacy_framing(tmp_path) -> None:
    with DisplaySimulator(framing="legacy") as legacy:
        with WindowDisplay(legacy.path, gap_s=0.01, framing="legacy") as display:
            display.show(1, "A001 请到1号窗口")
            display.show(7, "A002 请到7号窗口")
            with pytest.raises(SerialDeviceError) as err:
                display.brightness(1, 3)
            assert err.value.code == "unsupported"
            display.flush(5)
        assert [(u.address, u.text) for u in legacy.wait_for_updates(2)] == [
            (1, "A001 请到1号窗口"), (7, "A002 请到7号窗口")]


def test_only_the_addressed_display_reacts() -> None:
    with DisplaySimulator(addresses=[2]) as window_two:
        with WindowDisplay(window_two.path, gap_s=0.01) as display:
            display.show(1, "not mine")
            display.show(2, "mine")
            display.flush(5)
        assert [u.text for u in window_two.wait_for_updates(1)] == ["mine"]
        assert window_two.texts == {2: "mine"}


def test_bad_arguments_are_refused_at_once(bus) -> None:
    with WindowDisplay(bus.path) as display:
        for call, code in ((lambda: display.show(0, "x"), "bad_address"),
                           (lambda: display.show(248, "x"), "bad_address"),
                           (lambda: display.show(1, "很长" * 200), "too_long")):
            with pytest.raises(SerialDeviceError) as err:
                call()
            assert err.value.code == code
    with pytest.raises(SerialDeviceError) as err:
        display.show(1, "closed")
    assert err.value.code == "closed"


def test_frames_carry_gb18030_text() -> None:
    command = DisplayCommand(5, TEXT, b"\x00" + "窗口".encode("gb18030"), "窗口")
    assert "窗口".encode("gb18030") in command.encode("hallq")
    assert DisplayCommand(5, CLEAR, b"").encode("hallq")[2] == CLEAR


def test_unreachable_port_is_a_typed_error() -> None:
    with pytest.raises(SerialDeviceError) as err:
        WindowDisplay("/dev/no-such-display-bus")
    assert err.value.code == "unreachable"
