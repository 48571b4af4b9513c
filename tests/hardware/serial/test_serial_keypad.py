"""The caller keypad: protocol logic with an injected clock, then the driver against the
keypad simulator through a real pty pair."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from hallq.hardware.serial.framing import ACK, NAK, Frame
from hallq.hardware.serial.keypad import (
    KEY,
    KeyCode,
    Keypad,
    KeypadAction,
    KeypadEvent,
    KeypadProtocol,
)
from hallq.hardware.serial.sim import KeypadSimulator

pytestmark = pytest.mark.timeout(60)


def key(address: int, seq: int, code: int, arg: str = "") -> Frame:
    return Frame(address, KEY, bytes([seq, code]) + arg.encode())


@pytest.mark.parametrize(("code", "action"), [
    (KeyCode.CALL, KeypadAction.CALL), (KeyCode.RECALL, KeypadAction.RECALL),
    (KeyCode.NO_SHOW, KeypadAction.NO_SHOW), (KeyCode.HOLD, KeypadAction.HOLD),
    (KeyCode.RESUME, KeypadAction.RESUME), (KeyCode.PAUSE, KeypadAction.PAUSE),
    (KeyCode.FINISH, KeypadAction.FINISH), (KeyCode.START, KeypadAction.START),
])
def test_action_keys_become_events_and_are_acknowledged(code: int, action: KeypadAction) -> None:
    events, replies = KeypadProtocol().handle(key(5, 9, code), now=0.0)
    assert events == [KeypadEvent(action, 5, None, 9)]
    assert replies == [Frame(5, ACK, b"\x09")]


def test_a_retransmitted_key_is_acknowledged_but_not_repeated() -> None:
    protocol = KeypadProtocol()
    assert len(protocol.handle(key(5, 9, KeyCode.CALL), 0.0)[0]) == 1
    events, replies = protocol.handle(key(5, 9, KeyCode.CALL), 0.2)
    assert (events, replies) == ([], [Frame(5, ACK, b"\x09")])
    assert len(protocol.handle(key(5, 10, KeyCode.CALL), 0.4)[0]) == 1  # a new press
    assert len(protocol.handle(key(6, 10, KeyCode.CALL), 0.4)[0]) == 1  # another window


def test_digits_then_enter_call_a_specific_number() -> None:
    protocol = KeypadProtocol()
    for seq, digit in enumerate("012", start=1):
        assert protocol.handle(key(2, seq, KeyCode.DIGIT, digit), 1.0)[0] == []
    [event] = protocol.handle(key(2, 4, KeyCode.ENTER), 2.0)[0]
    assert (event.action, event.argument) == (KeypadAction.CALL_NUMBER, "012")


def test_a_keypad_that_buffers_the_number_itself() -> None:
    [event] = KeypadProtocol().handle(key(2, 1, KeyCode.CALL_NUMBER, "15"), 0.0)[0]
    assert (event.action, event.argument) == (KeypadAction.CALL_NUMBER, "15")


def test_transfer_takes_a_target_then_enter() -> None:
    protocol = KeypadProtocol()
    assert protocol.handle(key(2, 1, KeyCode.TRANSFER), 0.0)[0] == []
    protocol.handle(key(2, 2, KeyCode.DIGIT, "3"), 0.5)
    [event] = protocol.handle(key(2, 3, KeyCode.ENTER), 1.0)[0]
    assert (event.action, event.argument) == (KeypadAction.TRANSFER, "3")
    protocol.handle(key(2, 4, KeyCode.TRANSFER), 2.0)
    [event] = protocol.handle(key(2, 5, KeyCode.ENTER), 2.5)[0]
    assert (event.action, event.argument) == (KeypadAction.TRANSFER, None)
    [event] = protocol.handle(key(2, 6, KeyCode.TRANSFER, "4"), 3.0)[0]
    assert (event.action, event.argument) == (KeypadAction.TRANSFER, "4")


def test_clear_and_expiry_abandon_an_entry() -> None:
    protocol = KeypadProtocol(entry_timeout_s=30.0)
    protocol.handle(key(2, 1, KeyCode.DIGIT, "7"), 0.0)
    protocol.handle(key(2, 2, KeyCode.CLEAR), 1.0)
    assert protocol.handle(key(2, 3, KeyCode.ENTER), 2.0)[0] == []
    protocol.handle(key(2, 4, KeyCode.DIGIT, "8"), 10.0)
    assert protocol.handle(key(2, 5, KeyCode.ENTER), 45.0)[0] == []  # typed 35 s ago
    protocol.handle(key(2, 6, KeyCode.DIGIT, "9"), 50.0)
    protocol.handle(key(2, 7, KeyCode.CALL), 51.0)  # another key abandons the entry too
    assert protocol.handle(key(2, 8, KeyCode.ENTER), 52.0)[0] == []


@pytest.mark.parametrize("frame", [
    key(2, 1, 0x7E),  # unknown key
    key(2, 1, KeyCode.DIGIT, "x"),
    key(2, 1, KeyCode.DIGIT, "12"),
    key(2, 1, KeyCode.CALL, "5"),  # action keys take no argument
    key(2, 1, KeyCode.CALL_NUMBER, "1a"),
])
def test_invalid_keys_are_refused_not_guessed(frame: Frame) -> None:
    events, replies = KeypadProtocol().handle(frame, 0.0)
    assert events == []
    assert [r.command for r in replies] == [NAK]


def test_malformed_and_foreign_frames_are_ignored() -> None:
    protocol = KeypadProtocol()
    assert protocol.handle(Frame(2, KEY, b"\x01"), 0.0) == ([], [])
    assert protocol.handle(Frame(2, 0x99, b""), 0.0) == ([], [])
    assert protocol.handle(Frame(0, KEY, b"\x01\x01"), 0.0) == ([], [])  # broadcast source


@pytest.fixture
def keypads() -> Iterator[tuple[KeypadSimulator, Keypad]]:
    with KeypadSimulator([3, 4]) as simulator:
        driver = Keypad(simulator.path)
        yield simulator, driver
        driver.close()


def test_presses_arrive_as_typed_events_through_a_pty(keypads) -> None:
    simulator, driver = keypads
    assert simulator.press("call")
    assert simulator.press("no_show", address=4)
    assert simulator.enter_number("12")
    assert simulator.press("transfer")
    assert simulator.enter_number("2")
    events = [driver.get(2) for _ in range(4)]
    assert [(e.action, e.window_address, e.argument) for e in events if e] == [
        (KeypadAction.CALL, 3, None), (KeypadAction.NO_SHOW, 4, None),
        (KeypadAction.CALL_NUMBER, 3, "12"), (KeypadAction.TRANSFER, 3, "2")]
    assert driver.get(0.2) is None


def test_garbage_torn_frames_and_bad_checksums_on_the_line(keypads) -> None:
    simulator, driver = keypads
    simulator.write_raw(b"\x00\xff\x01\x03garbage\x07\x01")
    assert simulator.press("recall", chunks=5)  # torn into 5 writes
    corrupted = bytearray(key(3, 77, KeyCode.FINISH).encode())
    corrupted[5] = KeyCode.NO_SHOW  # a flipped key code with the old checksum
    simulator.write_raw(bytes(corrupted))
    assert simulator.press("hold")
    events = [driver.get(2), driver.get(2)]
    assert [e.action for e in events if e] == [KeypadAction.RECALL, KeypadAction.HOLD]
    assert driver.get(0.3) is None  # neither FINISH nor NO_SHOW was made up
    assert driver.parser.stats.bad_checksums >= 1
    assert driver.parser.stats.garbage_bytes > 0


def test_a_lost_acknowledgement_does_not_double_the_action(keypads) -> None:
    simulator, driver = keypads
    frame = key(3, 200, KeyCode.CALL)
    simulator.write_raw(frame.encode())
    simulator.write_raw(frame.encode())  # the keypad retransmits: it missed our ACK
    assert driver.get(2) == KeypadEvent(KeypadAction.CALL, 3, None, 200)
    assert driver.get(0.3) is None


def test_callback_delivery_and_lcd_text() -> None:
    seen: list[KeypadEvent] = []
    with KeypadSimulator([3]) as simulator, \
            Keypad(simulator.path, on_event=seen.append) as driver:
        assert simulator.press("pause")
        driver.show(3, "等待 5 人")
        assert simulator.wait_for(lambda: simulator.lcd.get(3) == "等待 5 人")
    assert [e.action for e in seen] == [KeypadAction.PAUSE]


def test_keypad_over_tcp_socket_url() -> None:
    with KeypadSimulator([1], tcp_port=0) as simulator:
        assert simulator.url.startswith("socket://127.0.0.1:")
        with Keypad(simulator.url) as driver:
            assert simulator.press("start")
            event = driver.get(2)
            assert event is not None and event.action == KeypadAction.START


def test_nobody_listening_means_no_acknowledgement() -> None:
    with KeypadSimulator([1], ack_timeout_s=0.05, retries=1) as simulator:
        assert simulator.press("call") is False
        assert len(simulator.sent) == 2  # the press and one retransmission


def test_the_driver_reconnects_after_the_line_drops() -> None:
    with KeypadSimulator([1], tcp_port=0) as first:
        port = int(first.url.rsplit(":", 1)[1])
        driver = Keypad(first.url)
        assert first.press("call")
        assert driver.get(2) is not None
    try:
        # The converter (or the device) comes back on the same address.
        with KeypadSimulator([1], tcp_port=port) as second:
            deadline = time.monotonic() + 8
            while not second.press("recall"):  # unanswered until the driver is back
                assert time.monotonic() < deadline, "the driver did not reconnect"
            event = driver.get(3)
            assert event is not None and event.action == KeypadAction.RECALL
    finally:
        driver.close()


def test_a_restarted_keypad_numbering_afresh_is_not_taken_for_a_retransmission() -> None:
    from hallq.hardware.serial.framing import Frame
    from hallq.hardware.serial.keypad import KEY, KeypadProtocol

    protocol = KeypadProtocol()
    call = Frame(1, KEY, bytes([1, 0x01]))
    events, _ = protocol.handle(call, now=0.0)
    assert len(events) == 1
    assert protocol.handle(call, now=1.0)[0] == []       # a retransmission within the window
    protocol.line_back()
    assert len(protocol.handle(call, now=2.0)[0]) == 1   # the same number after the line came back
