"""Kivy settings that must be made before Kivy opens its window, and the CJK font.

Kivy reads its configuration when ``kivy.core.window`` is first imported; so the CLI calls
``configure()`` first and imports the app afterwards.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from ..config import KioskSettings

log = logging.getLogger(__name__)

LANDSCAPE = (1280, 800)
PORTRAIT = (720, 1280)     # a 1080x1920 portrait kiosk, scaled to fit a development screen


class FontMissing(RuntimeError):
    """No font with Simplified Chinese glyphs: the kiosk would show boxes instead of text."""


def configure(settings: KioskSettings) -> None:
    """Kivy's window and input settings for a kiosk (or a development window)."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")            # our options are click's, not Kivy's
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")      # Kivy logs through logging like the rest
    from kivy.config import Config

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "keyboard_mode", "system")         # never pop Kivy's own virtual keyboard
    Config.set("kivy", "log_level", "warning")
    Config.set("input", "mouse", "mouse,disable_multitouch")   # no red multitouch dots from a mouse
    Config.set("graphics", "resizable", "0" if settings.fullscreen else "1")
    if settings.fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "show_cursor", "0")
    else:
        width, height = PORTRAIT if settings.portrait else LANDSCAPE
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "width", str(width))
        Config.set("graphics", "height", str(height))
        Config.set("graphics", "position", "custom")
        Config.set("graphics", "left", "0")
        Config.set("graphics", "top", "0")


def check_font(path: str) -> Path:
    """The font file, or ``FontMissing`` saying how to install one."""
    font = Path(path)
    if not font.is_file():
        raise FontMissing(
            f"no Chinese font at {font}: install Debian's fonts-wqy-microhei "
            "(scripts/system-deps.sh) or pass --font with a font that has Simplified Chinese glyphs")
    return font


def register_font(path: str) -> Path:
    """Make the CJK font Kivy's default, so every label renders Chinese. Kivy takes the first
    face of a .ttc; in WenQuanYi Micro Hei that is the Simplified Chinese one."""
    font = check_font(path)
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(DEFAULT_FONT, str(font), str(font), str(font), str(font))
    log.info("font: %s", font)
    return font
