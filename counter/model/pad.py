"""The call-a-number pad: its keys and what a key press does to the typed number.

Queue prefixes are one to three letters (a hall with 41 departments outgrows A-Z), so the
pad carries every letter the hall's prefixes use: A-Z without I and O, which read as 1 and 0
on a ticket and are left out of prefixes for that reason.
"""

from __future__ import annotations

DIGITS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "CLEAR", "0", "BACK")
LETTERS = tuple("ABCDEFGHJKLMNPQRSTUVWXYZ")
BACK, CLEAR = "BACK", "CLEAR"
# What the keys show: glyphs the counter's font carries (tests check every label's glyphs).
KEY_LABELS = {BACK: "←", CLEAR: "✕"}
MAX_LENGTH = 10


def key_label(key: str) -> str:
    return KEY_LABELS.get(key, key)


def typed(text: str, key: str) -> str:
    """The number after pressing ``key`` on the pad."""
    if key == BACK:
        return text[:-1]
    if key == CLEAR:
        return ""
    return (text + key)[:MAX_LENGTH]
