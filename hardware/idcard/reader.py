"""The resident ID card reader driver: find the card, select it, read its base information.

``read_card()`` blocks (call it off the UI thread) and returns a whole ``IdCard`` or raises
``IdCardError``: a read that fails half-way returns nothing, so a caller never sees part of
a card.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import serial

from ..errors import IdCardError
from ..serial.link import LINE_ERRORS, open_port
from .protocol import (
    FIND,
    READ_BASE,
    SELECT,
    SW_FOUND,
    SW_NO_CARD,
    SW_OK,
    SW_READ_FAILED,
    SW_SELECT_FAILED,
    FrameReader,
    IdCard,
    IdCardFrame,
    parse_base_info,
)

log = logging.getLogger(__name__)

# What each status means for each step; anything else is "bad_status".
EXPECTED = {FIND: SW_FOUND, SELECT: SW_OK, READ_BASE: SW_OK}
FAILURES = {SW_NO_CARD: "no_card", SW_SELECT_FAILED: "select_failed", SW_READ_FAILED: "read_failed"}


class IdCardReader:
    """One reader on one port (``/dev/ttyUSB0``, a pty path, ``socket://...``); 115200 baud
    is the common setting."""

    def __init__(self, url: str, *, baudrate: int = 115200, answer_timeout_s: float = 1.5,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self.baudrate = baudrate
        self.answer_timeout_s = answer_timeout_s
        self.clock = clock
        self._lock = threading.Lock()
        self._port: serial.SerialBase | None = None
        self._closed = False

    def _open(self) -> serial.SerialBase:
        if self._closed:
            raise IdCardError("closed", "the reader is closed")
        if self._port is None:
            try:
                self._port = open_port(self.url, baudrate=self.baudrate, timeout=0.05, write_timeout=1.0)
            except Exception as exc:
                raise IdCardError("unreachable", f"cannot open the ID card reader at {self.url}") from exc
        return self._port

    def _drop(self) -> None:
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

    def exchange(self, command: tuple[int, int]) -> IdCardFrame:
        """Send one command and return the reader's answer frame."""
        port = self._open()
        try:
            port.reset_input_buffer()       # a late answer to an earlier command is not this one's
            port.write(IdCardFrame.command(command).encode())
            port.flush()
        except LINE_ERRORS as exc:
            self._drop()
            raise IdCardError("disconnected", f"writing to the reader failed: {exc}") from exc
        frames = FrameReader()
        deadline = self.clock() + self.answer_timeout_s
        while True:
            try:
                chunk = port.read(4096)
            except LINE_ERRORS as exc:
                self._drop()
                raise IdCardError("disconnected", f"the reader's line was lost: {exc}") from exc
            if chunk:
                frame = frames.feed(chunk)     # raises bad_frame
                if frame is not None:
                    if len(frame.body) < 3:
                        raise IdCardError("bad_frame", "answer without status bytes")
                    return frame
                if frames.skipped > 4096:
                    raise IdCardError("bad_frame", "the reader sends no frames, only noise")
            if self.clock() > deadline:
                if frames.buffer.startswith(b"\xaa"):
                    raise IdCardError("timeout", "the reader's answer stopped part-way")
                if frames.skipped or frames.buffer:
                    raise IdCardError("bad_frame", "noise from the reader, not an answer")
                raise IdCardError("timeout", "the reader did not answer")

    def _step(self, command: tuple[int, int]) -> IdCardFrame:
        answer = self.exchange(command)
        sw1, sw2, sw3 = answer.status
        if sw1 == 0 and sw2 == 0 and sw3 == EXPECTED[command]:
            return answer
        code = FAILURES.get(sw3, "bad_status") if sw1 == 0 and sw2 == 0 else "bad_status"
        raise IdCardError(code, f"status {sw1:02X} {sw2:02X} {sw3:02X}", status=f"{sw1:02X}{sw2:02X}{sw3:02X}")

    def read_card(self) -> IdCard:
        """Find, select and read the card on the reader; the whole card or an error."""
        with self._lock:
            self._step(FIND)
            self._step(SELECT)
            answer = self._step(READ_BASE)
            card = parse_base_info(answer.data)
        log.info("ID card read: %s", card)      # masked by IdCard's repr
        return card

    def close(self) -> None:
        self._closed = True
        with self._lock:
            self._drop()

    def __enter__(self) -> IdCardReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
