"""The kiosk as a whole, without a screen: its link to the server, catalog, printer, flows,
language, large-text mode and idle timer, and the background work that keeps it honest
(health checks, printer status, reports, live counts).

The UI holds one ``Kiosk``, calls its blocking methods from worker threads, and listens
to ``listeners`` (called from any thread with a topic: "connection", "printer", "counts",
"catalog") to redraw on its own thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from hallq.hardware.printer import ReceiptPrinter
from hallq.hardware.readaloud import Reader

from hallq.client import ApiError

from ..config import KioskSettings
from .catalog import Catalog
from .checkin import CheckIn
from .clock import Clock, Idle, IdleTimer
from .connection import Browse, Connection, Link
from .context import Context
from .credit import CreditLookup
from .elder import HelpCall, HelpOutcome, Speech, scales, screen_speech, ticket_speech
from .fields import Kind
from .guides import GuideBrowser, fetch_guide
from .i18n import DEFAULT_LANGUAGE, LANGUAGES, Strings
from .idcard import TARGETS, CardRead, CardReader, IdCardSwipe
from .printing import KioskPrinter, StatusReporter
from .tickets import TakeNumber

log = logging.getLogger(__name__)



def _version() -> str:
    from hallq import __version__

    return str(__version__)


@dataclass(frozen=True)
class Notice:
    """A line across the top of every screen: what is wrong and what still works."""

    key: str
    level: str      # "error" | "warning" | "info"
    hint: str = ""  # a second key: what the visitor can do meanwhile


class Kiosk:
    def __init__(self, settings: KioskSettings, *, printer: ReceiptPrinter | None = None,
                 id_reader: CardReader | None = None, reader: Reader | None = None,
                 connection: Connection | None = None, clock: Clock = time.monotonic,
                 now: Callable[[], datetime] = lambda: datetime.now(UTC), browse: Browse | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.listeners: list[Callable[[str], None]] = []
        self.connection = connection or Connection(url=settings.url, token=settings.token,
                                                   discovery=settings.discovery, hall=settings.hall, browse=browse)
        self.connection.on_change = self._link_changed
        self.catalog = Catalog(settings.cache_dir)
        self.printer = KioskPrinter(printer, on_change=self._printer_changed)
        self.ctx = Context(self.connection, self.catalog, self.printer, now)
        self.reporter = StatusReporter(self.connection, heartbeat_s=settings.report_interval_s, clock=clock,
                                       app_version=_version())
        self.take_number = TakeNumber(self.ctx)
        self.check_in = CheckIn(self.ctx)
        self.guides = GuideBrowser(self.ctx)
        self.credit = CreditLookup(self.ctx)
        self.id_card = IdCardSwipe(id_reader)
        self.speech = Speech(reader)
        self.help = HelpCall(self.ctx)
        self.idle = IdleTimer(settings.idle_timeout_s, settings.idle_warning_s, clock)
        self.language = settings.language if settings.language in LANGUAGES else DEFAULT_LANGUAGE
        self.strings = Strings(self.language)
        self.elder = False
        self.booted = False
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._refresh_catalog = threading.Event()
        self._threads: list[threading.Thread] = []
        self._prefetching = threading.Lock()
        self.prefetched = 0
        self._guides_complete = False
        self._last_printer_poll = float("-inf")

    # -- listeners ------------------------------------------------------------------------

    def notify(self, topic: str) -> None:
        for listener in list(self.listeners):
            try:
                listener(topic)
            except Exception:
                log.exception("a kiosk listener failed")

    def _link_changed(self, state: Link) -> None:
        if state == Link.ONLINE:
            self._refresh_catalog.set()
            self._wake.set()
        self.notify("connection")

    def _printer_changed(self, state: str, detail: str) -> None:
        self.reporter.submit(state, detail)
        self.notify("printer")

    def _on_event(self, message: dict[str, Any]) -> None:
        if message.get("type") == "catalog.changed":
            self._guides_complete = False
            self._refresh_catalog.set()
            self._wake.set()
        if self.catalog.apply_event(message):
            self.notify("counts")

    def _on_stream(self, state: str) -> None:
        if state == "unauthorized":
            self.connection.check()
        self._wake.set()   # connected or lost: check the server now rather than at the next round

    # -- the visitor's preferences --------------------------------------------------------

    def set_language(self, language: str) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unknown language {language!r}")
        self.language = language
        self.strings = Strings(language)

    def toggle_language(self) -> str:
        self.set_language("en" if self.language == "zh" else "zh")
        return self.language

    def set_elder(self, on: bool) -> None:
        """Large text (适老化): bigger letters, fewer and larger tiles, more time."""
        self.elder = on
        self.idle.set_timeout(self.settings.elder_idle_timeout_s if on else self.settings.idle_timeout_s)
        self.idle.touch()

    def toggle_elder(self) -> bool:
        self.set_elder(not self.elder)
        return self.elder

    @property
    def font_scale(self) -> float:
        return scales(self.elder)[0]

    @property
    def target_scale(self) -> float:
        """How much larger touch targets are (large-text mode: twice)."""
        return scales(self.elder)[1]

    # -- read aloud and help (large-text mode offers both; they work in either mode) ---------

    def read_screen(self, title: str, lines: list[str], choices: list[str]) -> bool:
        """Read a screen aloud: its title, text and choices, as the screen shows them."""
        self.touch()
        return self.speech.say(screen_speech(title, lines, choices, self.strings), self.language)

    def read_ticket(self) -> bool:
        """Read the ticket just issued aloud (number, people ahead, wait)."""
        from .tickets import Issued

        outcome = self.check_in.outcome if isinstance(self.check_in.outcome, Issued) \
            else self.take_number.outcome
        if not isinstance(outcome, Issued):
            return False
        return self.speech.say(ticket_speech(outcome, self.strings), self.language)

    def call_help(self, screen: str) -> HelpOutcome:
        """Blocks: call the floor staff to this kiosk."""
        self.touch()
        return self.help.call(screen, elder=self.elder)

    # -- idle -----------------------------------------------------------------------------

    def touch(self) -> None:
        self.idle.touch()

    def tick(self) -> Idle:
        """Called once a second by the UI: EXPIRED means go back to the start (everything
        typed is already forgotten when this returns)."""
        state = self.idle.state()
        if state == Idle.EXPIRED:
            self.reset()
        return state

    def reset(self) -> None:
        """The next visitor starts from nothing: flows, typed text, language, text size."""
        for flow in (self.take_number, self.check_in, self.guides, self.credit, self.help):
            flow.reset()
        self.speech.stop()
        self.set_language(self.settings.language if self.settings.language in LANGUAGES else DEFAULT_LANGUAGE)
        self.set_elder(False)
        self.idle.touch()

    # -- background work ------------------------------------------------------------------

    def boot(self) -> Link:
        """Blocks: find the server, load the catalog (or its copy), follow live events, ask
        the printer. Safe to call again until it succeeds."""
        state = self.connection.locate()
        if state == Link.ONLINE:
            self._load_catalog()
            self.connection.follow(self._on_event, self._on_stream)
        elif not self.catalog.loaded:
            self.catalog.load()
        self.poll_printer()
        self.reporter.submit(self.printer.state, self.printer.detail)
        self.booted = state == Link.ONLINE
        self.notify("catalog")
        return state

    def _load_catalog(self) -> bool:
        try:
            self.catalog.refresh(self.connection)
        except ApiError as exc:
            log.warning("catalog not loaded: %s", exc.code)
            if not self.catalog.loaded:
                self.catalog.load()
            return False
        self._refresh_catalog.clear()
        self.catalog.save()
        self.notify("catalog")
        if self.settings.prefetch_guides and not self._guides_complete:
            self.start_prefetch()
        return True

    def start_prefetch(self) -> None:
        if not self._prefetching.acquire(blocking=False):
            return
        def run() -> None:
            try:
                self.prefetched = self.catalog.prefetch(self.connection, fetch_guide, self._stop)
                self._guides_complete = self.prefetched >= len(self.catalog.services)
                log.info("%d guides kept for offline use", self.prefetched)
            except ApiError as exc:
                log.info("guides not prefetched: %s", exc.code)
            finally:
                self._prefetching.release()
        thread = threading.Thread(target=run, name="kiosk-prefetch", daemon=True)
        thread.start()

    def poll_printer(self) -> str:
        self._last_printer_poll = self.clock()
        return self.printer.poll()

    def poll_once(self) -> None:
        """One round of the monitor: the server, then the printer when due."""
        if not self.booted:
            self.boot()
        else:
            before = self.connection.state
            state = self.connection.check()
            if state == Link.ONLINE and (before != Link.ONLINE or self._refresh_catalog.is_set()):
                self._load_catalog()
                if not self.connection.following:
                    self.connection.follow(self._on_event, self._on_stream)
        if self.clock() - self._last_printer_poll >= self.settings.printer_interval_s:
            self.poll_printer()

    def start(self) -> Kiosk:
        """Start the monitor and the status reporter threads."""
        self.reporter.start()
        monitor = threading.Thread(target=self._monitor, name="kiosk-monitor", daemon=True)
        self._threads.append(monitor)
        monitor.start()
        return self

    def _monitor(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
            except Exception:   # the monitor must outlive any surprise
                log.exception("kiosk monitor round failed")
            interval = self.settings.health_interval_s if self.booted else min(2.0, self.settings.health_interval_s)
            self._wake.wait(interval)
            self._wake.clear()

    def wake(self) -> None:
        """Check the server and printer now (e.g. after a refused request)."""
        self._last_printer_poll = float("-inf")
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self.reporter.stop()
        self.connection.close()
        self.printer.close()
        self.id_card.close()
        self.speech.stop()

    # -- the ID card reader -----------------------------------------------------------------

    def read_id_card(self, target: str) -> CardRead:
        """Blocks: read the card on the reader into the ID number of ``target`` ("ticket"
        or "checkin"). On any failure nothing changes."""
        if target not in TARGETS:
            raise ValueError(f"an ID card fills a ticket or a check-in, not {target!r}")
        outcome, checked = self.id_card.read()
        if checked is not None:
            if target == "ticket":
                self.take_number.set_id_number(checked.value)
            else:
                self.check_in.set_mode(Kind.ID_NUMBER)
                self.check_in.set_value(checked.value)
        self.touch()
        return outcome

    # -- what the screens show ------------------------------------------------------------

    def notices(self) -> list[Notice]:
        out: list[Notice] = []
        link = self.connection.state
        if link == Link.SEARCHING:
            out.append(Notice("status.searching", "info"))
        elif link == Link.OFFLINE:
            out.append(Notice("status.offline", "error", "status.offline.hint"))
        elif link == Link.UNAUTHORIZED:
            out.append(Notice("status.unauthorized", "error"))
        printer = self.printer.state
        if printer in ("out", "offline", "error"):
            out.append(Notice(f"status.printer.{printer}", "error"))
        elif printer == "near_end":
            out.append(Notice("status.printer.near_end", "warning"))
        return out

    @property
    def can_issue(self) -> bool:
        return self.connection.online and self.catalog.loaded

    @property
    def can_browse_guides(self) -> bool:
        return self.connection.online or bool(self.catalog.guides)

    @property
    def can_look_up_credit(self) -> bool:
        return self.connection.online

    def describe(self) -> dict[str, Any]:
        """The whole state, for the test driver and the log (no personal data)."""
        return {
            "link": self.connection.state.value, "server": self.connection.server.url if self.connection.server else None,
            "printer": self.printer.state, "printer_detail": self.printer.detail,
            "reported": (self.reporter.sent or {}).get("printer"), "language": self.language, "elder": self.elder,
            "font_scale": self.font_scale, "idle": self.idle.state().value,
            "catalog": {"from": self.catalog.loaded_from, "departments": len(self.catalog.departments),
                        "guides": len(self.catalog.guides)},
            "notices": [n.key for n in self.notices()],
            "take_number": self.take_number.describe(), "check_in": self.check_in.describe(),
            "guides": self.guides.describe(), "credit": self.credit.describe(),
            "target_scale": self.target_scale, "spoken": self.speech.last,
            "help": None if self.help.outcome is None else self.help.outcome.code or "called",
            "id_card": {"reader": self.id_card.available,
                        "last": None if self.id_card.last is None else
                        {"ok": self.id_card.last.ok, "code": self.id_card.last.code}},
        }
