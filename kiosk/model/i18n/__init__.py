"""The kiosk's words, one module per language, looked up by stable keys.

Screens and view-models pass keys (``"ticket.printed"``), never sentences; the key is also
what tests assert on. A key missing in a language falls back to Chinese, then to the key
itself, so a gap shows up as a visible key rather than a crash (tests/kiosk check there is
none).
"""

from __future__ import annotations

import logging
import string
from typing import Any

from . import en, zh

log = logging.getLogger(__name__)

LANGUAGES: dict[str, dict[str, str]] = {"zh": zh.STRINGS, "en": en.STRINGS}
DEFAULT_LANGUAGE = "zh"


class Strings:
    """The strings of one language: ``t(key, **values)``."""

    def __init__(self, language: str = DEFAULT_LANGUAGE) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"language must be one of {sorted(LANGUAGES)}, not {language!r}")
        self.language = language
        self._table = LANGUAGES[language]

    def t(self, key: str, **values: Any) -> str:
        template = self._table.get(key)
        if template is None:
            template = LANGUAGES[DEFAULT_LANGUAGE].get(key)
            if template is None:
                log.warning("no string for %r", key)
                return key
        if not values:
            return template
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            log.warning("string %r does not take %s", key, sorted(values))
            return template

    __call__ = t

    def both(self, key: str, **values: Any) -> str:
        """Chinese and English together, for notices every visitor must understand
        (the server is down, the printer is out of paper)."""
        zh_text = Strings("zh").t(key, **values)
        en_text = Strings("en").t(key, **values)
        return zh_text if zh_text == en_text else f"{zh_text}\n{en_text}"


def placeholders(template: str) -> set[str]:
    """The ``{names}`` a template expects."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}
