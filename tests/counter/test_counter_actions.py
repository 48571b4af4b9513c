"""The counter's state machine against the server's lifecycle, and the pure helpers."""

from __future__ import annotations

import pytest
from hallq.counter.model import Action, WorkState, candidates, enabled_actions, why_not, work_state
from hallq.counter.model.actions import LIFECYCLE_NAME, SHORTCUTS, TICKET_ACTIONS
from hallq.server.engine.states import TicketStatus, allowed_actions

# The engine's actions a clerk takes on the ticket at the window.
CLERK_ON_TICKET = {"recall", "start", "finish", "no_show", "hold", "transfer"}


@pytest.mark.parametrize("status", [s.value for s in TicketStatus])
def test_ticket_actions_match_the_server_lifecycle(status: str) -> None:
    at_window = status in ("called", "serving")
    ours = {LIFECYCLE_NAME[a] for a in enabled_actions("open", status if at_window else None)
            if a in LIFECYCLE_NAME and a not in (Action.CALL_NEXT, Action.CALL_NUMBER, Action.RESUME)}
    server = {a.value for a in allowed_actions(status)} & CLERK_ON_TICKET
    if at_window:
        assert ours == server
        assert {LIFECYCLE_NAME[a] for a in TICKET_ACTIONS[status]} == server
    else:
        assert status not in TICKET_ACTIONS
    # Calls and resume move a ticket the server allows to move that way.
    if status == "waiting":
        assert "call" in {a.value for a in allowed_actions(status)}
    if status == "held":
        assert "resume" in {a.value for a in allowed_actions(status)}


@pytest.mark.parametrize(("window", "ticket", "expected"), [
    ("open", None, {"call-next", "call-number", "resume", "pause", "close"}),
    ("open", "called", {"recall", "start", "finish", "no-show", "hold", "transfer", "pause"}),
    ("open", "serving", {"finish", "hold", "transfer", "pause"}),
    ("paused", None, {"open", "close"}),
    ("paused", "serving", {"finish", "hold", "transfer", "open"}),
    ("closed", None, {"open"}),
    (None, None, set()),
])
def test_enabled_actions_by_window_and_ticket(window: str | None, ticket: str | None, expected: set[str]) -> None:
    assert {a.value for a in enabled_actions(window, ticket)} == expected


@pytest.mark.parametrize(("action", "window", "ticket", "key"), [
    (Action.CALL_NEXT, "open", "called", "explain.finish_first"),
    (Action.CALL_NEXT, "paused", None, "explain.window_paused"),
    (Action.CALL_NEXT, "closed", None, "explain.window_closed"),
    (Action.RECALL, "open", None, "explain.no_current_ticket"),
    (Action.RECALL, "open", "serving", "explain.already_serving"),
    (Action.CLOSE, "open", "serving", "explain.finish_first"),
    (Action.PAUSE, "paused", None, "explain.already_paused"),
    (Action.OPEN, "open", None, "explain.already_open"),
    (Action.FINISH, None, None, "explain.signed_out"),
])
def test_why_an_action_is_not_possible(action: Action, window: str | None, ticket: str | None, key: str) -> None:
    assert action not in enabled_actions(window, ticket)
    assert why_not(action, window, ticket) == key


def test_work_state() -> None:
    assert work_state(None, None) is WorkState.SIGNED_OUT
    assert work_state("open", None) is WorkState.IDLE
    assert work_state("open", "called") is WorkState.CALLED
    assert work_state("paused", "serving") is WorkState.SERVING
    assert work_state("paused", None) is WorkState.PAUSED
    assert work_state("closed", None) is WorkState.CLOSED


def test_typed_numbers_become_ticket_numbers() -> None:
    assert candidates("12", ["A", "B"]) == ["A012", "B012"]
    assert candidates(" a12 ", ["B"]) == ["A012"]
    assert candidates("A012", []) == ["A012"]
    assert candidates("QY7", ["A"]) == ["QY007"]
    assert candidates("", ["A"]) == []


def test_one_key_per_action() -> None:
    assert len(set(SHORTCUTS.values())) == len(SHORTCUTS)
    assert SHORTCUTS["f1"] is Action.CALL_NEXT
