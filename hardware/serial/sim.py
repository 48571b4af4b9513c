"""Simulated counter devices on a pty (or a TCP port), for tests and for trying the
drivers without hardware: a bus of window displays, keypads and evaluators.

Each simulator behaves like device firmware: it checks frames, answers only its own
addresses, acknowledges what it must, retransmits its own frames until acknowledged,
and ignores a retransmitted command it has already carried out.
"""

from __future__ import annotations

import logging
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..ptylink import PtyLink
from .display import BRIGHTNESS, CLEAR, EFFECTS, TEXT, Framing
from .evaluator import ARM, DISARM, RATING
from .framing import (
    ACK,
    BROADCAST,
    NAK,
    Frame,
    FrameParser,
    LegacyDisplayParser,
)
from .keypad import KEY, KEY_OF_ACTION, LCD_TEXT, KeyCode, KeypadAction

log = logging.getLogger(__name__)
POLL_S = 0.05


class _TcpEndpoint:
    """One client at a time on a TCP port (drivers use ``socket://127.0.0.1:PORT``)."""

    def __init__(self, host: str, port: int) -> None:
        self._listener = socket.create_server((host, port))
        self._listener.settimeout(POLL_S)
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self.path = f"socket://{self.address[0]}:{self.address[1]}"
        self._client: socket.socket | None = None
        self._lock = threading.Lock()

    def read(self, timeout: float) -> bytes:
        client = self._client
        if client is None:
            try:
                conn, _ = self._listener.accept()
            except (TimeoutError, OSError):
                return b""
            conn.settimeout(timeout)
            with self._lock:
                self._client = client = conn
        try:
            data = client.recv(4096)
        except TimeoutError:
            return b""
        except OSError:
            data = b""
        if not data:
            with self._lock:
                if self._client is client:
                    self._client = None
            client.close()
        return data

    def write(self, data: bytes) -> None:
        with self._lock:
            client = self._client
        if client is None:
            return
        try:
            client.sendall(data)
        except OSError:
            pass

    def close(self) -> None:
        try:
            self._listener.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self._listener.close()
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()


@dataclass(frozen=True)
class ReceivedFrame:
    """A frame the simulated device accepted, with the time it arrived."""

    frame: Frame
    at: float


