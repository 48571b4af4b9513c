"""Which characters of a text the font the apps register has no glyph for (they would show
as empty boxes). Reads the font's character map with fontTools, face 0 of a collection,
which is the face Kivy uses."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from fontTools.ttLib import TTCollection, TTFont

# kv literals: text: '...' or "..." (the expressions around them are not text)
KV_LITERAL = re.compile(r"""text:.*?(['"])(.*?)\1""")


@cache
def _cmap(path: Path) -> frozenset[int]:
    if path.suffix.lower() == ".ttc":
        font = TTCollection(str(path)).fonts[0]
    else:
        font = TTFont(str(path))
    return frozenset(font.getBestCmap())


def missing(texts: list[str], path: Path) -> dict[str, str]:
    """Each character without a glyph, with the first text it appears in."""
    cmap = _cmap(path)
    out: dict[str, str] = {}
    for text in texts:
        for ch in text:
            if ch.isspace() or ch in out:
                continue
            if ord(ch) not in cmap:
                out[ch] = text
    return out


def kv_literals(folder: Path) -> list[str]:
    return [m.group(2) for kv in sorted(folder.glob("*.kv")) for m in KV_LITERAL.finditer(kv.read_text("utf-8"))]
