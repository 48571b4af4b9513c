"""Collecting and sending the 好差评 rating of each finished service: the evaluator when one
is attached and answering, else the panel turned to the visitor.

Sending is not tied to the clerk's sign-in (a rating may arrive after the clerk left) and is
retried while the server is unreachable: the server keeps one rating per service, so a
retry after a lost answer is harmless. Nothing here reports the level to anyone but the
server.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from hallq.client import ApiError, HallClient, new_key
from hallq.ui.dispatch import Post

from .devices import CounterDevices, ticket_ref
from .evaluation import Evaluations, Rated

log = logging.getLogger(__name__)


class RatingDesk:
    def __init__(self, evaluations: Evaluations, post: Post, *, run: Callable[[Callable[[], None]], None],
                 client_for: Callable[[str | None], HallClient | None],
                 recorded: Callable[[str], None], changed: Callable[[], None]) -> None:
        self.evaluations = evaluations
        self.post = post
        self._run = run                  # runs a callable on a worker thread
        self._client_for = client_for
        self._recorded = recorded        # told the ticket number once a rating is stored
        self._changed = changed

    @property
    def prompt(self) -> bool:
        return self.evaluations.prompt is not None

    def finished(self, ticket_id: int, number: str, token: str | None, devices: CounterDevices | None) -> None:
        """A service ended: arm the evaluator, or put the panel up for the visitor."""
        if devices is not None and devices.has_evaluator:
            ref = ticket_ref(number, ticket_id)
            self.evaluations.on_evaluator(ref, ticket_id, number, token)
            if devices.arm(ref):
                return
            self.evaluations.device_gone(ref)
        self.evaluations.on_screen(ticket_id, number, token)

    def evaluator_event(self, event: Any, *, working: bool) -> None:
        from hallq.hardware.serial import EvaluationTimeout, EvaluatorUnreachable, Rating

        if isinstance(event, Rating):
            rated = self.evaluations.device_rating(event.ticket_ref, event.level)
            if rated is not None:
                self.send(rated)
        elif isinstance(event, EvaluationTimeout):
            self.evaluations.device_gone(event.ticket_ref)
        elif isinstance(event, EvaluatorUnreachable) and event.command == "arm":
            service = self.evaluations.device_gone(event.ticket_ref)
            if service is not None and working:
                log.warning("evaluator unreachable: the visitor rates on the screen")
                self.evaluations.on_screen(service.ticket_id, service.number, service.token)
                self._changed()

    def on_screen(self, level: int, reasons: list[str]) -> bool:
        """The visitor's touch on the panel (reasons in the hall's words)."""
        rated = self.evaluations.screen_rating(level, reasons)
        self._changed()
        if rated is None:
            return False
        self.send(rated)
        return True

    def skip(self) -> None:
        self.evaluations.skip()
        self._changed()

    def tick(self) -> bool:
        """Timeouts and retries; True when the visitor's panel timed out."""
        timed_out = self.evaluations.tick()
        for rated in self.evaluations.due():
            self.send(rated)
        return timed_out

    def send(self, rated: Rated) -> None:
        client = self._client_for(rated.token)
        if client is None:
            return
        rated.sending = True
        body = {"ticket_id": rated.ticket_id, "level": rated.level, "reasons": rated.reasons, "comment": "",
                "channel": rated.channel}

        def done(error: ApiError | None) -> None:
            if error is None or error.code == "already_evaluated":
                self.evaluations.sent(rated)
                self._recorded(rated.number)
            elif error.unreachable:
                self.evaluations.retry_later(rated)
            else:
                log.warning("the rating of ticket %d was refused: %s", rated.ticket_id, error.code)
                self.evaluations.sent(rated)

        def work() -> None:
            try:
                client.post("/evaluations", body, key=new_key())
                error = None
            except ApiError as exc:
                error = exc
            except RuntimeError:   # the app closed the connection while the rating was on its way
                return
            self.post(lambda: done(error))

        self._run(work)
