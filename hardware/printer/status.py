"""Printer status from ESC/POS real-time replies (``DLE EOT n``). Pure: bytes in, facts out.

Each reply is one byte; bits 1 and 4 are always set (0x12), bits 0 and 7 clear.

=====  ===========================  ==============================================
n      asks for                      bits used here
=====  ===========================  ==============================================
1      printer status               3: offline
2      offline cause                2: cover open, 5: stopped by paper end, 6: error
3      error cause                  3: autocutter error, 5: unrecoverable error
4      roll paper sensor            2-3: near end, 5-6: paper end
=====  ===========================  ==============================================
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from ..errors import PrinterError

Paper = Literal["ok", "near_end", "out", "unknown"]

DLE_EOT = b"\x10\x04"
FIXED_BITS = 0x12
FIXED_MASK = 0x93  # bits 0, 1, 4, 7 must read 0, 1, 1, 0 in a genuine reply

OFFLINE = 0x08
COVER_OPEN = 0x04
PAPER_END_STOP = 0x20
ERROR = 0x40
CUTTER_ERROR = 0x08
UNRECOVERABLE = 0x20
NEAR_END = 0x0C
PAPER_END = 0x60


def is_status_byte(value: int) -> bool:
    """Whether ``value`` has the fixed bits of a real-time status reply."""
    return value & FIXED_MASK == FIXED_BITS


@dataclass(frozen=True)
class PrinterStatus:
    """What the kiosk reports to the server about its printer.

    ``code`` is ``ok`` or the machine code of the problem (the same codes as
    ``PrinterError``); ``checked`` is False when the transport cannot read status
    (file, CUPS), in which case the printer is assumed online with paper ``unknown``.
    """

    online: bool
    paper: Paper
    code: str = "ok"
    detail: str = ""
    cover_open: bool = False
    checked: bool = True

    @property
    def ready(self) -> bool:
        """Whether a job may be sent now."""
        return self.online and self.paper != "out" and self.code == "ok"

    @property
    def warnings(self) -> tuple[str, ...]:
        return ("paper_near_end",) if self.paper == "near_end" else ()

    def error(self) -> PrinterError | None:
        if self.ready:
            return None
        return PrinterError(self.code, self.detail or self.code)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def unchecked(cls) -> PrinterStatus:
        return cls(online=True, paper="unknown", detail="transport cannot read status",
                   checked=False)

    @classmethod
    def failed(cls, code: str, detail: str) -> PrinterStatus:
        return cls(online=False, paper="unknown", code=code, detail=detail)


def paper_from(reply: int) -> Paper:
    if reply & PAPER_END:
        return "out"
    if reply & NEAR_END:
        return "near_end"
    return "ok"


def interpret(printer: int, offline_cause: int, paper: int, error_cause: int | None = None
              ) -> PrinterStatus:
    """Combine the replies to ``DLE EOT 1, 2, 4`` (and ``3`` when an error is flagged)."""
    paper_state = paper_from(paper)
    cover = bool(offline_cause & COVER_OPEN)
    online = not printer & OFFLINE
    if cover:
        return PrinterStatus(False, paper_state, "cover_open", "the cover is open", True)
    if paper_state == "out" or offline_cause & PAPER_END_STOP:
        return PrinterStatus(False, "out", "paper_out", "the paper roll is empty")
    if offline_cause & ERROR:
        if error_cause is not None and error_cause & (CUTTER_ERROR | UNRECOVERABLE):
            what = "autocutter error" if error_cause & CUTTER_ERROR else "unrecoverable error"
            return PrinterStatus(False, paper_state, "printer_fault", what)
        return PrinterStatus(False, paper_state, "offline", "the printer reports an error")
    if not online:
        return PrinterStatus(False, paper_state, "offline", "the printer is offline")
    detail = "paper near end" if paper_state == "near_end" else ""
    return PrinterStatus(True, paper_state, "ok", detail)


def encode_replies(*, online: bool = True, cover_open: bool = False, paper: Paper = "ok",
                   error: bool = False, cutter_error: bool = False) -> dict[int, int]:
    """The replies a printer in this state gives to ``DLE EOT 1..4`` (used by the simulator)."""
    out = paper == "out"
    stopped = cover_open or out or error or cutter_error or not online
    cause = FIXED_BITS | (COVER_OPEN if cover_open else 0) | (PAPER_END_STOP if out else 0) \
        | (ERROR if error or cutter_error else 0)
    errors = FIXED_BITS | (CUTTER_ERROR if cutter_error else 0)
    sensor = FIXED_BITS | (NEAR_END if paper in ("near_end", "out") else 0) \
        | (PAPER_END if out else 0)
    return {1: FIXED_BITS | (OFFLINE if stopped else 0), 2: cause, 3: errors, 4: sensor}
