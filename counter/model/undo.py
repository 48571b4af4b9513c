"""Confirming and undoing the two actions a clerk regrets most: no-show and transfer.

Both are asked to be confirmed on the screen first. After that a few seconds remain to undo:

* a no-show is sent at once; undoing it calls the same number again at this window, which
  the server answers by re-activating the no-show and calling it (``call-number``). That is
  possible only while the window has nobody else at it.
* a transfer is held back for the undo window and sent when it ends: once the ticket sits in
  a queue this window does not serve, a clerk can no longer move it back, so the only undo
  that always works is not to have sent it yet.

Pure: ``now`` in, decisions out; the view-model sends the requests.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from .actions import Action

if TYPE_CHECKING:
    from ..config import CounterConfig
    from .search import QueueEntry, QueueIndex
    from .state import Message, Ticket

CONFIRMED = frozenset({Action.NO_SHOW, Action.TRANSFER})


@dataclass(frozen=True)
class Confirm:
    """An action waiting for the clerk's yes."""

    action: Action
    argument: str | None
    number: str
    queue_name: str = ""


@dataclass(frozen=True)
class Undoable:
    """An action that may still be undone until ``until`` (the view-model's clock)."""

    action: Action
    ticket_id: int
    number: str
    until: float
    queue_id: int | None = None      # transfer: the queue it goes to
    queue_name: str = ""
    sent: bool = True                # False: a transfer held back during its undo window

    @property
    def pending(self) -> bool:
        """Not sent yet (a transfer during its undo window)."""
        return not self.sent

    def left(self, now: float) -> float:
        return max(0.0, self.until - now)

    def expired(self, now: float) -> bool:
        return now >= self.until


def refusal(undo: Undoable | None, now: float, *, window_has_ticket: bool) -> str | None:
    """Why ``undo`` cannot be undone now (an error code), or None when it can."""
    if undo is None:
        return "undo_nothing"
    if undo.expired(now):
        return "undo_expired"
    if undo.action is Action.NO_SHOW and window_has_ticket:
        return "undo_window_busy"
    return None


class UndoActions:
    """The counter view-model's confirm step and undo (a part of ``CounterModel``)."""

    confirming: Confirm | None
    undo: Undoable | None
    current: Ticket | None
    busy: Action | None
    request: Action | None
    message: Message | None
    queue_index: QueueIndex | None

    clock: Callable[[], float]
    config: CounterConfig
    _undo_over: Undoable | None = None    # the record whose undo window has ended

    if TYPE_CHECKING:
        @property
        def online(self) -> bool: ...
        def press(self, action: Action | str, argument: str | None = None, *, source: str = "screen",
                  confirmed: bool = False) -> bool: ...
        def _send(self, action: Action, body: dict[str, Any] | None, numbers: list[str], source: str,
                  *, undoing: bool = False) -> None: ...
        def _say(self, key: str, kind: str = "info", code: str | None = None, **params: Any) -> None: ...
        def _changed(self) -> None: ...
        def queue_name(self, queue: QueueEntry) -> str: ...

    def confirm(self) -> bool:
        """The clerk's yes to the action on the confirm step."""
        asked, self.confirming = self.confirming, None
        if asked is None:
            return False
        if self.current is None or self.current.number != asked.number:
            self._say("explain.ticket_changed", "error")   # the ticket left meanwhile
            return False
        return self.press(asked.action, asked.argument, confirmed=True)

    def cancel_confirm(self) -> None:
        self.confirming = None
        self._changed()

    def _hold_transfer(self, queue_id: int) -> None:
        assert self.current is not None
        self.undo = Undoable(Action.TRANSFER, self.current.id, self.current.number,
                             self.clock() + self.config.undo_s,
                             queue_id=queue_id, queue_name=self._queue_title(queue_id), sent=False)
        self.request = None
        self._say("info.transfer_pending", number=self.current.number, queue=self.undo.queue_name)

    def undo_last(self) -> bool:
        """Undo the last no-show or transfer; refused with a coded reason after its window."""
        undo = self.undo
        refused = refusal(undo, self.clock(), window_has_ticket=self.current is not None)
        if refused is None and undo is not None and not undo.pending and (
                self.busy is not None or not self.online):
            refused = "undo_offline" if not self.online else "undo_busy"
        if refused is not None or undo is None:
            if refused == "undo_expired":
                self.undo = None
            self._say(f"error.{refused}", "error", refused)
            return False
        self.undo = None
        if undo.pending:
            self._say("info.undone_transfer", number=undo.number)
            return True
        self._send(Action.CALL_NUMBER, {}, [undo.number], "undo", undoing=True)
        return True

    def undo_left(self) -> float:
        return self.undo.left(self.clock()) if self.undo is not None else 0.0

    def _undo_tick(self) -> bool:
        """Send a held-back transfer when its undo window ends. Returns True when the undo
        window just ended (the screen hides the undo button); the record stays, so a late
        undo is refused as expired rather than as unknown."""
        undo = self.undo
        if undo is None or not undo.expired(self.clock()) or self._undo_over == undo:
            return False
        if undo.pending:
            self.undo = undo = replace(undo, sent=True)
            if self.current is not None and self.current.id == undo.ticket_id and self.busy is None:
                self._send(Action.TRANSFER, {"queue_id": undo.queue_id}, [], "undo window")
            else:
                self._say("explain.ticket_changed", "error")
        self._undo_over = undo
        return True

    def _queue_title(self, queue_id: int | None) -> str:
        entry = self.queue_index.by_id(queue_id) if self.queue_index is not None and queue_id else None
        return self.queue_name(entry) if entry is not None else ""

