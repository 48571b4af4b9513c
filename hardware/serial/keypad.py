"""The counter caller keypad (呼叫器): key frames in, typed events out.

The protocol logic (``KeypadProtocol``) is pure: frames and ``now`` in, events and reply
frames out. ``Keypad`` is the driver: a reader thread, acknowledgements, a callback or a
queue for events.
"""

from __future__ import annotations

import logging
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

import serial

from ..errors import SerialDeviceError
from .framing import (
    ACK,
    MAX_ADDRESS,
    MIN_ADDRESS,
    NAK,
    NAK_BAD_ARGUMENT,
    NAK_UNKNOWN_COMMAND,
    Frame,
    FrameParser,
)
from .link import SerialLink

log = logging.getLogger(__name__)

# Device -> host
KEY = 0x81  # DATA: seq, key code, [argument, ASCII]
# Host -> device
LCD_TEXT = 0x20  # DATA: GB18030 text for the keypad's own display


class KeypadAction(StrEnum):
    """What the clerk asked for; the server maps these onto queue operations."""

    CALL = "call"  # 呼叫: call the next ticket
    RECALL = "recall"  # 重呼
    NO_SHOW = "no_show"  # 过号
    HOLD = "hold"  # 挂起
    RESUME = "resume"  # 恢复
    TRANSFER = "transfer"  # 转移; argument: target queue or window number, if entered
    PAUSE = "pause"  # 暂停 / 暂离
    FINISH = "finish"  # 完成, and invite the evaluation
    START = "start"  # 开始办理
    CALL_NUMBER = "call_number"  # call a specific number; argument: the digits


class KeyCode:
    """Key codes in a KEY frame (see PROTOCOLS.md)."""

    CALL = 0x01
    RECALL = 0x02
    NO_SHOW = 0x03
    HOLD = 0x04
    RESUME = 0x05
    TRANSFER = 0x06
    PAUSE = 0x07
    FINISH = 0x08
    START = 0x09
    CALL_NUMBER = 0x0A  # with the digits as argument: the keypad buffered the entry
    DIGIT = 0x10  # argument: one digit
    ENTER = 0x11
    CLEAR = 0x12


ACTION_KEYS: dict[int, KeypadAction] = {
    KeyCode.CALL: KeypadAction.CALL,
    KeyCode.RECALL: KeypadAction.RECALL,
    KeyCode.NO_SHOW: KeypadAction.NO_SHOW,
    KeyCode.HOLD: KeypadAction.HOLD,
    KeyCode.RESUME: KeypadAction.RESUME,
    KeyCode.TRANSFER: KeypadAction.TRANSFER,
    KeyCode.PAUSE: KeypadAction.PAUSE,
    KeyCode.FINISH: KeypadAction.FINISH,
    KeyCode.START: KeypadAction.START,
    KeyCode.CALL_NUMBER: KeypadAction.CALL_NUMBER,
}
KEY_OF_ACTION: dict[KeypadAction, int] = {a: k for k, a in ACTION_KEYS.items()}
MAX_DIGITS = 8


@dataclass(frozen=True)
class KeypadEvent:
    """A clerk's action at window ``window_address`` (the keypad's bus address)."""

    action: KeypadAction
    window_address: int
    argument: str | None = None
    seq: int = 0


@dataclass
class _Entry:
    action: KeypadAction  # CALL_NUMBER or TRANSFER
    started: float
    digits: str = ""


