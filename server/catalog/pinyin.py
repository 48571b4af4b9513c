"""Pinyin of Chinese names, for searching by full pinyin or initials (工商登记 -> gsdj)."""

from __future__ import annotations

from pypinyin import Style, lazy_pinyin


def full_pinyin(text: str) -> str:
    """'shi chang jian du guan li ju' (letters and digits kept, lower case)."""
    return " ".join(p.lower() for p in lazy_pinyin(text, errors="default") if p.strip())


def initials(text: str) -> str:
    """'scjdglj': the first letter of each syllable; other letters and digits kept."""
    out = []
    for syllable in lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default"):
        s = "".join(ch for ch in syllable.lower() if ch.isalnum() and ch.isascii())
        out.append(s)
    return "".join(out)
