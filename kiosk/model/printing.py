"""The kiosk's receipt printer: print, know its state, and tell the server about it.

A job that fails never hides the ticket: the caller gets a ``PrintOutcome`` (not an
exception) and shows the number on screen instead. The printer's state goes to the server
(``POST /devices/me/status``) from a background thread whenever it changes, so a floor
manager sees "out of paper" even when the visitor just photographs the screen.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hallq.hardware import PrinterError
from hallq.hardware.printer import (
    CreditSummaryPrint,
    GuideChecklist,
    PrinterStatus,
    PrintResult,
    ReceiptPrinter,
    TicketPrint,
)

from hallq.client import ApiError

from .clock import Clock
from .connection import Connection

log = logging.getLogger(__name__)

# What the server accepts in a device status report (server/api/schemas.py DeviceStatusReport).
PRINTER_STATES = ("ok", "near_end", "out", "offline", "error", "none")
_OFFLINE_CODES = frozenset({"offline", "unreachable", "timeout", "disconnected"})


def state_of_code(code: str, paper: str = "unknown") -> str:
    """A printer error code (hallq.hardware.errors.PRINTER_CODES) as a reported state."""
    if code == "ok":
        return "near_end" if paper == "near_end" else "ok"
    if code == "paper_out" or paper == "out":
        return "out"
    if code in _OFFLINE_CODES:
        return "offline"
    return "error"   # cover open, cutter fault, a URI or font problem: someone must come


def state_of(status: PrinterStatus) -> str:
    return state_of_code(status.code, status.paper)


@dataclass(frozen=True)
class PrintOutcome:
    """What became of one print job."""

    printed: bool
    state: str            # the printer's state afterwards (PRINTER_STATES)
    code: str = ""        # the PrinterError code when nothing (or not all) was printed
    detail: str = ""

    @property
    def message_key(self) -> str:
        return "" if self.printed else f"status.printer.{self.state if self.state != 'ok' else 'error'}"


class KioskPrinter:
    """One receipt printer (or none). Thread-safe: the driver serialises jobs."""

    def __init__(self, printer: ReceiptPrinter | None,
                 on_change: Callable[[str, str], None] | None = None) -> None:
        self.printer = printer
        self.on_change = on_change
        self.state = "none" if printer is None else "ok"
        self.detail = "" if printer is not None else "no printer configured"
        self._lock = threading.Lock()

    def _set(self, state: str, detail: str) -> None:
        with self._lock:
            changed = (state, detail) != (self.state, self.detail)
            self.state, self.detail = state, detail
        if changed:
            log.info("printer: %s %s", state, detail)
            if self.on_change is not None:
                self.on_change(state, detail)

    @property
    def usable(self) -> bool:
        """Whether a job may be tried now (a printer that reported a fault is still tried:
        the fault may have cleared since the last poll)."""
        return self.printer is not None

    def poll(self) -> str:
        """Ask the printer how it is (blocks for a few milliseconds, or up to the status
        timeout when it is gone)."""
        if self.printer is None:
            return self.state
        status = self.printer.status()
        self._set(state_of(status), status.detail if status.code != "ok" else status.detail)
        return self.state

    def print_ticket(self, ticket: TicketPrint) -> PrintOutcome:
        return self._run(lambda p: p.print_ticket(ticket))

    def print_guide_checklist(self, checklist: GuideChecklist) -> PrintOutcome:
        return self._run(lambda p: p.print_guide_checklist(checklist))

    def print_credit_summary(self, summary: CreditSummaryPrint) -> PrintOutcome:
        return self._run(lambda p: p.print_credit_summary(summary))

    def _run(self, job: Callable[[ReceiptPrinter], PrintResult]) -> PrintOutcome:
        if self.printer is None:
            return PrintOutcome(False, "none", "no_printer", "no printer configured")
        try:
            result = job(self.printer)
        except PrinterError as exc:
            state = state_of_code(exc.code)
            self._set(state, f"{exc.code}: {exc.message}")
            return PrintOutcome(False, state, exc.code, exc.message)
        except Exception as exc:   # a rendering bug must not cost the visitor their number
            log.exception("print job failed")
            self._set("error", f"{type(exc).__name__}: {exc}")
            return PrintOutcome(False, "error", "printer_fault", str(exc))
        state = state_of(result.status)
        self._set(state, "paper near end" if state == "near_end" else "")
        return PrintOutcome(True, state)

    def close(self) -> None:
        if self.printer is not None:
            self.printer.close()


class StatusReporter:
    """Sends the printer's state to the server when it changes and every ``heartbeat_s``;
    a report the server did not take is sent again on the next round."""

    def __init__(self, connection: Connection, *, heartbeat_s: float = 60.0, retry_s: float = 3.0,
                 clock: Clock = time.monotonic, app_version: str = "") -> None:
        self.connection = connection
        self.heartbeat_s = heartbeat_s
        self.retry_s = retry_s
        self.clock = clock
        self.app_version = app_version
        self.wanted: dict[str, Any] | None = None
        self.sent: dict[str, Any] | None = None
        self.sent_at = 0.0
        self.reports = 0
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def submit(self, state: str, detail: str = "") -> None:
        if state not in PRINTER_STATES:
            raise ValueError(f"printer state must be one of {PRINTER_STATES}")
        with self._lock:
            self.wanted = {"printer": state, "online": True, "detail": detail[:300],
                           "app_version": self.app_version[:40]}
        self._wake.set()

    def flush(self) -> bool:
        """Send the wanted state if it is new or the heartbeat is due; True when the server
        has the latest state. Blocks for one request."""
        with self._lock:
            wanted = self.wanted
            due = wanted is not None and (wanted != self.sent
                                          or self.clock() - self.sent_at >= self.heartbeat_s)
        if not due:
            return wanted is None or wanted == self.sent
        assert wanted is not None
        try:
            self.connection.call(lambda c: c.report_status(**wanted))
        except ApiError as exc:
            log.info("printer status not reported: %s", exc.code)
            return False
        with self._lock:
            self.sent, self.sent_at = wanted, self.clock()
            self.reports += 1
            return self.wanted == wanted

    def start(self) -> StatusReporter:
        self._thread = threading.Thread(target=self._run, name="kiosk-status", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            done = self.flush()
            self._wake.wait(self.retry_s if not done else min(self.heartbeat_s, 30.0))
            self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
