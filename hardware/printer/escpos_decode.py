"""ESC/POS bytes to receipts: what a printer would have put on paper. Pure: no I/O.

``EscposDecoder`` is incremental (the printer simulator feeds it socket chunks and must
answer real-time status queries in stream order); ``decode()`` is the one-shot form for
tests. Unknown or malformed commands never raise: they are skipped and noted in the
receipt's ``warnings``.
"""

from __future__ import annotations

import codecs
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from PIL import Image

from .blocks import Align
from .receipt import (
    CutKind,
    Gap,
    Item,
    PrintedBarcode,
    PrintedImage,
    PrintedLine,
    PrintedQr,
    Receipt,
    Span,
)

log = logging.getLogger(__name__)

ESC, GS, FS, DLE = 0x1B, 0x1D, 0x1C, 0x10
LF, CR, HT, FF = 0x0A, 0x0D, 0x09, 0x0C

CODE_PAGES: dict[int, str] = {0: "cp437", 2: "cp850", 3: "cp860", 4: "cp863", 5: "cp865",
                              16: "cp1252", 17: "cp866", 18: "cp852", 19: "cp858"}
ALIGNS: dict[int, Align] = {0: "left", 1: "center", 2: "right"}
QR_EC = {48: "L", 49: "M", 50: "Q", 51: "H"}
INVERT = bytes(255 - i for i in range(256))
# Larger images are garbage, not receipts (a printer head is at most a few thousand dots).
MAX_IMAGE_DOTS = 4096
MAX_IMAGE_ROWS = 20000
DEFAULT_SPACING = 30

# ESC x commands of fixed length (including ESC and x) that change nothing we draw.
_ESC_FIXED: dict[int, int] = {
    ord("="): 3, ord("%"): 3, ord("?"): 3, ord("T"): 3, ord("{"): 3, ord("V"): 3,
    ord("U"): 3, ord("r"): 3, ord(" "): 3, ord("$"): 4, ord("\\"): 4, ord("p"): 5,
    ord("B"): 4, ord("K"): 3, ord("e"): 3, ord("R"): 3, ord("u"): 3, ord("v"): 3,
    ord("L"): 2, ord("S"): 2, ord("<"): 2, 0x0C: 2, ord("W"): 10, ord("c"): 4,
}
_GS_FIXED: dict[int, int] = {
    ord("$"): 4, ord("/"): 3, ord(":"): 2, ord("B"): 3, ord("E"): 3, ord("H"): 3,
    ord("L"): 4, ord("P"): 4, ord("T"): 3, ord("W"): 4, ord("\\"): 4, ord("^"): 5,
    ord("a"): 3, ord("b"): 3, ord("f"): 3, ord("h"): 3, ord("w"): 3,
}
_FS_FIXED: dict[int, int] = {
    ord("!"): 3, ord("-"): 3, ord("C"): 3, ord("S"): 4, ord("W"): 3, ord("p"): 4,
    ord("2"): 75,
}


@dataclass(frozen=True)
class StatusRequest:
    """A query the printer answers at once: ``DLE EOT n``, ``GS r n`` or ``GS I n``."""

    command: Literal["dle_eot", "gs_r", "gs_i"]
    n: int


@dataclass(frozen=True)
class ReceiptDone:
    """A receipt came off the printer (at a cut, an interruption or the end of the job)."""

    receipt: Receipt


Event = StatusRequest | ReceiptDone


@dataclass
class _Style:
    width: int = 1
    height: int = 1
    bold: bool = False
    underline: bool = False
    font: int = 0
    align: Align = "left"
    spacing: int = DEFAULT_SPACING


