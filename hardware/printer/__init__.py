"""Receipt printers: render tickets to ESC/POS, send them over a URI, read status; and a
virtual printer that decodes ESC/POS back into receipts."""

from __future__ import annotations

from .documents import (
    CreditSummaryPrint,
    GuideChecklist,
    ListMembership,
    MaterialItem,
    TicketPrint,
)
from .driver import PrintResult, ReceiptPrinter, open_printer
from .escpos_decode import EscposDecoder, decode
from .profile import DEFAULT_FONT, PrinterProfile
from .receipt import Receipt
from .receipt_image import receipt_image
from .render import (
    render_blocks,
    render_credit_summary,
    render_guide_checklist,
    render_ticket,
)
from .sim import PrinterSimulator
from .status import PrinterStatus
from .transports import Transport

__all__ = [
    "DEFAULT_FONT",
    "CreditSummaryPrint",
    "EscposDecoder",
    "GuideChecklist",
    "ListMembership",
    "MaterialItem",
    "PrintResult",
    "PrinterProfile",
    "PrinterSimulator",
    "PrinterStatus",
    "Receipt",
    "ReceiptPrinter",
    "TicketPrint",
    "Transport",
    "decode",
    "open_printer",
    "receipt_image",
    "render_blocks",
    "render_credit_summary",
    "render_guide_checklist",
    "render_ticket",
]
