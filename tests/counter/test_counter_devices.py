"""The counter with its serial devices: keypad, window display and evaluator simulators on
real pty pairs, against a real hall server."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from hallq.counter.model import Action, WorkState
from hallq.hardware import DisplaySimulator, EvaluatorSimulator, KeypadSimulator
from hallq.hardware.serial.framing import ACK, NAK
from hallq.hardware.serial.keypad import KeyCode
from hallq.server.models import Evaluation, Ticket
from sqlalchemy import select

from hallq.ui.dispatch import SerialThread

from .conftest import ready, wait
from .test_counter_model import status_of, tickets


@pytest.fixture
def devices() -> Iterator[dict[str, Any]]:
    made = {"keypad": KeypadSimulator([1]), "display": DisplaySimulator(), "evaluator": EvaluatorSimulator([1]),
            "dead_evaluator": EvaluatorSimulator([2], ack_commands=False)}
    yield made
    for sim in made.values():
        sim.close()


def rating_of(live: Any, ticket_id: int) -> tuple[Evaluation, Ticket]:
    with live.hall.db.read() as s:
        row = s.scalars(select(Evaluation).where(Evaluation.ticket_id == ticket_id)).one()
        served = s.get(Ticket, ticket_id)
        assert served is not None
        s.expunge_all()
        return row, served


def test_keypad_display_and_evaluator(live, counter, ui: SerialThread, devices: dict[str, Any], caplog) -> None:
    keypad, display, evaluator = devices["keypad"], devices["display"], devices["evaluator"]
    first, second = tickets(live, 2)
    model = counter(keypad=keypad.url, display=display.url, evaluator=evaluator.url)
    ui.call(lambda: model.resume_session(live.tokens["clerk"], 1))
    ready(ui, model)
    assert model.devices is not None and model.devices.status == {"keypad": "ok", "display": "ok", "evaluator": "ok"}
    assert keypad.wait_for(lambda: keypad.lcd.get(1) == "等待 2 人"), keypad.lcd

    # Garbage from the keypad changes nothing; the line resynchronises.
    with caplog.at_level(logging.WARNING):
        keypad.write_raw(b"\x00\xffnoise\x01\x01\x81\xf0\x07\x01\x01\x81")  # line noise, a torn frame
        assert keypad.key(0x7E) == NAK                                     # a key nobody knows
        assert keypad.key(KeyCode.CALL_NUMBER, "1x") == NAK               # digits that are not
        assert keypad.press("call", address=7)                             # another window's keypad
        time.sleep(0.5)   # time for a wrongly accepted key to act (it must not)
    assert status_of(live, first["id"]) == ("waiting", None) and model.state is WorkState.IDLE
    assert any("address 7" in r.getMessage() for r in caplog.records)
    assert any("keypad" in r.getMessage() and "skipped" in r.getMessage() for r in caplog.records)

    # Two presses of call in quick succession, each acknowledged by the driver: one call,
    # shown on the window display.
    assert keypad.press("call") and keypad.press("call")
    wait(ui, lambda: model.state is WorkState.CALLED and model.busy is None)
    assert display.wait_for(lambda: first["number"] in display.texts.get(1, ""))
    assert display.texts[1] == f"{first['number']} 请到1号窗口"
    time.sleep(0.3)
    assert status_of(live, first["id"]) == ("called", 1)
    assert status_of(live, second["id"]) == ("waiting", None)

    assert keypad.press("start")
    wait(ui, lambda: model.state is WorkState.SERVING and model.busy is None)
    assert keypad.press("finish")
    wait(ui, lambda: model.state is WorkState.IDLE and model.busy is None)
    assert evaluator.wait_armed(1) == f"{first['number']}-{first['id']}"
    assert not model.rating_prompt                       # the evaluator asks, not the screen
    assert display.wait_for(lambda: display.texts.get(1) == "1号窗口 欢迎您")

    assert evaluator.rate(4) == ACK
    wait(ui, lambda: model.message is not None and model.message.key == "info.evaluation_recorded")
    row, served = rating_of(live, first["id"])
    assert (row.level, row.channel, row.window_id, row.staff_number, row.service_id) == (
        4, "evaluator", live.hall.windows[1], "C001", served.service_id)
    assert evaluator.rate(5, ticket_ref=f"{first['number']}-{first['id']}") == NAK   # one rating per service

    # Window 2's counter terminal has an evaluator that never answers: the screen takes over.
    other = counter(evaluator=devices["dead_evaluator"].url)
    ui.call(lambda: other.resume_session(live.tokens["counter"], 2))
    ready(ui, other)
    assert ui.call(lambda: other.press(Action.CALL_NEXT))
    wait(ui, lambda: other.current is not None and other.busy is None)
    assert other.current is not None and other.current.number == second["number"]
    assert ui.call(lambda: other.press(Action.FINISH))
    wait(ui, lambda: other.rating_prompt, 10, "the screen takes over from an evaluator that never answers")
    assert ui.call(lambda: other.rate_on_screen(5))
    wait(ui, lambda: other.message is not None and other.message.key == "info.evaluation_recorded")
    row, _ = rating_of(live, second["id"])
    assert (row.level, row.channel, row.window_id) == (5, "screen", live.hall.windows[2])
