"""LED window displays (窗口屏) on a shared RS-485 bus, one address per window.

``show()`` never blocks: frames go into a queue that one writer thread drains, keeping
``gap_s`` between frames. While a window's frame is still waiting, a newer text for the
same window replaces it in place (the bus is slow; only the latest text matters), so
a busy hall never builds a backlog of stale calls.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import serial

from ..errors import SerialDeviceError
from .framing import MAX_ADDRESS, MAX_PAYLOAD, MIN_ADDRESS, Frame, encode_legacy_display
from .link import SerialLink
from .pacing import Pacer

log = logging.getLogger(__name__)

# Host -> display commands (see PROTOCOLS.md)
TEXT = 0x10  # DATA: effect, GB18030 text
CLEAR = 0x11  # no DATA
BRIGHTNESS = 0x12  # DATA: level 0..15

Effect = Literal["static", "scroll", "blink"]
EFFECTS: dict[str, int] = {"static": 0, "scroll": 1, "blink": 2}
Framing = Literal["hallq", "legacy"]


@dataclass(frozen=True)
class DisplayCommand:
    """One queued frame for one window's display."""

    address: int
    command: int
    payload: bytes
    text: str = ""

    def encode(self, framing: Framing) -> bytes:
        if framing == "legacy":
            return encode_legacy_display(self.address, self.text if self.command == TEXT else "")
        return Frame(self.address, self.command, self.payload).encode()


def text_command(address: int, text: str, effect: Effect = "static") -> DisplayCommand:
    if not MIN_ADDRESS <= address <= MAX_ADDRESS:
        raise SerialDeviceError("bad_address", f"address {address} outside 1..247")
    data = text.encode("gb18030", errors="replace")
    if len(data) + 1 > MAX_PAYLOAD:
        raise SerialDeviceError("too_long", f"{len(data)} bytes of text; at most "
                                            f"{MAX_PAYLOAD - 1}")
    return DisplayCommand(address, TEXT, bytes([EFFECTS[effect]]) + data, text)


class WindowDisplay:
    """Every window display on one bus. ``port``: a path or pyserial URL (or an open
    port). ``framing="legacy"`` speaks the checksum-less SOH/address/text/BEL framing.
    ``clock``/``sleep`` are injectable so pacing can be tested without waiting."""

    def __init__(self, port: str | serial.SerialBase, *, baudrate: int = 9600,
                 gap_s: float = 0.3, framing: Framing = "hallq", coalesce: bool = True,
                 clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] | None = None,
                 on_sent: Callable[[DisplayCommand, float], None] | None = None) -> None:
        if framing not in ("hallq", "legacy"):
            raise ValueError("framing is hallq or legacy")
        self.framing: Framing = framing
        self.coalesce = coalesce
        self.clock = clock
        self.on_sent = on_sent
        self.pacer = Pacer(gap_s)
        self.link = SerialLink(port, baudrate=baudrate, name="window-display")
        self._sleep = sleep
        self._queue: list[DisplayCommand] = []
        self._texts: dict[int, str] = {}
        self._cond = threading.Condition()
        self._busy = False
        self._closed = False
        self.sent_count = 0
        self.failed_count = 0
        self._thread = threading.Thread(target=self._run, name="window-display-writer",
                                        daemon=True)
        self._thread.start()

    # -- public -------------------------------------------------------------------------

    def show(self, address: int, text: str, *, effect: Effect = "static") -> None:
        """Show ``text`` (e.g. "A001 请到5号窗口") on window ``address``'s display."""
        self._enqueue(text_command(address, text, effect))
        self._texts[address] = text

    def clear(self, address: int) -> None:
        if not MIN_ADDRESS <= address <= MAX_ADDRESS:
            raise SerialDeviceError("bad_address", f"address {address} outside 1..247")
        self._enqueue(DisplayCommand(address, CLEAR, b"", ""))
        self._texts.pop(address, None)

    def brightness(self, address: int, level: int) -> None:
        if not 0 <= level <= 15:
            raise ValueError("brightness is 0..15")
        if self.framing == "legacy":
            raise SerialDeviceError("unsupported", "legacy displays have no brightness command")
        self._enqueue(DisplayCommand(address, BRIGHTNESS, bytes([level])))

    def refresh(self) -> None:
        """Send every window's current text again (a display that was off shows it)."""
        for address, text in list(self._texts.items()):
            self._enqueue(text_command(address, text))

    def pending(self) -> int:
        with self._cond:
            return len(self._queue) + (1 if self._busy else 0)

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every queued frame has been written; False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=5)
        self.link.close()

    def __enter__(self) -> WindowDisplay:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writer -------------------------------------------------------------------------

    def _enqueue(self, command: DisplayCommand) -> None:
        with self._cond:
            if self._closed:
                raise SerialDeviceError("closed", "the display bus is closed")
            if self.coalesce and command.command == TEXT:
                for i, queued in enumerate(self._queue):
                    if queued.address == command.address and queued.command == TEXT:
                        self._queue[i] = command
                        return
            self._queue.append(command)
            self._cond.notify_all()

    def _wait(self, seconds: float) -> None:
        if self._sleep is not None:
            self._sleep(seconds)
        else:
            with self._cond:
                self._cond.wait_for(lambda: self._closed, timeout=seconds)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._queue and not self._closed:
                    self._cond.wait()
                if self._closed:
                    self._cond.notify_all()
                    return
            delay = self.pacer.delay(self.clock())
            if delay > 0:
                self._wait(delay)
            with self._cond:
                if self._closed or not self._queue:
                    self._cond.notify_all()
                    if self._closed:
                        return
                    continue
                command = self._queue.pop(0)  # taken only now: late updates still coalesce
                self._busy = True
            self._send(command)
            with self._cond:
                self._busy = False
                self._cond.notify_all()

    def _send(self, command: DisplayCommand) -> None:
        now = self.clock()
        try:
            self.link.write(command.encode(self.framing))
            self.sent_count += 1
        except SerialDeviceError as exc:
            self.failed_count += 1
            log.warning("display %d: frame not sent: %s", command.address, exc.message)
        self.pacer.sent(now)
        if self.on_sent is not None:
            self.on_sent(command, now)
