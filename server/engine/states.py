"""Ticket states, actions and the transition table of the ticket lifecycle."""

from __future__ import annotations

from enum import StrEnum

from .errors import QueueError


class TicketStatus(StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    HELD = "held"
    DONE = "done"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


# A ticket in one of these states is still somebody's business today: it counts against the
# per-person limit and is carried over or expired at the end of the day.
ACTIVE = frozenset({TicketStatus.WAITING, TicketStatus.CALLED, TicketStatus.SERVING, TicketStatus.HELD})
# Bound to a window: at most one per window.
AT_WINDOW = frozenset({TicketStatus.CALLED, TicketStatus.SERVING})
FINAL = frozenset({TicketStatus.DONE, TicketStatus.CANCELLED, TicketStatus.EXPIRED})


class Action(StrEnum):
    ISSUE = "issue"
    CALL = "call"              # call next or call a specific number
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no_show"
    REACTIVATE = "reactivate"  # a no-show comes back within the grace period
    HOLD = "hold"
    RESUME = "resume"
    TRANSFER = "transfer"
    CANCEL = "cancel"
    EXPIRE = "expire"          # the business day ended and the hall does not carry over


S = TicketStatus
TRANSITIONS: dict[Action, dict[TicketStatus, TicketStatus]] = {
    Action.CALL: {S.WAITING: S.CALLED},
    Action.RECALL: {S.CALLED: S.CALLED},
    Action.START: {S.CALLED: S.SERVING},
    # A clerk who serves at once may finish a called ticket without pressing start.
    Action.FINISH: {S.SERVING: S.DONE, S.CALLED: S.DONE},
    Action.NO_SHOW: {S.CALLED: S.NO_SHOW},
    Action.REACTIVATE: {S.NO_SHOW: S.WAITING},
    Action.HOLD: {S.CALLED: S.HELD, S.SERVING: S.HELD},
    # The visitor is back: the window that held the ticket calls it again.
    Action.RESUME: {S.HELD: S.CALLED},
    Action.TRANSFER: {S.WAITING: S.WAITING, S.CALLED: S.WAITING, S.SERVING: S.WAITING, S.HELD: S.WAITING},
    Action.CANCEL: {S.WAITING: S.CANCELLED, S.HELD: S.CANCELLED, S.NO_SHOW: S.CANCELLED},
    Action.EXPIRE: {S.WAITING: S.EXPIRED, S.HELD: S.EXPIRED, S.CALLED: S.EXPIRED, S.NO_SHOW: S.EXPIRED},
}


def next_status(status: TicketStatus | str, action: Action) -> TicketStatus:
    """The state after ``action``, or QueueError('invalid_transition')."""
    current = TicketStatus(status)
    target = TRANSITIONS.get(action, {}).get(current)
    if target is None:
        raise QueueError(
            "invalid_transition",
            f"cannot {action.value} a ticket that is {current.value}",
            action=action.value,
            status=current.value,
        )
    return target


def allowed_actions(status: TicketStatus | str) -> list[Action]:
    """Actions the lifecycle allows from ``status`` (for disabling buttons in the apps)."""
    current = TicketStatus(status)
    return [action for action, table in TRANSITIONS.items() if current in table]
