"""The hallq counter-bus frame, shared by window displays, keypads and evaluators.

::

    SOH  ADDR  CMD  LEN  DATA[LEN]  CRC_LO  CRC_HI  END
    01   aa    cc   nn   ...        crc16/MODBUS(ADDR..DATA)  07

See ``hardware/PROTOCOLS.md``. Parsing is pure (``FrameParser.feed(data, now)``) and
never raises on bad input: garbage, torn frames and bad checksums are counted, logged
and skipped, and the parser resynchronises on the next ``SOH``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from ..errors import SerialDeviceError

log = logging.getLogger(__name__)

SOH = 0x01
END = 0x07
HEADER = 4  # SOH ADDR CMD LEN
TRAILER = 3  # CRC_LO CRC_HI END
MAX_PAYLOAD = 240
BROADCAST = 0x00
MIN_ADDRESS, MAX_ADDRESS = 1, 247

# Commands shared by every device kind.
ACK = 0x06  # DATA: seq
NAK = 0x15  # DATA: seq, reason

NAK_UNKNOWN_COMMAND = 0x01
NAK_BAD_ARGUMENT = 0x02
NAK_NOT_ARMED = 0x03
NAK_WRONG_TICKET = 0x04


def crc16(data: bytes) -> int:
    """CRC-16/MODBUS (poly 0xA001 reflected, init 0xFFFF): the usual RS-485 check."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


@dataclass(frozen=True)
class Frame:
    """One frame: the device address (the sender's, or the recipient's from the host),
    a command and its payload."""

    address: int
    command: int
    payload: bytes = b""

    def __post_init__(self) -> None:
        if not 0 <= self.address <= MAX_ADDRESS:
            raise SerialDeviceError("bad_address", f"address {self.address} outside 0..247")
        if not 0 <= self.command <= 0xFF:
            raise ValueError("command is one byte")
        if len(self.payload) > MAX_PAYLOAD:
            raise SerialDeviceError("too_long", f"payload of {len(self.payload)} bytes; "
                                                f"at most {MAX_PAYLOAD}")

    def encode(self) -> bytes:
        body = bytes([self.address, self.command, len(self.payload)]) + self.payload
        crc = crc16(body)
        return bytes([SOH]) + body + bytes([crc & 0xFF, crc >> 8, END])

    def __str__(self) -> str:
        return f"Frame(addr={self.address}, cmd=0x{self.command:02x}, data={self.payload.hex(' ')})"


def encode_frame(address: int, command: int, payload: bytes = b"") -> bytes:
    return Frame(address, command, payload).encode()


@dataclass
class ParserStats:
    frames: int = 0
    garbage_bytes: int = 0
    bad_checksums: int = 0
    bad_ends: int = 0
    stale_partials: int = 0
    samples: list[str] = field(default_factory=list)


