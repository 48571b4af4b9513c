"""The QR code shown beside a ticket's number: the status URL, as a PNG the screen displays
(so a visitor whose ticket did not print can still follow the queue on a phone)."""

from __future__ import annotations

import io

import qrcode
from qrcode.constants import ERROR_CORRECT_M


def qr_png(content: str, *, box: int = 8, border: int = 4) -> bytes:
    """A black-on-white PNG of ``content``; ``border`` modules of quiet zone keep it readable
    against a coloured screen."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=box, border=border)
    code.add_data(content)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white")
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
