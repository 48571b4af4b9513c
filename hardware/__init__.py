"""hallq's hardware layer: receipt printers, counter devices (window displays, keypads,
evaluators), resident ID card readers and voice announcements, each with a simulator.

The names below are the public surface; submodules load on first use, so importing
``hallq.hardware`` for a keypad does not load the printer stack, and nothing here
imports Kivy or the server.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS: dict[str, str] = {
    # errors
    "HardwareError": "errors",
    "PrinterError": "errors",
    "SerialDeviceError": "errors",
    "VoiceError": "errors",
    "IdCardError": "errors",
    # printing
    "TicketPrint": "printer",
    "GuideChecklist": "printer",
    "MaterialItem": "printer",
    "CreditSummaryPrint": "printer",
    "ListMembership": "printer",
    "PrinterProfile": "printer",
    "PrinterStatus": "printer",
    "PrintResult": "printer",
    "ReceiptPrinter": "printer",
    "open_printer": "printer",
    "render_ticket": "printer",
    "render_guide_checklist": "printer",
    "render_credit_summary": "printer",
    "PrinterSimulator": "printer",
    "decode": "printer",
    # counter devices
    "WindowDisplay": "serial",
    "Keypad": "serial",
    "KeypadAction": "serial",
    "KeypadEvent": "serial",
    "Evaluator": "serial",
    "Rating": "serial",
    "EvaluationTimeout": "serial",
    "EvaluatorUnreachable": "serial",
    "DisplaySimulator": "serial",
    "KeypadSimulator": "serial",
    "EvaluatorSimulator": "serial",
    # resident ID card reader
    "IdCard": "idcard",
    "IdCardReader": "idcard",
    "IdCardReaderSimulator": "idcard",
    # voice
    "announcement_wav": "voice",
    "AnnouncementQueue": "voice",
    "ClipLibrary": "voice",
    "FileSink": "voice",
    "PlayerSink": "voice",
}

__all__ = [
    "AnnouncementQueue",
    "ClipLibrary",
    "CreditSummaryPrint",
    "DisplaySimulator",
    "EvaluationTimeout",
    "Evaluator",
    "EvaluatorSimulator",
    "EvaluatorUnreachable",
    "FileSink",
    "GuideChecklist",
    "HardwareError",
    "IdCard",
    "IdCardError",
    "IdCardReader",
    "IdCardReaderSimulator",
    "Keypad",
    "KeypadAction",
    "KeypadEvent",
    "KeypadSimulator",
    "ListMembership",
    "MaterialItem",
    "PlayerSink",
    "PrintResult",
    "PrinterError",
    "PrinterProfile",
    "PrinterSimulator",
    "PrinterStatus",
    "Rating",
    "ReceiptPrinter",
    "SerialDeviceError",
    "TicketPrint",
    "VoiceError",
    "WindowDisplay",
    "announcement_wav",
    "decode",
    "open_printer",
    "render_credit_summary",
    "render_guide_checklist",
    "render_ticket",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .errors import HardwareError, IdCardError, PrinterError, SerialDeviceError, VoiceError
    from .idcard import IdCard, IdCardReader, IdCardReaderSimulator
    from .printer import (
        CreditSummaryPrint,
        GuideChecklist,
        ListMembership,
        MaterialItem,
        PrinterProfile,
        PrinterSimulator,
        PrinterStatus,
        PrintResult,
        ReceiptPrinter,
        TicketPrint,
        decode,
        open_printer,
        render_credit_summary,
        render_guide_checklist,
        render_ticket,
    )
    from .serial import (
        DisplaySimulator,
        EvaluationTimeout,
        Evaluator,
        EvaluatorSimulator,
        EvaluatorUnreachable,
        Keypad,
        KeypadAction,
        KeypadEvent,
        KeypadSimulator,
        Rating,
        WindowDisplay,
    )
    from .voice import (
        AnnouncementQueue,
        ClipLibrary,
        FileSink,
        PlayerSink,
        announcement_wav,
    )