class FrameParser:
    """Bytes in any chunks to frames. ``frame_timeout_s``: a partial frame older than this
    when new bytes arrive is dropped (the sender gave up on it), like Modbus RTU's
    inter-frame silence."""

    def __init__(self, *, frame_timeout_s: float = 0.5, name: str = "") -> None:
        self.frame_timeout_s = frame_timeout_s
        self.name = name
        self.stats = ParserStats()
        self._buf = bytearray()
        self._partial_since: float | None = None

    def feed(self, data: bytes, now: float = 0.0) -> list[Frame]:
        if self._buf and self._partial_since is not None \
                and now - self._partial_since > self.frame_timeout_s:
            self._discard(1, "stale partial frame")
            self.stats.stale_partials += 1
        self._buf += data
        before = len(self._buf)
        frames: list[Frame] = []
        while True:
            start = self._buf.find(SOH)
            if start < 0:
                if self._buf:
                    self._discard(len(self._buf), "garbage")
                break
            if start:
                self._discard(start, "garbage")
            if len(self._buf) < HEADER:
                break
            length = self._buf[3]
            if length > MAX_PAYLOAD:
                self._discard(1, "impossible length")
                continue
            total = HEADER + length + TRAILER
            if len(self._buf) < total:
                # Incomplete, or a stray SOH claiming a long frame: if a whole valid frame
                # already starts further on, the bytes before it were garbage.
                later = self._later_frame()
                if later is None:
                    break
                self._discard(later, "torn frame")
                continue
            problem = self._check(0)
            if problem is not None:
                if problem == "no end byte":
                    self.stats.bad_ends += 1
                elif problem == "bad checksum":
                    self.stats.bad_checksums += 1
                self._discard(1, problem)
                continue
            raw = bytes(self._buf[:total])
            del self._buf[:total]
            self.stats.frames += 1
            frames.append(Frame(raw[1], raw[2], raw[HEADER:HEADER + length]))
        if not self._buf:
            self._partial_since = None
        elif self._partial_since is None or len(self._buf) != before:
            self._partial_since = now  # a new partial frame begins with this chunk
        return frames

    def _check(self, at: int) -> str | None:
        """Why the complete frame at ``at`` is not valid, or None if it is."""
        buf = self._buf
        length = buf[at + 3]
        total = HEADER + length + TRAILER
        if buf[at + total - 1] != END:
            return "no end byte"
        crc = buf[at + total - 3] | buf[at + total - 2] << 8
        if crc16(bytes(buf[at + 1:at + HEADER + length])) != crc:
            return "bad checksum"
        if buf[at + 1] > MAX_ADDRESS:
            return "bad address"
        return None

    def _later_frame(self) -> int | None:
        buf = self._buf
        at = buf.find(SOH, 1)
        while at >= 0:
            if at + HEADER <= len(buf):
                length = buf[at + 3]
                if length <= MAX_PAYLOAD and at + HEADER + length + TRAILER <= len(buf) \
                        and self._check(at) is None:
                    return at
            at = buf.find(SOH, at + 1)
        return None

    def _discard(self, count: int, why: str) -> None:
        dropped = bytes(self._buf[:count])
        del self._buf[:count]
        self.stats.garbage_bytes += count
        sample = f"{why}: {dropped[:16].hex(' ')}"
        if len(self.stats.samples) < 20:
            self.stats.samples.append(sample)
        log.warning("%s skipped %d byte(s), %s", self.name or "serial link", count, sample)


# The legacy window-display framing of one open system: SOH, address, text, BEL (0x07),
# without length or checksum. Kept for displays that speak only that.
def encode_legacy_display(address: int, text: str) -> bytes:
    if not MIN_ADDRESS <= address <= MAX_ADDRESS:
        raise SerialDeviceError("bad_address", f"address {address} outside 1..247")
    data = text.encode("gb18030", errors="replace")
    if SOH in data or END in data:
        raise SerialDeviceError("too_long", "text contains a framing byte")
    return bytes([SOH, address]) + data + bytes([END])


class LegacyDisplayParser:
    """Parser for the legacy display framing (used by the display simulator)."""

    MAX_TEXT = 512

    def __init__(self) -> None:
        self._buf = bytearray()
        self.garbage_bytes = 0

    def feed(self, data: bytes) -> list[tuple[int, str]]:
        self._buf += data
        out: list[tuple[int, str]] = []
        while True:
            start = self._buf.find(SOH)
            if start < 0:
                self.garbage_bytes += len(self._buf)
                self._buf.clear()
                break
            if start:
                self.garbage_bytes += start
                del self._buf[:start]
            end = self._buf.find(END, 2)
            if end < 0:
                if len(self._buf) > self.MAX_TEXT:
                    self.garbage_bytes += 1
                    del self._buf[:1]
                    continue
                break
            nxt = self._buf.find(SOH, 2, end)
            if nxt > 0:  # a new frame began before this one ended: this one was torn
                self.garbage_bytes += nxt
                del self._buf[:nxt]
                continue
            address = self._buf[1]
            text = bytes(self._buf[2:end]).decode("gb18030", errors="replace")
            del self._buf[:end + 1]
            out.append((address, text))
        return out
