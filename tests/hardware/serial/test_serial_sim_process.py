"""``hallq device-sim`` as a separate process: the real drivers against it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hallq.hardware.serial.display import WindowDisplay
from hallq.hardware.serial.evaluator import Evaluator, Rating
from hallq.hardware.serial.keypad import Keypad, KeypadAction

pytestmark = pytest.mark.timeout(60)


def test_keypad_process_on_a_pty(hallq_process, tmp_path) -> None:
    link = tmp_path / "keypad"
    proc = hallq_process("device-sim", "keypad", "--address", "3", "--link", str(link))
    path = proc.wait_for(r"device-sim keypad on (\S+)").group(1)
    assert link.resolve() == Path(path).resolve()
    with Keypad(str(link)) as keypad:
        proc.send("call")
        proc.wait_for(r"^acknowledged$")
        proc.send("number 15")
        event = keypad.get(5)
        assert event is not None and (event.action, event.window_address) == (
            KeypadAction.CALL, 3)
        event = keypad.get(5)
        assert event is not None and (event.action, event.argument) == (
            KeypadAction.CALL_NUMBER, "15")
    assert proc.stop() == 0
    assert not link.exists()


def test_display_process_over_tcp(hallq_process) -> None:
    proc = hallq_process("device-sim", "display", "--tcp", "0")
    url = proc.wait_for(r"device-sim display on (socket://\S+)").group(1)
    with WindowDisplay(url, gap_s=0.01) as display:
        display.show(5, "A001 请到5号窗口")
        display.flush(5)
        proc.wait_for(r"display 5: text A001 请到5号窗口")


def test_evaluator_process(hallq_process) -> None:
    proc = hallq_process("device-sim", "evaluator", "--address", "4")
    path = proc.wait_for(r"device-sim evaluator on (\S+)").group(1)
    with Evaluator(path) as evaluator:
        evaluator.arm(4, "A001-0506")
        proc.wait_for(r"evaluator 4: received")
        proc.send("rate 4")
        proc.wait_for(r"rating acknowledged")
        assert evaluator.get(5) == Rating(4, 4, "A001-0506")
