"""Pieces shared by the hall's touch apps (the kiosk and the counter): translated strings,
the CJK font, a UI-thread stand-in for tests, and the test-driver channel.

Nothing here imports Kivy at module level, so the apps' view-models and their tests can use
it on machines without a screen.
"""

from .dispatch import Post, SerialThread
from .i18n import Strings

__all__ = ["Post", "SerialThread", "Strings"]
