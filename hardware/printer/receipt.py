"""What a printer put on paper: the decoded form of an ESC/POS job."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from PIL import Image

from .blocks import Align

CutKind = Literal["full", "partial"]


@dataclass
class Span:
    """A run of text printed in one style."""

    text: str
    width: int = 1
    height: int = 1
    bold: bool = False
    underline: bool = False
    font: int = 0


@dataclass
class PrintedLine:
    """One line of text (possibly empty: a blank line)."""

    spans: list[Span] = field(default_factory=list)
    align: Align = "left"
    spacing: int = 30

    @property
    def text(self) -> str:
        return "".join(s.text for s in self.spans)

    @property
    def height(self) -> int:
        return max((s.height for s in self.spans), default=1)


@dataclass
class PrintedImage:
    """A bit image as received; mode ``1`` with black where dots were printed."""

    image: Image.Image
    align: Align = "left"
    qr_texts: list[str] = field(default_factory=list)


@dataclass
class PrintedQr:
    """A QR code the printer drew itself (``GS ( k``)."""

    content: str
    module: int = 3
    error_correction: str = "L"
    align: Align = "left"


@dataclass
class PrintedBarcode:
    """A 1D barcode the printer drew itself (``GS k``)."""

    kind: int
    data: str
    align: Align = "left"


@dataclass
class Gap:
    """Paper fed by a number of dots without printing."""

    dots: int


Item = PrintedLine | PrintedImage | PrintedQr | PrintedBarcode | Gap


@dataclass
class Receipt:
    """One piece of paper: everything printed up to a cut (or to the end of a job)."""

    items: list[Item] = field(default_factory=list)
    cut: CutKind | None = None
    interrupted: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        """Text lines, blank lines included, images and codes left out."""
        return [i.text for i in self.items if isinstance(i, PrintedLine)]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    @property
    def qr_contents(self) -> list[str]:
        """Every QR code's content in paper order: native codes and codes found in images."""
        found: list[str] = []
        for item in self.items:
            if isinstance(item, PrintedQr):
                found.append(item.content)
            elif isinstance(item, PrintedImage):
                found.extend(item.qr_texts)
        return found

    @property
    def images(self) -> list[PrintedImage]:
        return [i for i in self.items if isinstance(i, PrintedImage)]

    @property
    def is_empty(self) -> bool:
        return not any(not isinstance(i, PrintedLine) or i.text.strip() for i in self.items)

    def summary(self) -> str:
        """The text form written beside the PNG: lines, then markers for images and codes."""
        out: list[str] = []
        for item in self.items:
            if isinstance(item, PrintedLine):
                out.append(item.text)
            elif isinstance(item, PrintedQr):
                out.append(f"[QR] {item.content}")
            elif isinstance(item, PrintedImage):
                out.append(f"[image {item.image.width}x{item.image.height}]")
                out.extend(f"[QR] {t}" for t in item.qr_texts)
            elif isinstance(item, PrintedBarcode):
                out.append(f"[barcode {item.kind}] {item.data}")
        if self.interrupted:
            out.append(f"[interrupted: {self.interrupted}]")
        out.append(f"[cut: {self.cut}]" if self.cut else "[no cut]")
        return "\n".join(out) + "\n"