class EscposDecoder:
    """Feed ESC/POS bytes in any chunks; receive status requests and finished receipts.

    ``chinese_mode`` is the power-on state of the printer (China-market printers start in
    Chinese mode); ``encoding`` is what its Chinese mode decodes (GB18030 covers GBK).
    """

    def __init__(self, *, encoding: str = "gb18030", chinese_mode: bool = True,
                 find_qr_in_images: bool = True) -> None:
        self.default_encoding = encoding
        self.default_chinese = chinese_mode
        self.find_qr_in_images = find_qr_in_images
        self.printing = True
        self.discarded_items = 0
        self._buf = bytearray()
        self._receipt = Receipt()
        self._events: list[Event] = []
        self._reset_modes()

    # -- public -------------------------------------------------------------------------

    def feed(self, data: bytes) -> list[Event]:
        """Consume ``data``; return the events it completed, in stream order."""
        self._buf += data
        pos = 0
        n = len(self._buf)
        while pos < n:
            used = self._step(pos)
            if used is None:
                break
            pos += used
        del self._buf[:pos]
        events, self._events = self._events, []
        return events

    def finish(self) -> list[Event]:
        """End of the stream (connection closed): what is pending comes out uncut."""
        if self._buf:
            self._receipt.warnings.append(f"{len(self._buf)} bytes of an unfinished command")
            self._buf.clear()
        self._flush_text()
        if self._spans:
            # A printer keeps an unterminated line in its buffer; show it, flagged.
            self._receipt.warnings.append("last line not terminated by LF")
            self._flush_line(force=False)
        self._end_receipt(None)
        events, self._events = self._events, []
        return events

    def interrupt(self, reason: str) -> list[Event]:
        """Printing stopped (paper out, cover open, offline): close the receipt so far and
        drop printed output until ``resume()``; status requests are still reported."""
        self._flush_text()
        self._flush_line(force=False)
        self._end_receipt(None, interrupted=reason)
        self.printing = False
        events, self._events = self._events, []
        return events

    def resume(self) -> None:
        self.printing = True

    @property
    def pending(self) -> bool:
        """Whether anything is buffered that has not yet come out as a receipt."""
        return bool(self._buf) or bool(self._spans) or bool(self._receipt.items) \
            or self._band is not None

    # -- state ----------------------------------------------------------------------------

    def _reset_modes(self) -> None:
        self.style = _Style()
        self.chinese = self.default_chinese
        self.utf8 = _is_utf8(self.default_encoding)
        self.code_page = "cp437"
        self._spans: list[Span] = []
        self._line_align: Align | None = None
        self._column = 0
        self._qr_data = b""
        self._qr_module = 3
        self._qr_ec = "L"
        self._graphics: Image.Image | None = None
        self._band: Image.Image | None = None
        self._band_align: Align = "left"
        self._new_text_decoder()

    def _new_text_decoder(self) -> None:
        if self.utf8:
            name = "utf-8"
        elif self.chinese:
            # A printer whose default is UTF-8 and that was told FS & uses its GB font.
            name = "gb18030" if _is_utf8(self.default_encoding) else self.default_encoding
        else:
            name = self.code_page
        self._text_codec = name
        self._decoder = codecs.getincrementaldecoder(name)(errors="replace")

    def _switch(self, *, chinese: bool | None = None, utf8: bool | None = None,
                code_page: str | None = None) -> None:
        self._flush_text()
        if chinese is not None:
            self.chinese = chinese
        if utf8 is not None:
            self.utf8 = utf8
        if code_page is not None:
            self.code_page = code_page
        self._new_text_decoder()

    # -- output ---------------------------------------------------------------------------

    def _add(self, item: Item) -> None:
        if not self.printing:
            self.discarded_items += 1
            return
        self._receipt.items.append(item)

    def _add_text(self, text: str) -> None:
        if not text:
            return
        self._flush_band()
        if self._line_align is None:
            self._line_align = self.style.align
        s = self.style
        last = self._spans[-1] if self._spans else None
        if last and (last.width, last.height, last.bold, last.underline, last.font) == \
                (s.width, s.height, s.bold, s.underline, s.font):
            last.text += text
        else:
            self._spans.append(Span(text, s.width, s.height, s.bold, s.underline, s.font))
        self._column += sum(1 if ord(c) < 0x80 else 2 for c in text)

    def _flush_text(self) -> None:
        self._add_text(self._decoder.decode(b"", final=True))
        self._decoder.reset()

    def _flush_line(self, *, force: bool) -> bool:
        """Print the line buffer; ``force`` prints an empty line (a line feed)."""
        had = bool(self._spans)
        if had or (force and self._band is None):
            self._add(PrintedLine(self._spans, self._line_align or self.style.align,
                                  self.style.spacing))
        self._spans = []
        self._line_align = None
        self._column = 0
        return had

    def _flush_band(self) -> None:
        if self._band is not None:
            self._add(self._image_item(self._band, self._band_align))
            self._band = None

    def _end_receipt(self, cut: CutKind | None, interrupted: str | None = None) -> None:
        self._flush_band()
        receipt = self._receipt
        receipt.cut = cut
        receipt.interrupted = interrupted
        self._receipt = Receipt()
        if not receipt.is_empty or receipt.warnings:
            self._events.append(ReceiptDone(receipt))

    def _image_item(self, image: Image.Image, align: Align) -> PrintedImage:
        item = PrintedImage(image, align)
        if self.find_qr_in_images and image.height >= 21 and image.width >= 21:
            item.qr_texts = find_qr_codes(image)
        return item

    def _print_image(self, image: Image.Image) -> None:
        self._flush_text()
        self._flush_line(force=False)
        self._flush_band()
        self._add(self._image_item(image, self.style.align))

    # -- parsing --------------------------------------------------------------------------

    def _step(self, pos: int) -> int | None:
        buf = self._buf
        b = buf[pos]
        if b >= 0x20:
            end = pos
            n = len(buf)
            while end < n and buf[end] >= 0x20:
                end += 1
            self._add_text(self._decoder.decode(bytes(buf[pos:end]), final=False))
            return end - pos
        if b == LF:
            self._flush_text()
            self._flush_line(force=True)
            return 1
        if b == HT:
            self._flush_text()
            self._add_text(" " * (8 - self._column % 8))
            return 1
        if b == FF:
            self._flush_text()
            self._flush_line(force=False)
            return 1
        if b in (ESC, GS, FS, DLE):
            if pos + 1 >= len(buf):
                return None
            self._flush_text()
            handler = {ESC: self._esc, GS: self._gs, FS: self._fs, DLE: self._dle}[b]
            return handler(pos)
        return 1  # NUL, CR and other control bytes print nothing

    def _have(self, pos: int, n: int) -> bool:
        return pos + n <= len(self._buf)

    def _unknown(self, pos: int, size: int = 2) -> int:
        cmd = bytes(self._buf[pos:pos + 2])
        self._receipt.warnings.append(f"unknown command {cmd.hex(' ')}")
        return size

    def _esc(self, pos: int) -> int | None:
        buf = self._buf
        c = buf[pos + 1]
        if c == ord("@"):
            self._flush_band()  # column images already fed past the head are on paper
            self._reset_modes()  # ESC @ clears the print buffer and every mode
            return 2
        if c in (ord("i"), ord("m")):
            self._cut("partial")
            return 2
        if c == ord("2"):
            self.style.spacing = DEFAULT_SPACING
            return 2
        if c == ord("*"):
            return self._esc_star(pos)
        if c == ord("D"):
            end = buf.find(b"\x00", pos + 2)
            return None if end < 0 else end - pos + 1
        if c == ord("&"):
            return self._esc_ampersand(pos)
        if c == ord("(") :
            if not self._have(pos, 5):
                return None
            return 5 + buf[pos + 3] + 256 * buf[pos + 4]
        if c in _ESC_FIXED:
            size = _ESC_FIXED[c]
            return size if self._have(pos, size) else None
        if not self._have(pos, 3):
            if c in b"!EG-adJ3tM":
                return None
            return self._unknown(pos)
        n = buf[pos + 2]
        s = self.style
        if c == ord("!"):
            s.font = n & 1
            s.bold = bool(n & 0x08)
            s.height = 2 if n & 0x10 else 1
            s.width = 2 if n & 0x20 else 1
            s.underline = bool(n & 0x80)
        elif c in (ord("E"), ord("G")):
            s.bold = bool(n & 1)
        elif c == ord("-"):
            s.underline = bool(n & 3)
        elif c == ord("a"):
            s.align = ALIGNS.get(n % 48 if n >= 48 else n, s.align)
        elif c == ord("d"):
            had = self._flush_line(force=False)
            for _ in range(n - 1 if had else n):
                self._flush_line(force=True)
        elif c == ord("J"):
            self._flush_line(force=False)
            self._add(Gap(n))
        elif c == ord("3"):
            s.spacing = n
        elif c == ord("t"):
            self._switch(code_page=CODE_PAGES.get(n, "cp437"))
        elif c == ord("M"):
            s.font = n & 1
        else:
            return self._unknown(pos)
        return 3

    def _esc_star(self, pos: int) -> int | None:
        buf = self._buf
        if not self._have(pos, 5):
            return None
        m, count = buf[pos + 2], buf[pos + 3] + 256 * buf[pos + 4]
        rows = 3 if m in (32, 33) else 1
        size = 5 + rows * count
        if not self._have(pos, size):
            return None
        data = bytes(buf[pos + 5:pos + size])
        band = Image.new("1", (count, rows * 8), 1)
        pixels = band.load()
        assert pixels is not None
        for x in range(count):
            for r in range(rows):
                byte = data[x * rows + r]
                for bit in range(8):
                    if byte & (0x80 >> bit):
                        pixels[x, r * 8 + bit] = 0
        if m in (0, 32):  # single density: each column is printed twice as wide
            band = band.resize((count * 2, rows * 8))
        self._spans = []
        if self._band is None:
            self._band = band
            self._band_align = self.style.align
        else:
            merged = Image.new("1", (max(self._band.width, band.width),
                                     self._band.height + band.height), 1)
            merged.paste(self._band, (0, 0))
            merged.paste(band, (0, self._band.height))
            self._band = merged
        return size

    def _esc_ampersand(self, pos: int) -> int | None:
        buf = self._buf
        if not self._have(pos, 5):
            return None
        y, c1, c2 = buf[pos + 2], buf[pos + 3], buf[pos + 4]
        at = pos + 5
        for _ in range(max(c2 - c1 + 1, 0)):
            if not self._have(at, 1):
                return None
            at += 1 + y * buf[at]
        return at - pos if at <= len(buf) else None

    def _gs(self, pos: int) -> int | None:
        buf = self._buf
        c = buf[pos + 1]
        if c == ord("V"):
            return self._gs_cut(pos)
        if c == ord("v"):
            return self._gs_raster(pos)
        if c == ord("("):
            return self._gs_paren(pos)
        if c == ord("8"):
            return self._gs_large_graphics(pos)
        if c == ord("k"):
            return self._gs_barcode(pos)
        if c == ord("*"):
            if not self._have(pos, 4):
                return None
            return 4 + buf[pos + 2] * buf[pos + 3] * 8
        if c in _GS_FIXED:
            size = _GS_FIXED[c]
            return size if self._have(pos, size) else None
        if not self._have(pos, 3):
            if c in b"!rI":
                return None
            return self._unknown(pos)
        n = buf[pos + 2]
        if c == ord("!"):
            self.style.width = (n >> 4 & 7) + 1
            self.style.height = (n & 7) + 1
        elif c == ord("r"):
            self._events.append(StatusRequest("gs_r", n))
        elif c == ord("I"):
            self._events.append(StatusRequest("gs_i", n))
        else:
            return self._unknown(pos)
        return 3

    def _gs_cut(self, pos: int) -> int | None:
        if not self._have(pos, 3):
            return None
        m = self._buf[pos + 2]
        if m in (0, 48, 1, 49):
            self._cut("full" if m in (0, 48) else "partial")
            return 3
        if m in (65, 66, 97, 98, 103, 104):
            if not self._have(pos, 4):
                return None
            self._cut("full" if m in (65, 97, 103) else "partial")
            return 4
        return self._unknown(pos, 3)

    def _cut(self, kind: CutKind) -> None:
        self._flush_line(force=False)
        self._end_receipt(kind)

    def _gs_raster(self, pos: int) -> int | None:
        buf = self._buf
        if not self._have(pos, 8):
            return None
        m = buf[pos + 3]
        width_bytes = buf[pos + 4] + 256 * buf[pos + 5]
        rows = buf[pos + 6] + 256 * buf[pos + 7]
        if buf[pos + 2] not in (0, 48) or width_bytes * 8 > MAX_IMAGE_DOTS \
                or rows > MAX_IMAGE_ROWS or not width_bytes or not rows:
            return self._unknown(pos, 8)
        size = 8 + width_bytes * rows
        if not self._have(pos, size):
            return None
        data = bytes(buf[pos + 8:pos + size]).translate(INVERT)
        image = Image.frombytes("1", (width_bytes * 8, rows), data)
        scale_x = 2 if m in (1, 3, 49, 51) else 1
        scale_y = 2 if m in (2, 3, 50, 51) else 1
        if scale_x != 1 or scale_y != 1:
            image = image.resize((image.width * scale_x, image.height * scale_y))
        self._print_image(image)
        return size

    def _gs_paren(self, pos: int) -> int | None:
        buf = self._buf
        if not self._have(pos, 5):
            return None
        size = 5 + buf[pos + 3] + 256 * buf[pos + 4]
        if not self._have(pos, size):
            return None
        body = bytes(buf[pos + 5:pos + size])
        kind = buf[pos + 2]
        if kind == ord("k") and len(body) >= 2 and body[0] == 49:
            self._qr_function(body[1], body[2:])
        elif kind == ord("L") and len(body) >= 2:
            self._graphics_function(body[1], body[2:])
        return size

    def _gs_large_graphics(self, pos: int) -> int | None:
        buf = self._buf
        if not self._have(pos, 7):
            return None
        if buf[pos + 2] != ord("L"):
            return self._unknown(pos)
        size = 7 + int.from_bytes(buf[pos + 3:pos + 7], "little")
        if not self._have(pos, size):
            return None
        body = bytes(buf[pos + 7:pos + size])
        if len(body) >= 2:
            self._graphics_function(body[1], body[2:])
        return size

    def _qr_function(self, fn: int, args: bytes) -> None:
        if fn == 67 and args:
            self._qr_module = max(1, min(args[0], 16))
        elif fn == 69 and args:
            self._qr_ec = QR_EC.get(args[0], "L")
        elif fn == 80 and args:
            self._qr_data = args[1:]
        elif fn == 81:
            self._flush_line(force=False)
            self._flush_band()
            content = self._qr_data.decode("utf-8", errors="replace")
            self._add(PrintedQr(content, self._qr_module, self._qr_ec, self.style.align))

    def _graphics_function(self, fn: int, args: bytes) -> None:
        # fn 112: store raster graphics (a bx by c xL xH yL yH d...); fn 50: print it
        if fn == 112 and len(args) >= 8:
            scale_x, scale_y = max(args[1], 1), max(args[2], 1)
            width = args[4] + 256 * args[5]
            rows = args[6] + 256 * args[7]
            width_bytes = (width + 7) // 8
            data = args[8:8 + width_bytes * rows]
            if 0 < width <= MAX_IMAGE_DOTS and 0 < rows <= MAX_IMAGE_ROWS \
                    and len(data) == width_bytes * rows:
                image = Image.frombytes("1", (width_bytes * 8, rows), data.translate(INVERT))
                image = image.crop((0, 0, width, rows))
                if scale_x > 1 or scale_y > 1:
                    image = image.resize((width * scale_x, rows * scale_y))
                self._graphics = image
            else:
                self._receipt.warnings.append("malformed GS ( L graphics")
        elif fn in (50, 2) and self._graphics is not None:
            self._print_image(self._graphics)
            self._graphics = None

    def _gs_barcode(self, pos: int) -> int | None:
        buf = self._buf
        if not self._have(pos, 3):
            return None
        m = buf[pos + 2]
        if m <= 6:
            end = buf.find(b"\x00", pos + 3)
            if end < 0:
                return None
            data, size = bytes(buf[pos + 3:end]), end - pos + 1
        else:
            if not self._have(pos, 4):
                return None
            size = 4 + buf[pos + 3]
            if not self._have(pos, size):
                return None
            data = bytes(buf[pos + 4:pos + size])
        self._flush_line(force=False)
        self._add(PrintedBarcode(m, data.decode("ascii", errors="replace"), self.style.align))
        return size

    def _fs(self, pos: int) -> int | None:
        buf = self._buf
        c = buf[pos + 1]
        if c == ord("&"):
            self._switch(chinese=True)
            return 2
        if c == ord("."):
            self._switch(chinese=False)
            return 2
        if c == ord("("):
            if not self._have(pos, 5):
                return None
            size = 5 + buf[pos + 3] + 256 * buf[pos + 4]
            if not self._have(pos, size):
                return None
            if buf[pos + 2] == ord("C") and size >= 7 and buf[pos + 5] == 48:
                self._switch(utf8=buf[pos + 6] in (2, 50))
            return size
        if c == ord("q"):
            return self._fs_q(pos)
        if c in _FS_FIXED:
            size = _FS_FIXED[c]
            return size if self._have(pos, size) else None
        return self._unknown(pos)

    def _fs_q(self, pos: int) -> int | None:
        buf = self._buf
        if not self._have(pos, 3):
            return None
        at = pos + 3
        for _ in range(buf[pos + 2]):
            if not self._have(at, 4):
                return None
            width = buf[at] + 256 * buf[at + 1]
            rows = buf[at + 2] + 256 * buf[at + 3]
            at += 4 + width * rows * 8
        return at - pos if at <= len(buf) else None

    def _dle(self, pos: int) -> int | None:
        buf = self._buf
        c = buf[pos + 1]
        if c in (0x04, 0x05):
            if not self._have(pos, 3):
                return None
            n = buf[pos + 2]
            if c == 0x04 and n in (7, 8):
                return 4 if self._have(pos, 4) else None
            if c == 0x04:
                self._events.append(StatusRequest("dle_eot", n))
            return 3
        if c == 0x14:
            if not self._have(pos, 3):
                return None
            size = {1: 5, 2: 5, 3: 5, 7: 4, 8: 10}.get(buf[pos + 2], 3)
            return size if self._have(pos, size) else None
        return self._unknown(pos)


def _is_utf8(encoding: str) -> bool:
    return encoding.lower().replace("_", "-") in ("utf-8", "utf8")


def find_qr_codes(image: Image.Image) -> list[str]:
    """QR contents found in a printed image; empty when zxing-cpp is not installed."""
    reader = _qr_reader()
    if reader is None:
        return []
    try:
        return reader(image.convert("L"))
    except Exception:  # a decoder failure must not lose the receipt
        log.exception("QR detection failed")
        return []


def _qr_reader() -> Callable[[Image.Image], list[str]] | None:
    try:
        import zxingcpp
    except ImportError:
        return None

    def read(image: Image.Image) -> list[str]:
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)  # type: ignore[arg-type]
        return [r.text for r in found]

    return read


def decode(data: bytes, *, encoding: str = "gb18030", chinese_mode: bool = True,
           find_qr_in_images: bool = True) -> list[Receipt]:
    """Every receipt in a complete byte stream, split at cuts; the rest comes out uncut."""
    decoder = EscposDecoder(encoding=encoding, chinese_mode=chinese_mode,
                            find_qr_in_images=find_qr_in_images)
    events = decoder.feed(data) + decoder.finish()
    return [e.receipt for e in events if isinstance(e, ReceiptDone)]
