"""The client side of the LAN API, shared by the kiosk and the counter apps (no Kivy here)."""

from .events import EventStream
from .http import ApiError, HallClient, new_key

__all__ = ["ApiError", "EventStream", "HallClient", "new_key"]
