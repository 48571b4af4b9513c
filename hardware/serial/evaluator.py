"""The counter evaluator (评价器): five keys for the five 好差评 levels.

The host arms it for one ticket; the visitor presses a key; the device sends a rating
frame carrying the level and the ticket reference; the host acknowledges. Arm and disarm
are acknowledged by the device and retransmitted until they are. ``EvaluatorProtocol``
is pure (frames and ``now`` in, events and frames out); ``Evaluator`` is the driver.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import serial

from ..errors import SerialDeviceError
from .framing import (
    ACK,
    MAX_ADDRESS,
    MIN_ADDRESS,
    NAK,
    NAK_BAD_ARGUMENT,
    NAK_NOT_ARMED,
    NAK_WRONG_TICKET,
    Frame,
    FrameParser,
)
from .link import SerialLink

log = logging.getLogger(__name__)

# Host -> device
ARM = 0x30  # DATA: seq, timeout (s, 0 = device default), ticket reference (ASCII)
DISARM = 0x31  # DATA: seq
# Device -> host
RATING = 0x91  # DATA: seq, level 1..5, ticket reference (ASCII)

MAX_TICKET_REF = 32

LEVELS: dict[int, str] = {5: "非常满意", 4: "满意", 3: "基本满意", 2: "不满意", 1: "非常不满意"}


@dataclass(frozen=True)
class Rating:
    """The visitor's evaluation of one service (一次一评)."""

    window_address: int
    level: int
    ticket_ref: str

    @property
    def label(self) -> str:
        return LEVELS[self.level]

    @property
    def is_bad(self) -> bool:
        """A 差评 (level 1 or 2), which needs a follow-up."""
        return self.level <= 2


@dataclass(frozen=True)
class EvaluationTimeout:
    """Nobody rated within the time allowed; the evaluator was disarmed."""

    window_address: int
    ticket_ref: str


@dataclass(frozen=True)
class EvaluatorUnreachable:
    """The evaluator never acknowledged an arm or disarm command."""

    window_address: int
    ticket_ref: str
    command: str


EvaluatorEvent = Rating | EvaluationTimeout | EvaluatorUnreachable


@dataclass
class _Outgoing:
    frame: Frame
    ticket_ref: str
    name: str
    next_try: float
    tries_left: int


@dataclass
class EvaluatorProtocol:
    """Pure evaluator logic for every address on a line."""

    ack_timeout_s: float = 0.3
    retries: int = 3
    duplicate_window_s: float = 5.0
    armed: dict[int, tuple[str, float]] = field(default_factory=dict)  # addr -> (ref, deadline)
    _seq: int = 0
    _outgoing: dict[int, _Outgoing] = field(default_factory=dict)  # seq -> command
    _last: dict[int, tuple[int, float]] = field(default_factory=dict)

    def _next_seq(self) -> int:
        self._seq = self._seq % 255 + 1
        return self._seq

    def line_back(self) -> None:
        """The line dropped and came back: a restarted evaluator numbers its frames afresh."""
        self._last.clear()

    def arm(self, address: int, ticket_ref: str, timeout_s: float, now: float) -> Frame:
        _check_address(address)
        ref = ticket_ref.encode("ascii")
        if not ref or len(ref) > MAX_TICKET_REF:
            raise SerialDeviceError("too_long", f"ticket reference must be 1..{MAX_TICKET_REF} "
                                                "ASCII characters")
        self._drop_outgoing(address)
        self.armed[address] = (ticket_ref, now + timeout_s)
        seq = self._next_seq()
        frame = Frame(address, ARM, bytes([seq, min(int(timeout_s), 255)]) + ref)
        self._outgoing[seq] = _Outgoing(frame, ticket_ref, "arm", now + self.ack_timeout_s,
                                        self.retries)
        return frame

    def disarm(self, address: int, now: float) -> Frame:
        _check_address(address)
        ref, _ = self.armed.pop(address, ("", 0.0))
        self._drop_outgoing(address)
        seq = self._next_seq()
        frame = Frame(address, DISARM, bytes([seq]))
        self._outgoing[seq] = _Outgoing(frame, ref, "disarm", now + self.ack_timeout_s,
                                        self.retries)
        return frame

    def _drop_outgoing(self, address: int) -> None:
        for seq in [s for s, o in self._outgoing.items() if o.frame.address == address]:
            del self._outgoing[seq]

    def handle(self, frame: Frame, now: float) -> tuple[list[EvaluatorEvent], list[Frame]]:
        if frame.command == ACK and frame.payload:
            pending = self._outgoing.get(frame.payload[0])
            if pending is not None and pending.frame.address == frame.address:
                del self._outgoing[frame.payload[0]]
            return [], []
        if frame.command == NAK:
            log.warning("evaluator %d refused a command: %s", frame.address,
                        frame.payload.hex(" "))
            if frame.payload:
                self._outgoing.pop(frame.payload[0], None)
            return [], []
        if frame.command != RATING:
            log.warning("evaluator %d: unknown command 0x%02x ignored", frame.address,
                        frame.command)
            return [], []
        if len(frame.payload) < 2 or not MIN_ADDRESS <= frame.address <= MAX_ADDRESS:
            log.warning("evaluator %d: malformed rating frame %s", frame.address, frame)
            return [], []
        seq, level = frame.payload[0], frame.payload[1]
        ref = frame.payload[2:].decode("ascii", errors="replace")

        def refuse(reason: int) -> tuple[list[EvaluatorEvent], list[Frame]]:
            return [], [Frame(frame.address, NAK, bytes([seq, reason]))]

        last = self._last.get(frame.address)
        if last is not None and last[0] == seq and now - last[1] < self.duplicate_window_s:
            return [], [Frame(frame.address, ACK, bytes([seq]))]  # retransmission
        if level not in LEVELS:
            log.warning("evaluator %d: rating level %d refused", frame.address, level)
            return refuse(NAK_BAD_ARGUMENT)
        armed = self.armed.get(frame.address)
        if armed is None:
            log.warning("evaluator %d: rating for %r while not armed", frame.address, ref)
            return refuse(NAK_NOT_ARMED)
        if armed[0] != ref:
            log.warning("evaluator %d: rating for %r while armed for %r", frame.address, ref,
                        armed[0])
            return refuse(NAK_WRONG_TICKET)
        del self.armed[frame.address]
        self._drop_outgoing(frame.address)
        self._last[frame.address] = (seq, now)
        return [Rating(frame.address, level, ref)], [Frame(frame.address, ACK, bytes([seq]))]

    def tick(self, now: float) -> tuple[list[EvaluatorEvent], list[Frame]]:
        """Retransmissions due and evaluations timed out, as of ``now``."""
        events: list[EvaluatorEvent] = []
        frames: list[Frame] = []
        for seq, pending in list(self._outgoing.items()):
            if now < pending.next_try:
                continue
            if pending.tries_left <= 0:
                del self._outgoing[seq]
                address = pending.frame.address
                if pending.name == "arm":
                    self.armed.pop(address, None)
                events.append(EvaluatorUnreachable(address, pending.ticket_ref, pending.name))
                continue
            pending.tries_left -= 1
            pending.next_try = now + self.ack_timeout_s
            frames.append(pending.frame)
        for address, (ref, deadline) in list(self.armed.items()):
            if now >= deadline:
                events.append(EvaluationTimeout(address, ref))
                frames.append(self.disarm(address, now))
        return events, frames


