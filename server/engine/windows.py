"""Window states: open, paused (with a reason), closed; what each allows."""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

from .errors import QueueError
from .routing import RoutingPolicy


class WindowState(StrEnum):
    OPEN = "open"
    PAUSED = "paused"   # 暂停/暂离: the clerk stepped away; nothing new is called
    CLOSED = "closed"


@dataclass(frozen=True)
class Window:
    id: int
    number: int
    state: WindowState = WindowState.CLOSED
    policy: RoutingPolicy = RoutingPolicy.STRICT
    current_ticket_id: int | None = None
    pause_reason: str | None = None


def check_can_call(window: Window) -> None:
    """A window calls only when it is open and has nobody at it."""
    if window.state is WindowState.CLOSED:
        raise QueueError("window_closed", f"window {window.number} is closed", window=window.number)
    if window.state is WindowState.PAUSED:
        raise QueueError("window_paused", f"window {window.number} is paused", window=window.number)
    if window.current_ticket_id is not None:
        raise QueueError("window_busy", f"window {window.number} is still serving a ticket",
                         window=window.number)


def current_or_error(window: Window) -> int:
    if window.current_ticket_id is None:
        raise QueueError("window_idle", f"window {window.number} has no current ticket",
                         window=window.number)
    return window.current_ticket_id


def open_window(window: Window) -> Window:
    return replace(window, state=WindowState.OPEN, pause_reason=None)


def pause(window: Window, reason: str) -> Window:
    if window.state is WindowState.CLOSED:
        raise QueueError("window_closed", f"window {window.number} is closed", window=window.number)
    reason = reason.strip()
    if not reason:
        raise QueueError("invalid_value", "a pause needs a reason", field="reason")
    return replace(window, state=WindowState.PAUSED, pause_reason=reason[:200])


def close(window: Window) -> Window:
    if window.current_ticket_id is not None:
        raise QueueError("window_busy", f"window {window.number} is still serving a ticket",
                         window=window.number)
    return replace(window, state=WindowState.CLOSED, pause_reason=None)
