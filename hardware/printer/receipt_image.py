"""A decoded receipt drawn as the paper would look: text with the CJK font at the
printed size and alignment, images and QR codes as received (so the QR scans)."""

from __future__ import annotations

from PIL import Image

from .profile import DEFAULT_FONT
from .raster import BASE_DOT_HEIGHT, place, qr_image, text_image, threshold
from .receipt import Gap, PrintedBarcode, PrintedImage, PrintedLine, PrintedQr, Receipt

MARGIN = 16
FONT_B_HEIGHT = 17
QR_EC = {"L": 1, "M": 0, "Q": 3, "H": 2}  # qrcode's constants


def receipt_image(receipt: Receipt, *, width: int = 576, font_path: str = DEFAULT_FONT,
                  font_index: int = 0) -> Image.Image:
    """The receipt as a black-and-white image ``width`` dots wide."""
    pieces: list[tuple[Image.Image | None, int, str]] = []  # (image, advance, align)
    for item in receipt.items:
        if isinstance(item, PrintedLine):
            pieces.append(_line(item, font_path, font_index))
        elif isinstance(item, PrintedImage):
            pieces.append((item.image.convert("L"), item.image.height, item.align))
        elif isinstance(item, PrintedQr):
            code = qr_image(item.content, item.module, border=2,
                            error_correction=QR_EC.get(item.error_correction, 1))
            pieces.append((code.convert("L"), code.height, item.align))
        elif isinstance(item, PrintedBarcode):
            img = text_image(f"|||| {item.data} ||||", font_path, font_index=font_index)
            pieces.append((img, img.height + 6, item.align))
        elif isinstance(item, Gap):
            pieces.append((None, item.dots, "left"))
    height = sum(advance for _, advance, _ in pieces) + 2 * MARGIN
    canvas = Image.new("L", (width, max(height, 2 * MARGIN)), 255)
    y = MARGIN
    for piece, advance, align in pieces:
        if piece is not None:
            place(canvas, piece, y, align)  # type: ignore[arg-type]
        y += advance
    if receipt.cut:
        for x in range(0, width, 12):  # a dashed cut line
            canvas.paste(0, (x, height - 2, x + 6, height))
    return threshold(canvas)


def _line(line: PrintedLine, font_path: str, font_index: int
          ) -> tuple[Image.Image | None, int, str]:
    advance = max(line.spacing, BASE_DOT_HEIGHT * line.height + 6)
    if not line.text.strip():
        return None, advance, line.align
    parts = []
    for span in line.spans:
        base = FONT_B_HEIGHT if span.font else BASE_DOT_HEIGHT
        img = text_image(span.text, font_path, width=span.width, height=span.height,
                         bold=span.bold, font_index=font_index, base=base)
        if span.underline:
            img.paste(0, (0, img.height - 2, img.width, img.height))
        parts.append(img)
    total_w = sum(p.width for p in parts)
    total_h = max(p.height for p in parts)
    strip = Image.new("L", (max(total_w, 1), total_h), 255)
    x = 0
    for p in parts:
        strip.paste(p, (x, total_h - p.height))  # spans share a baseline at the bottom
        x += p.width
    return strip, max(advance, total_h), line.align
