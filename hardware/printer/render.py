"""Blocks to ESC/POS bytes, in native Chinese mode or as raster images. Pure: no I/O.

Native mode (``profile.mode == "native"``)
    ``ESC @`` then, for GB18030/GBK, ``FS &`` (select Chinese character mode) so double-byte
    codes print as ideographs; for UTF-8, ``FS ( C 2 0 48 2`` (select the UTF-8 character
    encoding system). Text bytes are written as encoded by the profile's encoding and
    never through python-escpos's ``text()``, whose code-page conversion turns full-width
    punctuation into '?'. The job ends with ``FS .`` (cancel Chinese mode) for the GB
    encodings so later jobs from other software start from the printer's default.

Raster mode (``profile.mode == "raster"``)
    Consecutive text lines are drawn with Pillow into one image as wide as the paper
    and sent with ``GS v 0``; no text bytes at all, so the printer's own fonts do not
    matter.

QR codes follow ``profile.qr`` in both modes: ``GS ( k`` (the printer draws it) or an
image.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from escpos.capabilities import get_profile
from escpos.constants import PAPER_FULL_CUT, PAPER_PART_CUT
from escpos.printer import Dummy
from PIL import Image

from .blocks import Block, Feed, Qr, Rule, TextLine
from .documents import CreditSummaryPrint, GuideChecklist, TicketPrint
from .layout import credit_summary_blocks, guide_checklist_blocks, ticket_blocks
from .profile import PrinterProfile
from .raster import BASE_DOT_HEIGHT, LINE_GAP, place, qr_image, text_image, threshold

ESC = b"\x1b"
GS = b"\x1d"
FS = b"\x1c"
CHINESE_ON = FS + b"&"
CHINESE_OFF = FS + b"."
SELECT_UTF8 = FS + b"(C\x02\x00\x30\x02"


def render_ticket(ticket: TicketPrint, profile: PrinterProfile) -> bytes:
    """The ESC/POS bytes of one queue ticket, cut at the end."""
    return render_blocks(ticket_blocks(ticket, profile.chars_per_line), profile)


def render_guide_checklist(guide: GuideChecklist, profile: PrinterProfile) -> bytes:
    """The ESC/POS bytes of a service guide's materials checklist."""
    return render_blocks(guide_checklist_blocks(guide, profile.chars_per_line), profile)


def render_credit_summary(summary: CreditSummaryPrint, profile: PrinterProfile) -> bytes:
    """The ESC/POS bytes of an enterprise credit summary."""
    return render_blocks(credit_summary_blocks(summary, profile.chars_per_line), profile)


def render_blocks(blocks: Sequence[Block], profile: PrinterProfile) -> bytes:
    """Any layout as one complete job: initialise, print, feed and cut."""
    out = _dummy(profile)
    out.hw("INIT")
    if profile.mode == "native":
        _native(out, blocks, profile)
    else:
        _raster(out, blocks, profile)
    _finish(out, profile)
    return out.output


def _dummy(profile: PrinterProfile) -> Dummy:
    printer = Dummy(profile="default")
    # The capability profile is a class shared by every instance; give this one its own
    # copy with the paper width so image centring works and escpos prints no warning.
    data = copy.deepcopy(get_profile("default").profile_data)
    data["media"]["width"]["pixels"] = profile.width_dots
    printer.profile.profile_data = data
    return printer


def _native(out: Dummy, blocks: Sequence[Block], profile: PrinterProfile) -> None:
    encoding = profile.encoding
    out._raw(SELECT_UTF8 if encoding == "utf-8" else CHINESE_ON)
    style = _Style(out)
    for block in blocks:
        if isinstance(block, TextLine):
            style.apply(block.align, block.bold, block.width, block.height)
            out._raw(block.text.encode(encoding, errors="replace") + b"\n")
        elif isinstance(block, Rule):
            style.apply("left", False, 1, 1)
            out._raw((block.char * profile.chars_per_line).encode(encoding) + b"\n")
        elif isinstance(block, Feed):
            out._raw(b"\n" * block.lines)
        elif isinstance(block, Qr):
            style.apply(style.align, False, 1, 1)
            _qr(out, block, profile)
            style.align = "left"  # _qr leaves the alignment at left
    style.apply("left", False, 1, 1)


