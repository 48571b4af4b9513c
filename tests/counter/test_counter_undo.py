"""Confirming and undoing a no-show or a transfer, and the ticket's priority badge, against a
real hall server. The undo window runs on a clock the test moves."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hallq.counter.model import Action, WorkState
from hallq.counter.model.state import priority_badge
from hallq.counter.model.undo import Undoable, refusal

from hallq.ui.dispatch import SerialThread

from .conftest import StepClock, ready, ticket, wait


def issue(live: Any, service: str = "amr-001", priority: str = "normal") -> dict[str, Any]:
    with httpx.Client(base_url=live.url + "/api/v1", timeout=10,
                      headers={"Authorization": f"Bearer {live.tokens['kiosk']}"}) as http:
        answer = http.post("/tickets", json={"service_id": live.hall.services[service], "priority": priority})
        answer.raise_for_status()
        return dict(answer.json())


def status_of(live: Any, ticket_id: int) -> tuple[str, str, int | None]:
    t = ticket(live.url, live.tokens["manager"], ticket_id)
    return t["status"], t["queue"]["code"], (t.get("window") or {}).get("number")


@pytest.fixture
def desk(live, counter, ui: SerialThread) -> tuple[Any, StepClock]:
    clock = StepClock()
    model = counter(clock=clock, undo_s=8.0)
    ui.call(lambda: model.resume_session(live.tokens["clerk"], 1))
    ready(ui, model)
    return model, clock


def settle(ui: SerialThread, model: Any, what: str = "") -> None:
    wait(ui, lambda: model.busy is None and not model._refreshing, what=what or "the answer")


def test_a_no_show_is_confirmed_first_and_undone_by_calling_it_again(live, desk, ui: SerialThread) -> None:
    model, clock = desk
    first = issue(live)
    wait(ui, lambda: model.waiting_total == 1)
    assert ui.call(lambda: model.press(Action.CALL_NEXT))
    settle(ui, model)

    # The touch only asks; nothing reaches the server until the clerk says yes.
    assert not ui.call(lambda: model.press(Action.NO_SHOW))
    assert model.confirming is not None and model.confirming.number == first["number"]
    assert status_of(live, first["id"])[0] == "called"
    ui.call(model.cancel_confirm)
    assert model.confirming is None and status_of(live, first["id"])[0] == "called"

    assert not ui.call(lambda: model.press(Action.NO_SHOW))
    assert ui.call(model.confirm)
    settle(ui, model)
    assert status_of(live, first["id"])[0] == "no_show" and model.state is WorkState.IDLE
    assert model.undo is not None and model.undo.action is Action.NO_SHOW and model.undo_left() == 8.0

    # Within the window: the same number is re-activated and called back to this window.
    clock.advance(5)
    assert ui.call(model.undo_last)
    settle(ui, model)
    assert model.message is not None and model.message.key == "info.undone_no_show"
    assert status_of(live, first["id"]) == ("called", "amr-reg", 1)
    assert model.current is not None and model.current.number == first["number"]
    assert model.undo is None

    # Again, but too late: refused with its reason, and the no-show stays.
    assert ui.call(lambda: model.press(Action.NO_SHOW, confirmed=True))
    settle(ui, model)
    clock.advance(8.5)
    ui.call(model.tick)
    assert model.undo_left() == 0
    assert not ui.call(model.undo_last)
    assert model.message is not None and (model.message.code, model.message.kind) == ("undo_expired", "error")
    assert status_of(live, first["id"])[0] == "no_show"
    assert not ui.call(model.undo_last)
    assert model.message.code == "undo_nothing"


def test_a_no_show_cannot_be_undone_once_another_visitor_is_called(live, desk, ui: SerialThread) -> None:
    model, clock = desk
    first, second = issue(live), issue(live)
    wait(ui, lambda: model.waiting_total == 2)
    assert ui.call(lambda: model.press(Action.CALL_NEXT))
    settle(ui, model)
    assert ui.call(lambda: model.press(Action.NO_SHOW, source="keypad"))    # the keypad is not asked
    settle(ui, model)
    assert ui.call(lambda: model.press(Action.CALL_NEXT))
    settle(ui, model)
    assert model.current is not None and model.current.number == second["number"]
    assert not ui.call(model.undo_last)
    assert model.message is not None and model.message.code == "undo_window_busy"
    assert status_of(live, first["id"])[0] == "no_show"


def test_a_transfer_waits_out_its_undo_window(live, desk, ui: SerialThread) -> None:
    model, clock = desk
    first = issue(live)
    wait(ui, lambda: model.waiting_total == 1)
    assert ui.call(lambda: model.press(Action.CALL_NEXT))
    settle(ui, model)
    food = live.hall.queues["amr-food"]

    assert not ui.call(lambda: model.press(Action.TRANSFER, str(food)))
    assert model.confirming is not None and model.confirming.queue_name == "食品许可"
    assert ui.call(model.confirm)
    assert model.undo is not None and model.undo.pending
    assert model.message is not None and model.message.key == "info.transfer_pending"
    assert not ui.call(lambda: model.press(Action.FINISH))     # nothing else while it is pending
    assert model.message.key == "explain.transfer_pending"

    # Undone in time: the server never heard of it.
    clock.advance(3)
    ui.call(model.tick)
    assert ui.call(model.undo_last)
    assert model.message.key == "info.undone_transfer"
    assert status_of(live, first["id"]) == ("called", "amr-reg", 1)

    # Not undone: sent when the window ends; a late undo is refused as expired.
    assert not ui.call(lambda: model.press(Action.TRANSFER, str(food)))
    assert ui.call(model.confirm)
    clock.advance(8)
    ui.call(model.tick)
    settle(ui, model, "the transfer")
    assert status_of(live, first["id"]) == ("waiting", "amr-food", None)
    assert model.current is None and model.message is not None and model.message.key == "info.transfer"
    assert not ui.call(model.undo_last)
    assert model.message.code == "undo_expired"


def test_the_ticket_at_the_window_shows_its_priority(live, desk, ui: SerialThread) -> None:
    model, _ = desk
    issue(live, priority="elderly")
    wait(ui, lambda: model.waiting_total == 1)
    assert ui.call(lambda: model.press(Action.CALL_NEXT))
    settle(ui, model)
    assert model.current is not None and model.current.priority == "elderly"
    assert priority_badge(model.current.priority) == "priority.elderly"
    # A window snapshot (after a restart, or a call from elsewhere) leaves the priority out:
    # the counter asks for it.
    ui.call(lambda: setattr(model, "current", None))
    ui.call(lambda: model._refresh({"window"}))
    settle(ui, model)
    wait(ui, lambda: model.current is not None and model.current.priority == "elderly", what="the priority")


@pytest.mark.parametrize(("priority", "badge"), [
    ("green", "priority.green"), ("appointment", "priority.appointment"), ("elderly", "priority.elderly"),
    ("normal", None), (None, None)])
def test_priority_badges(priority: str | None, badge: str | None) -> None:
    assert priority_badge(priority) == badge


@pytest.mark.parametrize(("now", "busy", "code"), [
    (100.0, False, None), (100.0, True, "undo_window_busy"), (108.0, False, "undo_expired"),
    (200.0, True, "undo_expired")])
def test_undo_refusals(now: float, busy: bool, code: str | None) -> None:
    undo = Undoable(Action.NO_SHOW, 1, "A001", until=108.0)
    assert refusal(undo, now, window_has_ticket=busy) == code
    assert refusal(None, now, window_has_ticket=busy) == "undo_nothing"