class DeviceSimulator:
    """Base: a link, a reader thread, acknowledgement bookkeeping."""

    kind = "device"

    def __init__(self, addresses: Iterable[int] | None, *, tcp_port: int | None = None,
                 host: str = "127.0.0.1", ack_timeout_s: float = 0.3, retries: int = 3,
                 on_frame: Callable[[Frame], None] | None = None) -> None:
        self.addresses = set(addresses) if addresses is not None else None
        self.endpoint: PtyLink | _TcpEndpoint = (
            _TcpEndpoint(host, tcp_port) if tcp_port is not None else PtyLink())
        self.path = self.endpoint.path
        self.ack_timeout_s = ack_timeout_s
        self.retries = retries
        self.on_frame = on_frame
        self.parser = FrameParser(name=f"{self.kind}-sim")
        self.received: list[ReceivedFrame] = []
        self.sent: list[Frame] = []
        self._acks: dict[tuple[int, int], int] = {}  # (address, seq) -> ACK or NAK command
        self._seq = random.randrange(255)
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True, name=f"{self.kind}-sim")
        self._thread.start()

    @property
    def url(self) -> str:
        """What a driver opens: a pty path or ``socket://host:port``."""
        return self.path

    # -- I/O --------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            data = self.endpoint.read(POLL_S)
            if data:
                try:
                    self._on_bytes(data)
                except Exception:
                    log.exception("%s simulator: handling input failed", self.kind)

    def _on_bytes(self, data: bytes) -> None:
        for frame in self.parser.feed(data, time.monotonic()):
            self._on_frame(frame)

    def _on_frame(self, frame: Frame) -> None:
        if frame.command in (ACK, NAK) and frame.payload:
            with self._cond:
                self._acks[(frame.address, frame.payload[0])] = frame.command
                self._cond.notify_all()
            return
        if not self._mine(frame.address):
            return
        with self._cond:
            self.received.append(ReceivedFrame(frame, time.monotonic()))
            self._cond.notify_all()
        self.handle(frame)
        if self.on_frame is not None:
            self.on_frame(frame)

    def _mine(self, address: int) -> bool:
        return address == BROADCAST or self.addresses is None or address in self.addresses

    def handle(self, frame: Frame) -> None:
        """Device-specific reaction to a frame addressed to it."""

    def write_raw(self, data: bytes) -> None:
        """Put arbitrary bytes on the line (garbage, torn frames) as a test needs."""
        self.endpoint.write(data)

    def send(self, frame: Frame) -> None:
        self.sent.append(frame)
        self.endpoint.write(frame.encode())

    def next_seq(self) -> int:
        self._seq = self._seq % 255 + 1
        return self._seq

    def send_reliably(self, frame: Frame, seq: int, *, chunks: int = 1) -> int | None:
        """Send until the host answers ACK or NAK (returned), retransmitting after each
        ``ack_timeout_s``; None when it never answers. ``chunks`` > 1 tears the frame into
        several writes, as a slow UART does."""
        key = (frame.address, seq)
        for _ in range(self.retries + 1):
            raw = frame.encode()
            self.sent.append(frame)
            if chunks <= 1:
                self.endpoint.write(raw)
            else:
                step = max(1, len(raw) // chunks)
                for i in range(0, len(raw), step):
                    self.endpoint.write(raw[i:i + step])
                    time.sleep(0.01)
            deadline = time.monotonic() + self.ack_timeout_s
            with self._cond:
                while key not in self._acks:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                if key in self._acks:
                    return self._acks.pop(key)
        return None

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 3.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._cond:
            while not predicate():
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self.endpoint.close()

    def __enter__(self) -> DeviceSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class DisplayUpdate:
    """What one window display was told to do."""

    address: int
    action: str  # text, clear, brightness
    text: str = ""
    effect: str = "static"
    level: int | None = None


class DisplaySimulator(DeviceSimulator):
    """A bus of window displays: records every frame and each display's current text.
    ``addresses=None`` answers every address (a whole bus)."""

    kind = "display"

    def __init__(self, addresses: Iterable[int] | None = None, *,
                 framing: Framing = "hallq", tcp_port: int | None = None,
                 host: str = "127.0.0.1",
                 on_update: Callable[[DisplayUpdate], None] | None = None) -> None:
        self.framing = framing
        self.legacy_parser = LegacyDisplayParser()
        self.updates: list[DisplayUpdate] = []
        self.texts: dict[int, str] = {}
        self.on_update = on_update
        super().__init__(addresses, tcp_port=tcp_port, host=host)

    def _on_bytes(self, data: bytes) -> None:
        if self.framing == "hallq":
            super()._on_bytes(data)
            return
        for address, text in self.legacy_parser.feed(data):
            if self._mine(address):
                self._update(DisplayUpdate(address, "text" if text else "clear", text))

    def handle(self, frame: Frame) -> None:
        if frame.command == TEXT and frame.payload:
            effects = {v: k for k, v in EFFECTS.items()}
            text = frame.payload[1:].decode("gb18030", errors="replace")
            self._update(DisplayUpdate(frame.address, "text", text,
                                       effects.get(frame.payload[0], "static")))
        elif frame.command == CLEAR:
            self._update(DisplayUpdate(frame.address, "clear"))
        elif frame.command == BRIGHTNESS and frame.payload:
            self._update(DisplayUpdate(frame.address, "brightness", level=frame.payload[0]))

    def _update(self, update: DisplayUpdate) -> None:
        with self._cond:
            self.updates.append(update)
            if update.action == "text":
                self.texts[update.address] = update.text
            elif update.action == "clear":
                self.texts.pop(update.address, None)
            self._cond.notify_all()
        if self.on_update is not None:
            self.on_update(update)

    def wait_for_updates(self, count: int, timeout: float = 5.0) -> list[DisplayUpdate]:
        if not self.wait_for(lambda: len(self.updates) >= count, timeout):
            raise TimeoutError(f"{len(self.updates)} of {count} display updates")
        return list(self.updates[:count])


class KeypadSimulator(DeviceSimulator):
    """Caller keypads: ``press()`` a key, ``enter_number()`` digits then ENTER."""

    kind = "keypad"

    def __init__(self, addresses: Iterable[int] = (1,), *, tcp_port: int | None = None,
                 host: str = "127.0.0.1", ack_timeout_s: float = 0.3, retries: int = 3) -> None:
        addresses = list(addresses)
        self.default_address = addresses[0]
        self.lcd: dict[int, str] = {}
        super().__init__(addresses, tcp_port=tcp_port, host=host, ack_timeout_s=ack_timeout_s,
                         retries=retries)

    def handle(self, frame: Frame) -> None:
        if frame.command == LCD_TEXT:
            with self._cond:
                self.lcd[frame.address] = frame.payload.decode("gb18030", errors="replace")
                self._cond.notify_all()

    def key(self, code: int, argument: str | None = None, *, address: int | None = None,
            chunks: int = 1) -> int | None:
        """Send one key frame reliably; returns ACK, NAK or None (no answer)."""
        address = address or self.default_address
        seq = self.next_seq()
        payload = bytes([seq, code]) + (argument.encode("ascii") if argument else b"")
        return self.send_reliably(Frame(address, KEY, payload), seq, chunks=chunks)

    def press(self, action: KeypadAction | str, argument: str | None = None, *,
              address: int | None = None, chunks: int = 1) -> bool:
        """Press an action key; True when the host acknowledged it."""
        code = KEY_OF_ACTION[KeypadAction(action)]
        return self.key(code, argument, address=address, chunks=chunks) == ACK

    def enter_number(self, digits: str, *, address: int | None = None) -> bool:
        """Type ``digits`` then ENTER, one key frame each."""
        for digit in digits:
            if self.key(KeyCode.DIGIT, digit, address=address) != ACK:
                return False
        return self.key(KeyCode.ENTER, address=address) == ACK


class EvaluatorSimulator(DeviceSimulator):
    """Evaluators: armed by the host, ``rate(level)`` as the visitor would."""

    kind = "evaluator"
    DEFAULT_TIMEOUT_S = 120

    def __init__(self, addresses: Iterable[int] = (1,), *, tcp_port: int | None = None,
                 host: str = "127.0.0.1", ack_timeout_s: float = 0.3, retries: int = 3,
                 ack_commands: bool = True) -> None:
        addresses = list(addresses)
        self.default_address = addresses[0]
        self.armed: dict[int, str] = {}
        self.ack_commands = ack_commands  # False: a dead device that never answers
        self._done: dict[int, tuple[int, int]] = {}  # address -> (last seq, command)
        self._armed_until: dict[int, float] = {}
        self.arm_count = 0
        super().__init__(addresses, tcp_port=tcp_port, host=host, ack_timeout_s=ack_timeout_s,
                         retries=retries)

    def handle(self, frame: Frame) -> None:
        if frame.command not in (ARM, DISARM) or not frame.payload:
            return
        seq = frame.payload[0]
        if self.ack_commands:
            self.send(Frame(frame.address, ACK, bytes([seq])))
        else:
            return
        if self._done.get(frame.address) == (seq, frame.command):
            return  # a retransmission of what was already carried out
        self._done[frame.address] = (seq, frame.command)
        with self._cond:
            if frame.command == ARM and len(frame.payload) >= 2:
                self.armed[frame.address] = frame.payload[2:].decode("ascii", errors="replace")
                timeout = frame.payload[1] or self.DEFAULT_TIMEOUT_S
                self._armed_until[frame.address] = time.monotonic() + timeout
                self.arm_count += 1
            elif frame.command == DISARM:
                self.armed.pop(frame.address, None)
            self._cond.notify_all()

    def _expire(self) -> None:
        """The device's own timeout from ARM: it disarms even if the host never does."""
        now = time.monotonic()
        with self._cond:
            for address, until in list(self._armed_until.items()):
                if now >= until:
                    self.armed.pop(address, None)
                    del self._armed_until[address]

    def wait_armed(self, address: int | None = None, timeout: float = 3.0) -> str | None:
        address = address or self.default_address
        self.wait_for(lambda: address in self.armed, timeout)
        self._expire()
        return self.armed.get(address)

    def rate(self, level: int, *, address: int | None = None, ticket_ref: str | None = None,
             chunks: int = 1) -> int | None:
        """Press the key for ``level`` (5 非常满意 .. 1 非常不满意). Sends the armed ticket's
        reference (or ``ticket_ref``); returns ACK, NAK or None."""
        address = address or self.default_address
        self._expire()
        with self._cond:
            ref = ticket_ref if ticket_ref is not None else self.armed.get(address, "")
        seq = self.next_seq()
        answer = self.send_reliably(Frame(address, RATING, bytes([seq, level]) + ref.encode()),
                                    seq, chunks=chunks)
        if answer == ACK:
            with self._cond:
                self.armed.pop(address, None)
        return answer
