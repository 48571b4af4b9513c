"""Large-text mode (适老化) beyond the letters: how much larger everything is, what the
screen and the ticket say when read aloud, and the "help me" call to the floor staff.

Pure except ``HelpCall.call`` (one request) and the reader it is handed (speech runs in
the background: ``hallq.hardware.readaloud``).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from hallq.client import ApiError

from .formatting import wait_text

if TYPE_CHECKING:
    from hallq.hardware.readaloud import Reader

    from .context import Context
    from .i18n import Strings
    from .tickets import Issued

log = logging.getLogger(__name__)

# Large-text mode doubles the letters and every touch target (bars, buttons, tiles); fewer
# tiles fit a page, which is the point: fewer choices at a time.
FONT_SCALE = 2.0
TARGET_SCALE = 2.0


def scales(elder: bool) -> tuple[float, float]:
    """(font scale, touch-target scale) for the mode."""
    return (FONT_SCALE, TARGET_SCALE) if elder else (1.0, 1.0)


def ticket_speech(issued: Issued, strings: Strings) -> str:
    """What is read aloud when a ticket is issued: the number, how many are ahead, the wait."""
    parts = [f"{strings.t('ticket.number')} {spell_number(issued.number)}",
             strings.t("ticket.ahead", count=issued.ahead)]
    if issued.estimated_wait_s:
        parts.append(strings.t("ticket.wait", wait=wait_text(strings, issued.estimated_wait_s)))
    parts.append(strings.t("ticket.printed") if issued.printed.printed else strings.t("ticket.scan"))
    return "，".join(parts) + "。"


def spell_number(number: str) -> str:
    """"A005" -> "A 0 0 5": read letter by letter and digit by digit, as the hall calls it."""
    return " ".join(number)


def screen_speech(title: str, lines: list[str], choices: list[str], strings: Strings) -> str:
    """A screen read aloud: its title, its text, then its choices (at most six: more would
    not be remembered)."""
    said = [t for t in (title, *lines) if t.strip()]
    if choices:
        said.append(strings.t("elder.choices", choices="、".join(c for c in choices[:6] if c.strip())))
    return "。".join(said) + "。" if said else ""


@dataclass(frozen=True)
class HelpOutcome:
    ok: bool
    code: str = ""

    @property
    def message_key(self) -> str:
        return "help.called" if self.ok else f"help.error.{self.code}"


class HelpCall:
    """The "help me" button: one call to the floor staff per visitor (a second press says the
    staff are on their way instead of calling again)."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.outcome: HelpOutcome | None = None

    def call(self, screen: str, *, elder: bool) -> HelpOutcome:
        """Blocks: ask the server to call the floor staff to this kiosk."""
        with self._lock:
            if self.outcome is not None and self.outcome.ok:
                return HelpOutcome(False, "already_called")
            body = {"reason": "elder" if elder else "help", "screen": screen[:40]}
            try:
                self.ctx.connection.call(lambda c: c.post("/help", body))
            except ApiError as exc:
                log.warning("help call failed: %s", exc.code)
                self.outcome = HelpOutcome(False, "unreachable" if exc.unreachable or exc.status >= 500
                                           else exc.code)
                return self.outcome
            self.outcome = HelpOutcome(True)
            return self.outcome


class Speech:
    """The kiosk's voice: a reader (or none), and what it last said (for tests, no audio)."""

    def __init__(self, reader: Reader | None) -> None:
        self.reader = reader
        self.last = ""

    @property
    def available(self) -> bool:
        return self.reader is not None

    def say(self, text: str, language: str) -> bool:
        if self.reader is None or not text:
            return False
        self.last = text
        try:
            self.reader.say(text, language)
        except Exception as exc:   # no voice must never stop the kiosk
            log.warning("read-aloud failed: %s", exc)
            return False
        return True

    def stop(self) -> None:
        if self.reader is not None:
            self.reader.stop()
