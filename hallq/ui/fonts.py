"""A font with Simplified Chinese glyphs for Kivy, whose default font has none.

Kivy cannot choose a face inside a .ttc collection; it takes the first one. The first face
of WenQuanYi Micro Hei (Debian's fonts-wqy-microhei) is Simplified Chinese, which is why it
comes first here; Noto CJK's collections start with the Japanese face and are not used.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)

CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf",
)
ENV = "HALLQ_CJK_FONT"


def cjk_font_path(env: Mapping[str, str] = os.environ) -> Path | None:
    """The font file to use: ``$HALLQ_CJK_FONT`` if set, else the first installed candidate."""
    configured = env.get(ENV)
    if configured:
        path = Path(configured)
        if path.is_file():
            return path
        log.warning("%s=%s is not a file; looking for an installed CJK font", ENV, configured)
    for candidate in CANDIDATES:
        path = Path(candidate)
        if path.is_file():
            return path
    return None


def register_cjk_font() -> Path | None:
    """Make the CJK font Kivy's default font (every Label and TextInput uses it). Call
    before building widgets. Returns the file used, or None (Chinese would show as boxes)."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    path = cjk_font_path()
    if path is None:
        log.error("no Chinese font found; install fonts-wqy-microhei (scripts/system-deps.sh)")
        return None
    LabelBase.register(DEFAULT_FONT, str(path), str(path), str(path), str(path))
    return path
