"""The pages' words, one JSON file per language (zh.json, en.json); Chinese is the default."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

LANGUAGES = ("zh", "en")
DEFAULT = "zh"
_HERE = Path(__file__).parent


@cache
def messages(lang: str) -> dict[str, str]:
    """Every word of ``lang`` by key; a key missing in English falls back to Chinese."""
    if lang not in LANGUAGES:
        lang = DEFAULT
    words: dict[str, str] = json.loads((_HERE / f"{DEFAULT}.json").read_text(encoding="utf-8"))
    if lang != DEFAULT:
        words = {**words, **json.loads((_HERE / f"{lang}.json").read_text(encoding="utf-8"))}
    return words


def choose(*candidates: str | None) -> str:
    """The first candidate that is a known language, else the default."""
    for value in candidates:
        if value:
            short = value.strip().lower()[:2]
            if short in LANGUAGES:
                return short
    return DEFAULT