class _Style:
    """Sends only the style commands that change; ``ESC @`` left everything at default."""

    def __init__(self, out: Dummy) -> None:
        self.out = out
        self.align = "left"
        self.bold = False
        self.size = (1, 1)

    def apply(self, align: str, bold: bool, width: int, height: int) -> None:
        changes: dict[str, object] = {}
        if align != self.align:
            changes["align"] = align
        if bold != self.bold:
            changes["bold"] = bold
        if (width, height) != self.size:
            changes.update(custom_size=True, width=width, height=height)
        if changes:
            self.out.set(**changes)  # type: ignore[arg-type]
        self.align, self.bold, self.size = align, bold, (width, height)


def _raster(out: Dummy, blocks: Sequence[Block], profile: PrinterProfile) -> None:
    pending: list[Block] = []
    for block in blocks:
        if isinstance(block, Qr):
            _flush_raster(out, pending, profile)
            pending = []
            _qr(out, block, profile)
        else:
            pending.append(block)
    _flush_raster(out, pending, profile)


def _line_height(block: Block) -> int:
    if isinstance(block, TextLine):
        return BASE_DOT_HEIGHT * block.height + LINE_GAP
    if isinstance(block, Feed):
        return (BASE_DOT_HEIGHT + LINE_GAP) * block.lines
    return BASE_DOT_HEIGHT // 2 + LINE_GAP


def _flush_raster(out: Dummy, blocks: Sequence[Block], profile: PrinterProfile) -> None:
    if not blocks:
        return
    canvas = render_section(blocks, profile)
    out.image(threshold(canvas), impl="bitImageRaster")


def render_section(blocks: Sequence[Block], profile: PrinterProfile) -> Image.Image:
    """Text blocks drawn as the printer would print them, paper-wide, greyscale."""
    base = 2 * profile.column_dots
    scale = base / BASE_DOT_HEIGHT
    height = sum(round(_line_height(b) * scale) for b in blocks)
    canvas = Image.new("L", (profile.width_dots, max(height, 1)), 255)
    y = 0
    for block in blocks:
        step = round(_line_height(block) * scale)
        if isinstance(block, TextLine) and block.text:
            img = text_image(block.text, profile.font_path, width=block.width,
                             height=block.height, bold=block.bold,
                             font_index=profile.font_index, base=base)
            place(canvas, img, y, block.align)
        elif isinstance(block, Rule):
            mid = y + step // 2
            canvas.paste(0, (0, mid - 1, profile.width_dots, mid + 1))
        y += step
    return canvas


def _qr(out: Dummy, block: Qr, profile: PrinterProfile) -> None:
    if profile.qr == "native":
        out.set(align=block.align)
        out.qr(block.content, size=profile.qr_module, ec=1, native=True)
        out._raw(b"\n")
        out.set(align="left")
    else:
        img = qr_image(block.content, profile.qr_module)
        canvas = Image.new("1", (profile.width_dots, img.height), 1)
        place(canvas, img, 0, block.align)
        out.image(canvas, impl="bitImageRaster")


def _finish(out: Dummy, profile: PrinterProfile) -> None:
    if profile.mode == "native" and profile.encoding != "utf-8":
        out._raw(CHINESE_OFF)
    # Feed the last line past the cutter, then cut (GS V 0 full, GS V 1 partial).
    out._raw(ESC + b"d" + bytes([profile.feed_before_cut]))
    if profile.cut != "none":
        out._raw(PAPER_PART_CUT if profile.cut == "partial" else PAPER_FULL_CUT)