@dataclass
class KeypadProtocol:
    """Pure keypad logic: deduplication, number entry, acknowledgements."""

    entry_timeout_s: float = 30.0
    duplicate_window_s: float = 5.0
    _last: dict[int, tuple[int, float]] = field(default_factory=dict)
    _entries: dict[int, _Entry] = field(default_factory=dict)

    def line_back(self) -> None:
        """The line dropped and came back: a restarted keypad numbers its frames afresh, so
        a sequence number seen before the drop no longer marks a retransmission."""
        self._last.clear()

    def handle(self, frame: Frame, now: float) -> tuple[list[KeypadEvent], list[Frame]]:
        """Events to deliver and frames to send back for one received frame."""
        if frame.command != KEY:
            if frame.command not in (ACK, NAK, LCD_TEXT):
                log.warning("keypad %d: unknown command 0x%02x ignored", frame.address,
                            frame.command)
            return [], []
        if len(frame.payload) < 2 or not MIN_ADDRESS <= frame.address <= MAX_ADDRESS:
            log.warning("keypad %d: malformed key frame %s", frame.address, frame)
            return [], []
        seq, code, arg = frame.payload[0], frame.payload[1], frame.payload[2:]
        argument = arg.decode("ascii", errors="replace") if arg else None
        if not self._known(code, argument):
            log.warning("keypad %d: refused key 0x%02x %r", frame.address, code, argument)
            reason = NAK_UNKNOWN_COMMAND if code not in ACTION_KEYS and code not in (
                KeyCode.DIGIT, KeyCode.ENTER, KeyCode.CLEAR) else NAK_BAD_ARGUMENT
            return [], [Frame(frame.address, NAK, bytes([seq, reason]))]
        ack = [Frame(frame.address, ACK, bytes([seq]))]
        last = self._last.get(frame.address)
        if last is not None and last[0] == seq and now - last[1] < self.duplicate_window_s:
            return [], ack  # a retransmission: our ACK was lost; acknowledge again only
        self._last[frame.address] = (seq, now)
        return self._key(frame.address, seq, code, argument, now), ack

    @staticmethod
    def _known(code: int, argument: str | None) -> bool:
        if code == KeyCode.DIGIT:
            return argument is not None and len(argument) == 1 and argument.isdigit()
        if code in (KeyCode.CALL_NUMBER, KeyCode.TRANSFER) and argument is not None:
            return argument.isdigit() and len(argument) <= MAX_DIGITS
        if code in (KeyCode.ENTER, KeyCode.CLEAR):
            return argument is None
        return code in ACTION_KEYS and argument is None

    def _key(self, address: int, seq: int, code: int, argument: str | None, now: float
             ) -> list[KeypadEvent]:
        entry = self._entries.get(address)
        if entry is not None and now - entry.started > self.entry_timeout_s:
            log.info("keypad %d: unfinished entry %r expired", address, entry.digits)
            del self._entries[address]
            entry = None
        if code == KeyCode.DIGIT:
            assert argument is not None
            if entry is None:
                entry = self._entries[address] = _Entry(KeypadAction.CALL_NUMBER, now)
            if len(entry.digits) < MAX_DIGITS:
                entry.digits += argument
            return []
        if code == KeyCode.CLEAR:
            self._entries.pop(address, None)
            return []
        if code == KeyCode.ENTER:
            self._entries.pop(address, None)
            if entry is None:
                return []
            if entry.action == KeypadAction.CALL_NUMBER and not entry.digits:
                return []
            return [KeypadEvent(entry.action, address, entry.digits or None, seq)]
        self._entries.pop(address, None)
        action = ACTION_KEYS[code]
        if action == KeypadAction.TRANSFER and argument is None:
            # Transfer waits for an optional target number and ENTER.
            self._entries[address] = _Entry(KeypadAction.TRANSFER, now)
            return []
        return [KeypadEvent(action, address, argument, seq)]


class Keypad:
    """Every keypad on one line. Events go to ``on_event`` (called on the reader thread)
    or, without a callback, to ``events`` (a queue) / ``get()``."""

    def __init__(self, port: str | serial.SerialBase, *, baudrate: int = 9600,
                 on_event: Callable[[KeypadEvent], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 entry_timeout_s: float = 30.0) -> None:
        self.on_event = on_event
        self.events: queue.Queue[KeypadEvent] = queue.Queue()
        self.parser = FrameParser(name="keypad")
        self.protocol = KeypadProtocol(entry_timeout_s=entry_timeout_s)
        self.link = SerialLink(port, baudrate=baudrate, name="keypad", clock=clock,
                               on_data=self._on_data, on_reopen=self.protocol.line_back)
        self.link.start()

    def _on_data(self, data: bytes, now: float) -> None:
        for frame in self.parser.feed(data, now):
            events, replies = self.protocol.handle(frame, now)
            for reply in replies:
                try:
                    self.link.write(reply.encode())
                except SerialDeviceError as exc:
                    log.warning("keypad %d: reply not sent: %s", frame.address, exc.message)
            for event in events:
                self._deliver(event)

    def _deliver(self, event: KeypadEvent) -> None:
        if self.on_event is None:
            self.events.put(event)
            return
        try:
            self.on_event(event)
        except Exception:
            log.exception("keypad event handler failed for %s", event)

    def get(self, timeout: float = 1.0) -> KeypadEvent | None:
        """The next event, or None after ``timeout`` seconds."""
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def show(self, address: int, text: str) -> None:
        """Put ``text`` on keypad ``address``'s own small display (e.g. the waiting count)."""
        self.link.write(Frame(address, LCD_TEXT, text.encode("gb18030", "replace")).encode())

    def close(self) -> None:
        self.link.close()

    def __enter__(self) -> Keypad:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
