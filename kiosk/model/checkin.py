"""Appointment check-in: a booking code or the visitor's ID number gives the booking's
priority ticket (``POST /appointments/check-in``), printed like any other ticket."""

from __future__ import annotations

import threading
from typing import Any

from .context import Context, KeyedRequest
from .fields import Checked, Entry, Kind, check, masked
from .tickets import Issued, Outcome, describe_outcome, issue_and_print

MODES = (Kind.BOOKING_CODE, Kind.ID_NUMBER)


class CheckIn:
    """The check-in flow of one visitor."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.keyed = KeyedRequest()
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.mode = Kind.BOOKING_CODE
        self.entry = Entry(self.mode)
        self.value: Checked | None = None
        self.outcome: Outcome | None = None
        self.keyed.settle()

    def set_mode(self, mode: Kind) -> None:
        if mode not in MODES:
            raise ValueError(f"check-in takes a booking code or an ID number, not {mode}")
        if mode != self.mode:
            self.mode = mode
            self.entry = Entry(mode)
            self.value = None
            self.outcome = None

    def accept(self) -> Checked:
        """Check what was typed on the pad; only a valid value can be submitted."""
        self.value = self.entry.submit()
        self.outcome = None
        return self.value

    def set_value(self, text: str) -> Checked:
        """As if typed (a scanner reading a booking QR code types the code)."""
        self.entry = Entry(self.mode, text[:64])
        self.value = check(self.mode, text)
        self.entry.checked = self.value
        self.outcome = None
        return self.value

    @property
    def ready(self) -> bool:
        return self.value is not None and self.value.ok

    def submit(self) -> Outcome:
        """Blocks: check in and print the ticket. Only a checked value is sent."""
        with self._lock:
            if self.value is None or not self.value.ok:
                raise ValueError("nothing valid to check in with")
            field = "code" if self.mode == Kind.BOOKING_CODE else "id_number"
            body = {field: self.value.value}
            outcome = issue_and_print(
                self.ctx, self.keyed, (field, self.value.value),
                lambda c, key: c.post("/appointments/check-in", body, key=key))
            self.outcome = outcome
            return outcome

    @property
    def done(self) -> bool:
        return isinstance(self.outcome, Issued)

    def describe(self) -> dict[str, Any]:
        shown = masked(self.mode, self.value.value) if self.value is not None and self.value.ok else ""
        return {"mode": self.mode.value, "typed": len(self.entry.text), "value": shown,
                "error": self.value.error if self.value is not None else "", **self.keyed.describe(),
                "outcome": describe_outcome(self.outcome)}
