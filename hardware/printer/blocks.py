"""The layout vocabulary between a document and the printer bytes.

A layout (``layout.py``) turns a ticket into a list of blocks; an encoder
(``render.py``) turns blocks into ESC/POS for one printer profile. Widths are counted
in columns as a printer in Chinese mode counts them: an ASCII character takes one
column, anything else (ideographs, full-width punctuation) takes two.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Align = Literal["left", "center", "right"]


@dataclass(frozen=True)
class TextLine:
    """One printed line; ``width``/``height`` are character magnifications (1-8)."""

    text: str
    width: int = 1
    height: int = 1
    bold: bool = False
    align: Align = "left"


@dataclass(frozen=True)
class Rule:
    """A horizontal separator across the paper."""

    char: str = "-"


@dataclass(frozen=True)
class Qr:
    """A QR code; printed by the printer or as an image, as the profile says."""

    content: str
    align: Align = "center"


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1


Block = TextLine | Rule | Qr | Feed


def char_columns(ch: str) -> int:
    """Columns one character takes on a printer in Chinese mode."""
    return 1 if ord(ch) < 0x80 else 2


def text_columns(text: str) -> int:
    return sum(char_columns(ch) for ch in text)


def wrap(text: str, columns: int) -> list[str]:
    """Split ``text`` into lines of at most ``columns``; latin words are kept whole
    where a space allows, ideographs break anywhere."""
    if columns < 2:
        raise ValueError("columns must be at least 2")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(_wrap_paragraph(paragraph, columns))
    return lines


def _wrap_paragraph(text: str, columns: int) -> list[str]:
    lines: list[str] = []
    current = ""
    used = 0
    for ch in text:
        w = char_columns(ch)
        if used + w > columns:
            head, tail = _break_point(current, ch)
            lines.append(head.rstrip())
            current = tail.lstrip(" ")
            used = text_columns(current)
            if ch == " " and not current:
                continue  # a wrapped line does not start with the space it broke at
        current += ch
        used += w
    if current or not lines:
        lines.append(current.rstrip())
    return lines


def _break_point(current: str, next_char: str) -> tuple[str, str]:
    # Only a latin word cut in the middle moves back to the last space.
    if next_char.isascii() and next_char.isalnum() and current and current[-1].isascii() \
            and current[-1].isalnum():
        cut = current.rfind(" ")
        if cut > 0:
            return current[:cut], current[cut + 1:]
    return current, ""


def spread(left: str, right: str, columns: int) -> str:
    """``left`` and ``right`` on one line, right-aligned; falls back to a space."""
    gap = columns - text_columns(left) - text_columns(right)
    return left + " " * max(gap, 1) + right