def _check_address(address: int) -> None:
    if not MIN_ADDRESS <= address <= MAX_ADDRESS:
        raise SerialDeviceError("bad_address", f"address {address} outside 1..247")


class Evaluator:
    """Every evaluator on one line. Events go to ``on_event`` (on the reader thread) or,
    without a callback, to ``events`` / ``get()``."""

    def __init__(self, port: str | serial.SerialBase, *, baudrate: int = 9600,
                 on_event: Callable[[EvaluatorEvent], None] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 default_timeout_s: float = 60.0, ack_timeout_s: float = 0.3,
                 retries: int = 3) -> None:
        self.on_event = on_event
        self.clock = clock
        self.default_timeout_s = default_timeout_s
        self.events: queue.Queue[EvaluatorEvent] = queue.Queue()
        self.parser = FrameParser(name="evaluator")
        self.protocol = EvaluatorProtocol(ack_timeout_s=ack_timeout_s, retries=retries)
        self._lock = threading.Lock()  # the protocol is touched by callers and the reader
        self.link = SerialLink(port, baudrate=baudrate, name="evaluator", clock=clock,
                               on_data=self._on_data, on_tick=self._on_tick, on_reopen=self._line_back)
        self.link.start()

    def _line_back(self) -> None:
        with self._lock:
            self.protocol.line_back()

    def arm(self, address: int, ticket_ref: str, timeout_s: float | None = None) -> None:
        """Invite the visitor at window ``address`` to rate the service of ``ticket_ref``."""
        with self._lock:
            frame = self.protocol.arm(address, ticket_ref,
                                      timeout_s or self.default_timeout_s, self.clock())
        self._send([frame])

    def disarm(self, address: int) -> None:
        with self._lock:
            frame = self.protocol.disarm(address, self.clock())
        self._send([frame])

    def armed_for(self, address: int) -> str | None:
        with self._lock:
            armed = self.protocol.armed.get(address)
        return armed[0] if armed else None

    def get(self, timeout: float = 1.0) -> EvaluatorEvent | None:
        try:
            return self.events.get(timeout=timeout)
        except queue.Empty:
            return None

    def _on_data(self, data: bytes, now: float) -> None:
        for frame in self.parser.feed(data, now):
            with self._lock:
                events, replies = self.protocol.handle(frame, now)
            self._send(replies)
            self._deliver(events)

    def _on_tick(self, now: float) -> None:
        with self._lock:
            events, frames = self.protocol.tick(now)
        self._send(frames)
        self._deliver(events)

    def _send(self, frames: list[Frame]) -> None:
        for frame in frames:
            try:
                self.link.write(frame.encode())
            except SerialDeviceError as exc:
                log.warning("evaluator %d: frame not sent: %s", frame.address, exc.message)

    def _deliver(self, events: list[EvaluatorEvent]) -> None:
        for event in events:
            if self.on_event is None:
                self.events.put(event)
                continue
            try:
                self.on_event(event)
            except Exception:
                log.exception("evaluator event handler failed for %s", event)

    def close(self) -> None:
        self.link.close()

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
