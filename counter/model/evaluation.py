"""好差评 at the counter: after "finish", one rating per service, on the evaluator if one is
attached, else on a panel turned to the visitor.

The clerk never sees the level: it lives only in the outgoing record (``Rated``) between the
visitor's key and the server, is never put into anything the clerk's screen shows, and is
never logged. This module is pure bookkeeping (no I/O); the view-model posts the records.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from .timers import Clock

log = logging.getLogger(__name__)

LEVELS = (5, 4, 3, 2, 1)          # 非常满意 .. 非常不满意
BAD_AT_OR_BELOW = 2               # 差评
# What a visitor may tick after a bad rating; sent as the hall's own words (Chinese).
BAD_REASONS = ("reason.waiting", "reason.attitude", "reason.unclear", "reason.not_done",
               "reason.slow")


@dataclass(frozen=True)
class Finished:
    """A finished service waiting for its rating."""

    ticket_id: int
    number: str
    token: str | None           # whose sign-in records it (device or clerk)
    deadline: float


@dataclass
class Rated:
    """A rating on its way to the server (the only place the level is kept)."""

    ticket_id: int
    number: str
    level: int
    channel: str                # evaluator | screen
    token: str | None
    reasons: list[str] = field(default_factory=list)
    attempts: int = 0
    next_try: float = 0.0
    sending: bool = False

    def __repr__(self) -> str:  # never shows the level, even in a traceback
        return f"Rated(ticket_id={self.ticket_id}, channel={self.channel!r})"


class Evaluations:
    def __init__(self, clock: Clock, *, screen_timeout_s: float = 30.0,
                 device_timeout_s: float = 60.0, retry_s: float = 5.0) -> None:
        self.clock = clock
        self.screen_timeout_s = screen_timeout_s
        self.device_timeout_s = device_timeout_s
        self.retry_s = retry_s
        self.prompt: Finished | None = None         # the visitor's panel is up
        self.armed: dict[str, Finished] = {}         # evaluator ticket ref -> service
        self.outbox: list[Rated] = []

    # -- a service ends -----------------------------------------------------------------
    def on_evaluator(self, ref: str, ticket_id: int, number: str, token: str | None) -> None:
        self.armed[ref] = Finished(ticket_id, number, token, self.clock() + self.device_timeout_s + 5)

    def on_screen(self, ticket_id: int, number: str, token: str | None) -> None:
        self.prompt = Finished(ticket_id, number, token, self.clock() + self.screen_timeout_s)

    # -- the visitor answers ------------------------------------------------------------
    def device_rating(self, ref: str, level: int) -> Rated | None:
        service = self.armed.pop(ref, None)
        if service is None:
            log.warning("evaluator: a rating for %r, which is not waiting for one, ignored", ref)
            return None
        return self._rated(service, level, "evaluator", [])

    def screen_rating(self, level: int, reasons: list[str]) -> Rated | None:
        service, self.prompt = self.prompt, None
        if service is None or level not in LEVELS:
            return None
        return self._rated(service, level, "screen", reasons)

    def _rated(self, service: Finished, level: int, channel: str, reasons: list[str]) -> Rated:
        rated = Rated(service.ticket_id, service.number, level, channel, service.token, reasons)
        self.outbox.append(rated)
        return rated

    def skip(self) -> None:
        """The visitor chose not to rate (evaluation is voluntary)."""
        self.prompt = None

    def device_gone(self, ref: str) -> Finished | None:
        """The evaluator timed out or never answered: forget the service; the caller may
        offer the screen instead."""
        return self.armed.pop(ref, None)

    # -- time ---------------------------------------------------------------------------
    def tick(self) -> bool:
        """Drop what has waited too long; True when the visitor's panel timed out."""
        now = self.clock()
        for ref, service in list(self.armed.items()):
            if now > service.deadline:
                del self.armed[ref]
        if self.prompt is not None and now >= self.prompt.deadline:
            log.info("no rating for %s on screen within %.0fs", self.prompt.number, self.screen_timeout_s)
            self.prompt = None
            return True
        return False

    def due(self) -> list[Rated]:
        now = self.clock()
        return [r for r in self.outbox if not r.sending and r.next_try <= now]

    def sent(self, rated: Rated) -> None:
        self.outbox = [r for r in self.outbox if r is not rated]

    def retry_later(self, rated: Rated) -> None:
        rated.sending = False
        rated.attempts += 1
        rated.next_try = self.clock() + self.retry_s
