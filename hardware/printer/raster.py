"""Drawing receipt lines with Pillow: shared by the raster encoder and the simulator."""

from __future__ import annotations

from functools import lru_cache

import qrcode
from PIL import Image, ImageDraw, ImageFont

from ..errors import PrinterError
from .blocks import Align

# Font A on an ESC/POS printer is 12x24 dots; an ideograph is 24x24.
BASE_DOT_HEIGHT = 24
LINE_GAP = 6


@lru_cache(maxsize=64)
def load_font(path: str, size: int, index: int = 0) -> ImageFont.FreeTypeFont:
    """The CJK font at ``size`` pixels; a clear ``font_missing`` error if it cannot load."""
    try:
        return ImageFont.truetype(path, size=size, index=index)
    except OSError as exc:
        raise PrinterError("font_missing", f"cannot load font {path!r} (face {index}): {exc}",
                           path=path) from exc


def text_image(text: str, font_path: str, *, width: int = 1, height: int = 1,
               bold: bool = False, font_index: int = 0,
               base: int = BASE_DOT_HEIGHT) -> Image.Image:
    """One line of text as a greyscale image (black on white), laid out as a printer
    lays it out: every ASCII character in a cell half as wide as an ideograph's, so
    columns line up; ``height`` scales the glyphs, ``width`` stretches them; bold is
    printed twice, one dot apart (double-strike)."""
    size = base * height
    font = load_font(font_path, size, font_index)
    ascent, descent = font.getmetrics()
    img_h = max(ascent + descent, size)
    cells = [(ch, size // 2 if ord(ch) < 0x80 else size) for ch in text]
    img_w = max(sum(w for _, w in cells), 1)
    img = Image.new("L", (img_w, img_h), 255)
    draw = ImageDraw.Draw(img)
    strike = max(1, size // 24)
    x = 0
    for ch, cell in cells:
        if not ch.isspace():
            glyph_w = font.getlength(ch) + (strike if bold else 0)
            fit = cell * 0.92
            if glyph_w <= fit:
                left = x + (cell - glyph_w) / 2
                draw.text((left, 0), ch, font=font, fill=0)
                if bold:
                    draw.text((left + strike, 0), ch, font=font, fill=0)
            else:  # a glyph wider than its cell (W, M, 0 in this font) is narrowed to fit
                glyph = Image.new("L", (int(glyph_w) + 1, img_h), 255)
                glyph_draw = ImageDraw.Draw(glyph)
                glyph_draw.text((0, 0), ch, font=font, fill=0)
                if bold:
                    glyph_draw.text((strike, 0), ch, font=font, fill=0)
                glyph = glyph.resize((max(int(fit), 1), img_h), Image.Resampling.BILINEAR)
                img.paste(glyph, (x + (cell - glyph.width) // 2, 0))
        x += cell
    if width != height:
        img = img.resize((max(round(img_w * width / height), 1), img_h), Image.Resampling.BILINEAR)
    return img


def place(canvas: Image.Image, piece: Image.Image, y: int, align: Align) -> None:
    """Paste ``piece`` on ``canvas`` at row ``y``, aligned; shrunk if wider than the paper."""
    if piece.width > canvas.width:
        ratio = canvas.width / piece.width
        piece = piece.resize((canvas.width, max(int(piece.height * ratio), 1)),
                             Image.Resampling.BILINEAR)
    if align == "center":
        x = (canvas.width - piece.width) // 2
    elif align == "right":
        x = canvas.width - piece.width
    else:
        x = 0
    canvas.paste(piece, (x, y))


def threshold(img: Image.Image, level: int = 160) -> Image.Image:
    """Pure black and white without dithering: dithered text prints speckled."""
    return img.convert("L").point(lambda v: 255 if v >= level else 0, mode="1")


def qr_image(content: str, module: int, *, border: int = 2,
             error_correction: int = qrcode.constants.ERROR_CORRECT_M) -> Image.Image:
    """A QR code as a black-and-white image, ``module`` dots per module."""
    code = qrcode.QRCode(version=None, box_size=module, border=border,
                         error_correction=error_correction)
    code.add_data(content)
    code.make(fit=True)
    return code.make_image(fill_color="black", back_color="white").get_image().convert("1")
