"""The counter's actions and which of them the window's state allows.

The ticket part mirrors the server's lifecycle (``server/engine/states.py``; a test keeps the
two in step); the window part mirrors ``server/engine/windows.py``: a window calls only when
it is open and has nobody at it, pauses only when it is not closed, and closes only when
nobody is at it.
"""

from __future__ import annotations

from enum import StrEnum


class Action(StrEnum):
    """A clerk's action; the value is the path under ``/api/v1/windows/{n}/``."""

    CALL_NEXT = "call-next"
    CALL_NUMBER = "call-number"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no-show"
    HOLD = "hold"
    RESUME = "resume"
    TRANSFER = "transfer"
    PAUSE = "pause"
    OPEN = "open"
    CLOSE = "close"


class WorkState(StrEnum):
    """What the counter is doing, as the clerk sees it."""

    SIGNED_OUT = "signed_out"
    CLOSED = "closed"
    PAUSED = "paused"
    IDLE = "idle"          # open, nobody at the window
    CALLED = "called"      # a ticket was called and the visitor is on the way
    SERVING = "serving"


# Actions on the window's current ticket, by the ticket's status (the server's lifecycle).
TICKET_ACTIONS: dict[str, frozenset[Action]] = {
    "called": frozenset({Action.RECALL, Action.START, Action.FINISH, Action.NO_SHOW, Action.HOLD,
                         Action.TRANSFER}),
    "serving": frozenset({Action.FINISH, Action.HOLD, Action.TRANSFER}),
}
# The engine's name for each counter action (server/engine/states.py Action).
LIFECYCLE_NAME: dict[Action, str] = {
    Action.CALL_NEXT: "call", Action.CALL_NUMBER: "call", Action.RECALL: "recall",
    Action.START: "start", Action.FINISH: "finish", Action.NO_SHOW: "no_show",
    Action.HOLD: "hold", Action.RESUME: "resume", Action.TRANSFER: "transfer",
}
# Sent with an Idempotency-Key and retried with it when an answer is lost: every action on a
# ticket. Opening, pausing and closing a window are idempotent by themselves.
IDEMPOTENT = frozenset({Action.CALL_NEXT, Action.CALL_NUMBER, Action.RECALL, Action.START, Action.FINISH,
                        Action.NO_SHOW, Action.HOLD, Action.RESUME, Action.TRANSFER})
# Announced on the window display and by the hall's call voice.
CALLS = frozenset({Action.CALL_NEXT, Action.CALL_NUMBER, Action.RECALL, Action.RESUME})


def work_state(window_state: str | None, ticket_status: str | None) -> WorkState:
    if window_state is None:
        return WorkState.SIGNED_OUT
    if ticket_status == "serving":
        return WorkState.SERVING
    if ticket_status == "called":
        return WorkState.CALLED
    if window_state == "closed":
        return WorkState.CLOSED
    if window_state == "paused":
        return WorkState.PAUSED
    return WorkState.IDLE


def enabled_actions(window_state: str | None, ticket_status: str | None) -> frozenset[Action]:
    """Every action the server would accept now (before anything else changes)."""
    if window_state is None:
        return frozenset()
    actions = set(TICKET_ACTIONS.get(ticket_status or "", frozenset()))
    idle = ticket_status is None
    if window_state == "open":
        actions.add(Action.PAUSE)
        if idle:
            actions |= {Action.CALL_NEXT, Action.CALL_NUMBER, Action.RESUME, Action.CLOSE}
    elif window_state == "paused":
        actions.add(Action.OPEN)
        if idle:
            actions.add(Action.CLOSE)
    elif window_state == "closed":
        actions.add(Action.OPEN)
    return frozenset(actions)


def why_not(action: Action, window_state: str | None, ticket_status: str | None) -> str:
    """The message key that explains why ``action`` is not possible now."""
    if window_state is None:
        return "explain.signed_out"
    busy = ticket_status is not None
    if action in (Action.CALL_NEXT, Action.CALL_NUMBER, Action.RESUME):
        if busy:
            return "explain.finish_first"
        if window_state == "closed":
            return "explain.window_closed"
        if window_state == "paused":
            return "explain.window_paused"
    if action is Action.CLOSE and busy:
        return "explain.finish_first"
    if action is Action.PAUSE and window_state == "closed":
        return "explain.window_closed"
    if action is Action.PAUSE and window_state == "paused":
        return "explain.already_paused"
    if action is Action.OPEN:
        return "explain.already_open"
    if action in LIFECYCLE_NAME and not busy:
        return "explain.no_current_ticket"
    if ticket_status == "serving" and action in (Action.RECALL, Action.NO_SHOW, Action.START):
        return "explain.already_serving"
    return "explain.not_now"


# One key per action on the clerk's own keyboard (the caller keypad has its own keys).
SHORTCUTS: dict[str, Action] = {
    "f1": Action.CALL_NEXT,
    "f2": Action.RECALL,
    "f3": Action.START,
    "f4": Action.FINISH,
    "f5": Action.NO_SHOW,
    "f6": Action.HOLD,
    "f7": Action.TRANSFER,
    "f8": Action.PAUSE,
}
