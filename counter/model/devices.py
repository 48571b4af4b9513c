"""The counter's serial devices: the caller keypad (呼叫器), the LED window display (窗口屏)
and the evaluator (评价器).

The mapping from keys to counter actions and the texts sent to the devices are pure
functions; ``CounterDevices`` owns the drivers (``hallq.hardware``), whose events arrive on
their reader threads and are handed to the UI thread with ``post``. Any device may be
missing or unplugged: the app then works without it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hallq.ui.dispatch import Post

from .actions import Action

log = logging.getLogger(__name__)

MAX_ADDRESS = 247
MAX_DIGITS = 8

# Keypad events (hallq.hardware.KeypadAction values) to counter actions.
KEYPAD_ACTIONS: dict[str, Action] = {
    "call": Action.CALL_NEXT,
    "recall": Action.RECALL,
    "no_show": Action.NO_SHOW,
    "hold": Action.HOLD,
    "resume": Action.RESUME,
    "transfer": Action.TRANSFER,
    "pause": Action.PAUSE,
    "finish": Action.FINISH,
    "start": Action.START,
    "call_number": Action.CALL_NUMBER,
}


@dataclass(frozen=True)
class KeyCommand:
    action: Action
    argument: str | None = None


def keypad_command(action: str, argument: str | None, *, window_state: str | None) -> KeyCommand | None:
    """The counter action for a keypad event, or None (logged) for anything malformed. The
    driver already drops frames that fail their checksum; this refuses events that parse
    but make no sense here (unknown action, an argument that is not a short number)."""
    mapped = KEYPAD_ACTIONS.get(str(action))
    if mapped is None:
        log.warning("keypad: unknown action %r ignored", action)
        return None
    if argument is not None and (not argument.isascii() or not argument.isdigit()
                                 or len(argument) > MAX_DIGITS):
        log.warning("keypad: %s with a malformed argument %r ignored", action, argument)
        return None
    if mapped is Action.CALL_NUMBER and not argument:
        log.warning("keypad: call_number without digits ignored")
        return None
    if mapped is Action.PAUSE and window_state == "paused":
        return KeyCommand(Action.OPEN)  # the pause key toggles: back to work
    if mapped not in (Action.CALL_NUMBER, Action.TRANSFER):
        argument = None
    return KeyCommand(mapped, argument)


def call_text(number: str, window: int) -> str:
    """What the window display shows for a call: "A001 请到5号窗口"."""
    return f"{number} 请到{window}号窗口"


def idle_text(window: int) -> str:
    return f"{window}号窗口 欢迎您"


def paused_text(window: int) -> str:
    return f"{window}号窗口 暂停服务"


def waiting_text(count: int) -> str:
    """The keypad's own small display: how many wait for this window."""
    return f"等待 {count} 人"


def ticket_ref(number: str, ticket_id: int) -> str:
    """The reference an evaluator is armed with and echoes in its rating (ASCII, <= 32)."""
    ref = f"{number}-{ticket_id}"
    return ref if ref.isascii() and len(ref) <= 32 else str(ticket_id)


@dataclass(frozen=True)
class DeviceUrls:
    keypad: str | None = None
    display: str | None = None
    evaluator: str | None = None
    address: int = 1
    display_address: int | None = None
    display_framing: str = "hallq"


class CounterDevices:
    """Opens the configured devices and speaks to them for one window."""

    def __init__(self, urls: DeviceUrls, post: Post, *,
                 on_key: Callable[[Any], None], on_evaluator: Callable[[Any], None],
                 evaluation_timeout_s: float = 60.0) -> None:
        if not 1 <= urls.address <= MAX_ADDRESS:
            raise ValueError(f"device address {urls.address} outside 1..{MAX_ADDRESS}; "
                             "give --display-address")
        self.urls = urls
        self.address = urls.address
        self.display_address = urls.display_address or urls.address
        self.evaluation_timeout_s = evaluation_timeout_s
        self.status: dict[str, str] = {}
        self.keypad: Any = None
        self.display: Any = None
        self.evaluator: Any = None
        self._last_lcd: str | None = None
        from hallq.hardware import Evaluator, Keypad, WindowDisplay
        from hallq.hardware.errors import SerialDeviceError

        def opened(kind: str, url: str | None, make: Callable[[str], Any]) -> Any:
            if not url:
                self.status[kind] = "none"
                return None
            try:
                device = make(url)
            except SerialDeviceError as exc:
                log.error("%s at %s is unavailable: %s", kind, url, exc.message)
                self.status[kind] = "unavailable"
                return None
            self.status[kind] = "ok"
            return device

        self.keypad = opened("keypad", urls.keypad, lambda url: Keypad(
            url, on_event=lambda event: post(lambda: self._key(event, on_key))))
        self.display = opened("display", urls.display, lambda url: WindowDisplay(
            url, framing=urls.display_framing))  # type: ignore[arg-type]
        self.evaluator = opened("evaluator", urls.evaluator, lambda url: Evaluator(
            url, on_event=lambda event: post(lambda: on_evaluator(event)),
            default_timeout_s=evaluation_timeout_s))

    def _key(self, event: Any, on_key: Callable[[Any], None]) -> None:
        if event.window_address != self.address:
            log.warning("keypad: event from address %d ignored (this window's keypad is %d)",
                        event.window_address, self.address)
            return
        on_key(event)

    @property
    def has_evaluator(self) -> bool:
        return self.evaluator is not None

    def show(self, text: str) -> None:
        if self.display is None:
            return
        try:
            self.display.show(self.display_address, text)
        except Exception as exc:  # a display fault must never stop the counter
            log.warning("window display: %s", exc)

    def clear(self) -> None:
        if self.display is None:
            return
        try:
            self.display.clear(self.display_address)
        except Exception as exc:
            log.warning("window display: %s", exc)

    def show_waiting(self, count: int) -> None:
        text = waiting_text(count)
        if self.keypad is None or text == self._last_lcd:
            return
        self._last_lcd = text
        try:
            self.keypad.show(self.address, text)
        except Exception as exc:
            log.warning("keypad display: %s", exc)

    def arm(self, ref: str) -> bool:
        if self.evaluator is None:
            return False
        try:
            self.evaluator.arm(self.address, ref, self.evaluation_timeout_s)
        except Exception as exc:
            log.warning("evaluator: cannot arm for %s: %s", ref, exc)
            return False
        return True

    def disarm(self) -> None:
        if self.evaluator is not None:
            try:
                self.evaluator.disarm(self.address)
            except Exception as exc:
                log.warning("evaluator: %s", exc)

    def close(self) -> None:
        for device in (self.keypad, self.display, self.evaluator):
            if device is not None:
                try:
                    if device is self.display:
                        device.flush(timeout=2)
                    device.close()
                except Exception as exc:
                    log.warning("closing a device: %s", exc)
