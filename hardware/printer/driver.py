"""The receipt printer driver: ask the printer first, print, then ask again.

A ticket is never silently lost: before a job the driver reads the printer's real-time
status (where the transport can read) and refuses with a typed ``PrinterError`` when the
printer cannot print; after the job it asks again, because python-escpos (and TCP)
report nothing when a printer loses power or runs out of paper mid-job.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass

from ..errors import PrinterError
from .documents import CreditSummaryPrint, GuideChecklist, TicketPrint
from .profile import PrinterProfile
from .render import render_credit_summary, render_guide_checklist, render_ticket
from .status import DLE_EOT, ERROR, PrinterStatus, interpret, is_status_byte
from .transports import Transport, read_exactly
from .uri import transport_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintResult:
    """A job the printer accepted; ``warnings`` (e.g. ``paper_near_end``) are to report."""

    bytes_sent: int
    status: PrinterStatus

    @property
    def warnings(self) -> tuple[str, ...]:
        return self.status.warnings


class ReceiptPrinter:
    """One printer: ``status()``, ``print_ticket()`` and friends. Thread-safe."""

    def __init__(self, transport: Transport, profile: PrinterProfile | None = None, *,
                 uri: str = "") -> None:
        self.transport = transport
        self.profile = profile or PrinterProfile()
        self.uri = uri or transport.describe()
        self._lock = threading.Lock()

    # -- public -------------------------------------------------------------------------

    def status(self) -> PrinterStatus:
        """The printer's state now; never raises for a printer problem, it reports it."""
        with self._lock:
            try:
                self._open()
                try:
                    return self._query()
                finally:
                    self._release()
            except PrinterError as exc:
                self._drop()
                return PrinterStatus.failed(exc.code, exc.message)

    def print_ticket(self, ticket: TicketPrint) -> PrintResult:
        return self.print_bytes(render_ticket(ticket, self.profile))

    def print_guide_checklist(self, guide: GuideChecklist) -> PrintResult:
        return self.print_bytes(render_guide_checklist(guide, self.profile))

    def print_credit_summary(self, summary: CreditSummaryPrint) -> PrintResult:
        return self.print_bytes(render_credit_summary(summary, self.profile))

    def print_bytes(self, job: bytes) -> PrintResult:
        """Send one rendered job. Raises ``PrinterError`` before sending anything when the
        printer is not ready, and after sending when the printer stopped or vanished."""
        with self._lock:
            stage = "before"  # until the first job byte is written, nothing was printed
            try:
                self._open()
                before = self._query() if self.transport.readable else PrinterStatus.unchecked()
                error = before.error()
                if error is not None:
                    raise error
                stage = "during"
                self.transport.write(job)
                self.transport.flush()
                after = self._after_job()
                if not after.ready:
                    raise PrinterError(after.code, f"{after.detail or after.code}; the job may "
                                                   "be incomplete")
                self._release()
                return PrintResult(len(job), after)
            except PrinterError as exc:
                exc.details.setdefault("stage", stage)
                self._drop()
                raise

    def close(self) -> None:
        with self._lock:
            self._drop()

    def __enter__(self) -> ReceiptPrinter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- internals ----------------------------------------------------------------------

    def _open(self) -> None:
        if not self.transport.is_open:
            self.transport.open()

    def _release(self) -> None:
        if not self.transport.persistent:
            self.transport.close()

    def _drop(self) -> None:
        try:
            self.transport.close()
        except PrinterError:
            log.warning("closing %s failed", self.uri, exc_info=True)

    def _after_job(self) -> PrinterStatus:
        if not self.transport.readable:
            return PrinterStatus.unchecked()
        try:
            return self._query()
        except PrinterError as exc:
            # It answered a moment ago; silence or a dead socket now means it went away.
            if exc.code in ("timeout", "disconnected"):
                raise PrinterError("disconnected", f"{self.uri} stopped answering during the "
                                   "job; the ticket may be incomplete") from exc
            raise

    def _ask(self, n: int) -> int:
        self.transport.write(DLE_EOT + bytes([n]))
        deadline = time.monotonic() + self.profile.status_timeout_s
        # Skip stray bytes (automatic status back, XON/XOFF) until a genuine reply.
        while (left := deadline - time.monotonic()) > 0:
            reply = read_exactly(self.transport, 1, left)
            if reply and is_status_byte(reply[0]):
                return reply[0]
        raise PrinterError("timeout", f"{self.uri} did not answer DLE EOT {n}")

    def _query(self) -> PrinterStatus:
        if not self.transport.readable:
            return PrinterStatus.unchecked()
        self.transport.discard_input()
        printer = self._ask(1)
        cause = self._ask(2)
        paper = self._ask(4)
        errors = self._ask(3) if cause & ERROR else None
        return interpret(printer, cause, paper, errors)


def open_printer(uri: str, profile: PrinterProfile | None = None) -> ReceiptPrinter:
    """A driver for the printer at ``uri`` (see ``hallq.hardware.printer.uri``).

    Nothing is opened yet: connection problems surface as ``PrinterError`` from
    ``print_*`` and as a non-ready ``status()``.
    """
    profile = profile or PrinterProfile()
    return ReceiptPrinter(transport_for(uri, timeout=profile.io_timeout_s), profile, uri=uri)
