"""One call announcement as one WAV: chime, then each language in turn."""

from __future__ import annotations

import threading
from collections.abc import Sequence

from .clips import ClipLibrary
from .numbers import LANGUAGES, call_clips
from .pcm import Pcm, join, silence

AFTER_CHIME_S = 0.3
WORD_GAP_S = 0.04
LANGUAGE_GAP_S = 0.6
TAIL_S = 0.3

_default: ClipLibrary | None = None
_default_lock = threading.Lock()


def default_library() -> ClipLibrary:
    """The process-wide clip library (cache under ``~/.cache/hallq/voice``, no overrides)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = ClipLibrary()
        return _default


def announcement_pcm(number: str, window: int | str,
                     languages: Sequence[str] = LANGUAGES, *,
                     library: ClipLibrary | None = None) -> Pcm:
    library = library or default_library()
    rate = library.rate
    parts: list[Pcm] = [library.get("chime"), silence(AFTER_CHIME_S, rate)]
    gap = silence(WORD_GAP_S, rate)
    for i, language in enumerate(languages):
        if i:
            parts.append(silence(LANGUAGE_GAP_S, rate))
        for j, name in enumerate(call_clips(number, window, language)):
            if j:
                parts.append(gap)
            parts.append(library.get(name))
    parts.append(silence(TAIL_S, rate))
    return join(parts, rate)


def announcement_wav(number: str, window: int | str,
                     languages: Sequence[str] = LANGUAGES, *,
                     library: ClipLibrary | None = None) -> bytes:
    """The WAV of "请A001号到5号窗口办理" / "Ticket A001, please go to window 5", with a
    chime before; ``languages`` picks and orders ``zh`` and ``en``."""
    return announcement_pcm(number, window, languages, library=library).to_wav()
