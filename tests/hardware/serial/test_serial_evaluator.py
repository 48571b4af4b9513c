"""The evaluator: protocol logic with an injected clock, then the driver against the
evaluator simulator through a real pty pair."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hallq.hardware.errors import SerialDeviceError
from hallq.hardware.serial.evaluator import (
    ARM,
    DISARM,
    RATING,
    EvaluationTimeout,
    Evaluator,
    EvaluatorProtocol,
    EvaluatorUnreachable,
    Rating,
)
from hallq.hardware.serial.framing import (
    ACK,
    NAK,
    NAK_BAD_ARGUMENT,
    NAK_NOT_ARMED,
    NAK_WRONG_TICKET,
    Frame,
)
from hallq.hardware.serial.link import open_port
from hallq.hardware.serial.sim import EvaluatorSimulator

pytestmark = pytest.mark.timeout(60)


def rating(address: int, seq: int, level: int, ref: str) -> Frame:
    return Frame(address, RATING, bytes([seq, level]) + ref.encode())


def test_arm_then_rating_gives_a_rating_and_an_ack() -> None:
    protocol = EvaluatorProtocol()
    arm = protocol.arm(4, "A001-0506", timeout_s=60, now=0.0)
    assert (arm.command, arm.payload[1:]) == (ARM, b"\x3cA001-0506")
    protocol.handle(Frame(4, ACK, arm.payload[:1]), 0.05)
    events, replies = protocol.handle(rating(4, 7, 5, "A001-0506"), 3.0)
    assert events == [Rating(4, 5, "A001-0506")]
    assert events[0].label == "非常满意" and not events[0].is_bad
    assert replies == [Frame(4, ACK, b"\x07")]
    assert protocol.armed == {}


@pytest.mark.parametrize(("level", "label", "bad"), [(5, "非常满意", False), (4, "满意", False),
                                                     (3, "基本满意", False), (2, "不满意", True),
                                                     (1, "非常不满意", True)])
def test_the_five_levels(level: int, label: str, bad: bool) -> None:
    assert (Rating(1, level, "x").label, Rating(1, level, "x").is_bad) == (label, bad)


def test_ratings_that_do_not_fit_are_refused() -> None:
    protocol = EvaluatorProtocol()
    assert protocol.handle(rating(4, 1, 5, "A001"), 0.0) == (
        [], [Frame(4, NAK, bytes([1, NAK_NOT_ARMED]))])
    protocol.arm(4, "A001", 60, 0.0)
    assert protocol.handle(rating(4, 2, 6, "A001"), 1.0)[1] == [
        Frame(4, NAK, bytes([2, NAK_BAD_ARGUMENT]))]
    assert protocol.handle(rating(4, 3, 0, "A001"), 1.0)[0] == []
    assert protocol.handle(rating(4, 4, 3, "A000"), 1.0)[1] == [
        Frame(4, NAK, bytes([4, NAK_WRONG_TICKET]))]
    assert protocol.handle(rating(4, 5, 3, "A001"), 1.0)[0] == [Rating(4, 3, "A001")]


def test_a_retransmitted_rating_counts_once() -> None:
    protocol = EvaluatorProtocol()
    protocol.arm(4, "A001", 60, 0.0)
    assert len(protocol.handle(rating(4, 9, 4, "A001"), 1.0)[0]) == 1
    assert protocol.handle(rating(4, 9, 4, "A001"), 1.2) == ([], [Frame(4, ACK, b"\x09")])


def test_unacknowledged_arm_is_retransmitted_then_reported() -> None:
    protocol = EvaluatorProtocol(ack_timeout_s=0.3, retries=2)
    arm = protocol.arm(4, "A001", 60, 0.0)
    assert protocol.tick(0.1) == ([], [])
    assert protocol.tick(0.31) == ([], [arm])
    assert protocol.tick(0.62) == ([], [arm])
    events, frames = protocol.tick(0.93)
    assert events == [EvaluatorUnreachable(4, "A001", "arm")] and frames == []
    assert protocol.armed == {}


def test_nobody_rates_in_time() -> None:
    protocol = EvaluatorProtocol()
    arm = protocol.arm(4, "A001", 30, 0.0)
    protocol.handle(Frame(4, ACK, arm.payload[:1]), 0.1)
    assert protocol.tick(29.0) == ([], [])
    events, frames = protocol.tick(30.0)
    assert events == [EvaluationTimeout(4, "A001")]
    assert [f.command for f in frames] == [DISARM]


def test_bad_arguments() -> None:
    protocol = EvaluatorProtocol()
    for call in (lambda: protocol.arm(0, "A001", 60, 0.0),
                 lambda: protocol.arm(4, "", 60, 0.0),
                 lambda: protocol.arm(4, "X" * 33, 60, 0.0)):
        with pytest.raises(SerialDeviceError):
            call()


@pytest.fixture
def evaluators() -> Iterator[tuple[EvaluatorSimulator, Evaluator]]:
    with EvaluatorSimulator([4, 5]) as simulator:
        driver = Evaluator(simulator.path)
        yield simulator, driver
        driver.close()


def test_arm_rate_acknowledge_through_a_pty(evaluators) -> None:
    simulator, driver = evaluators
    driver.arm(4, "A001-20240506")
    assert simulator.wait_armed(4) == "A001-20240506"
    assert driver.armed_for(4) == "A001-20240506"
    assert simulator.rate(2, address=4) == ACK
    assert driver.get(2) == Rating(4, 2, "A001-20240506")
    assert driver.armed_for(4) is None
    assert simulator.rate(5, address=4) == NAK  # one service, one evaluation
    assert driver.get(0.3) is None


def test_disarm_stops_the_evaluator(evaluators) -> None:
    simulator, driver = evaluators
    driver.arm(5, "B002")
    assert simulator.wait_armed(5) == "B002"
    driver.disarm(5)
    assert simulator.wait_for(lambda: 5 not in simulator.armed)
    assert simulator.rate(4, address=5, ticket_ref="B002") == NAK


def test_garbage_and_torn_rating_frames(evaluators) -> None:
    simulator, driver = evaluators
    driver.arm(4, "C003")
    simulator.wait_armed(4)
    simulator.write_raw(b"\x01\x04\x91\x05garbage\x00\x07")
    assert simulator.rate(3, address=4, chunks=6) == ACK
    assert driver.get(2) == Rating(4, 3, "C003")
    assert driver.parser.stats.garbage_bytes > 0


def test_timeout_through_a_pty() -> None:
    with EvaluatorSimulator([4]) as simulator, Evaluator(simulator.path) as driver:
        driver.arm(4, "D004", timeout_s=0.3)
        assert simulator.wait_armed(4) == "D004"
        assert driver.get(3) == EvaluationTimeout(4, "D004")
        assert simulator.wait_for(lambda: 4 not in simulator.armed)


def test_an_evaluator_that_never_answers_is_reported() -> None:
    with EvaluatorSimulator([4], ack_commands=False) as simulator, \
            Evaluator(simulator.path, ack_timeout_s=0.1, retries=2) as driver:
        driver.arm(4, "E005")
        assert driver.get(3) == EvaluatorUnreachable(4, "E005", "arm")
        assert sum(1 for r in simulator.received if r.frame.command == ARM) == 3


def test_a_retransmitted_arm_is_carried_out_once() -> None:
    arm = Frame(4, ARM, b"\x2a\x3cF006")
    with EvaluatorSimulator([4]) as simulator:
        port = open_port(simulator.path)
        try:
            port.write(arm.encode() + arm.encode())  # our first ACK was lost
            assert simulator.wait_for(lambda: len(simulator.received) == 2)
            assert simulator.arm_count == 1
            ack = Frame(4, ACK, b"\x2a").encode()
            port.timeout = 3
            assert port.read(2 * len(ack)) == 2 * ack  # both acknowledged, once carried out
        finally:
            port.close()
