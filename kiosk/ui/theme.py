"""Colours and sizes of the kiosk: high contrast, large type, government blue.

Sizes are in sp before the visitor's text scale (large-text mode multiplies them).
"""

from __future__ import annotations

Color = tuple[float, float, float, float]


def rgb(hex_: str) -> Color:
    h = hex_.lstrip("#")
    return (int(h[0:2], 16) / 255, int(h[2:4], 16) / 255, int(h[4:6], 16) / 255, 1.0)


BACKGROUND = rgb("#F2F5F9")
SURFACE = rgb("#FFFFFF")
TEXT = rgb("#111827")
MUTED = rgb("#4B5563")
TOP_BAR = rgb("#0B4EA2")
ON_DARK = rgb("#FFFFFF")
PRIMARY = rgb("#0B5CBF")
TAKE = rgb("#15803D")         # take a number: the main action, green
CHECK_IN = rgb("#C2410C")     # appointment check-in
GUIDES = rgb("#0E7490")       # service guides
CREDIT = rgb("#6D28D9")       # credit lookup
NEUTRAL = rgb("#DCE3EC")
SELECTED = rgb("#0B4EA2")
ERROR = rgb("#B91C1C")
ERROR_BG = rgb("#FDE8E8")
WARNING = rgb("#92400E")
WARNING_BG = rgb("#FEF3C7")
INFO_BG = rgb("#DBEAFE")
OK = rgb("#166534")
BORDER = rgb("#94A3B8")

# Base type sizes (sp); multiplied by the app's font_scale.
TITLE = 34
BODY = 26
SMALL = 21
BUTTON = 30
TILE = 28
KEY = 40
NUMBER = 150

NOTICE_COLORS: dict[str, tuple[Color, Color]] = {
    "error": (ERROR_BG, ERROR), "warning": (WARNING_BG, WARNING), "info": (INFO_BG, PRIMARY),
}
