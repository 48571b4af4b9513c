"""Translated strings by stable key: one JSON file per language, Chinese first.

Keys are the contract (``action.call-next``, ``error.window_busy``); the text beside them is
for people. A key missing in the chosen language falls back to the fallback language, then
to the key itself, so a missing translation shows up as a readable key instead of a crash.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)


class _Keep(dict[str, Any]):
    """Leaves an unknown ``{placeholder}`` as it is instead of raising."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


class Strings:
    def __init__(self, catalogs: Mapping[str, Mapping[str, str]], language: str = "zh",
                 fallback: str = "zh") -> None:
        if fallback not in catalogs:
            raise ValueError(f"no catalog for the fallback language {fallback!r}")
        self.catalogs = {lang: dict(texts) for lang, texts in catalogs.items()}
        self.fallback = fallback
        self.language = language if language in catalogs else fallback

    @classmethod
    def load(cls, folder: Path, language: str = "zh", fallback: str = "zh") -> Strings:
        """Every ``<language>.json`` in ``folder``."""
        catalogs = {path.stem: json.loads(path.read_text(encoding="utf-8"))
                    for path in sorted(folder.glob("*.json"))}
        return cls(catalogs, language, fallback)

    @property
    def languages(self) -> list[str]:
        return sorted(self.catalogs, key=lambda lang: (lang != self.fallback, lang))

    def set_language(self, language: str) -> None:
        if language not in self.catalogs:
            raise ValueError(f"no strings for language {language!r}")
        self.language = language

    def has(self, key: str) -> bool:
        return key in self.catalogs[self.fallback]

    def t(self, key: str, language: str | None = None, **params: Any) -> str:
        """The text for ``key`` in ``language`` (default: the current one)."""
        lang = language or self.language
        text = self.catalogs.get(lang, {}).get(key)
        if text is None:
            text = self.catalogs[self.fallback].get(key)
            if text is None:
                log.warning("no text for %r", key)
                return key
        return text.format_map(_Keep(params)) if params else text

    def missing(self) -> dict[str, set[str]]:
        """Keys that some language has and another lacks, per lacking language."""
        every = set().union(*(set(c) for c in self.catalogs.values()))
        return {lang: every - set(c) for lang, c in self.catalogs.items() if every - set(c)}
