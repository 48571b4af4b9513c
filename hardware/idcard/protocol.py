"""Frames of the common resident ID card reader protocol, and the card's base information.

A frame is ``AA AA AA 96 69``, a two-byte length (big-endian: the bytes after it, the check
byte included), the body, and a check byte: the XOR of the length bytes and the body. A
host's body is a command and a parameter byte (and data, unused here); a reader's body is
three status bytes SW1 SW2 SW3 and data. hardware/PROTOCOLS.md has the commands, the status
codes and examples.

Pure: bytes in, frames and card fields out; the driver does the I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hallq.identifiers import check_id_number, mask_id_number

from ..errors import IdCardError

PREAMBLE = bytes.fromhex("AAAAAA9669")
MAX_LENGTH = 2 + 2 + 256 + 1024 + 1 + 3 + 64   # the largest answer (base info and photo) with room

# Host commands: (command, parameter).
FIND = (0x20, 0x01)      # 寻找卡: is a card on the reader?
SELECT = (0x20, 0x02)    # 选取卡
READ_BASE = (0x30, 0x01) # 读基本信息: text and photo
RESET = (0x10, 0xFF)     # reset the reader's card module (answered with OK)

# SW3 status of a reader's answer (SW1 and SW2 are 0x00 when all is well).
SW_OK = 0x90             # command carried out
SW_FOUND = 0x9F          # find: a card is there
SW_NO_CARD = 0x80        # find: no card
SW_SELECT_FAILED = 0x81  # select: the card did not answer
SW_READ_FAILED = 0x41    # read: the card's data could not be read
SW_BAD_CHECK = 0x10      # the host's frame failed its check byte
SW_BAD_LENGTH = 0x11     # the host's frame length is wrong
SW_UNKNOWN = 0x21        # unknown command

TEXT_LENGTH = 256
PHOTO_LENGTH = 1024
# The base information's text fields: (name, bytes of UCS-2LE), in order.
FIELDS = (("name", 30), ("sex", 2), ("nation", 4), ("birth", 16), ("address", 70), ("id_number", 36),
          ("authority", 30), ("valid_from", 16), ("valid_to", 16), ("reserved", 36))
assert sum(n for _, n in FIELDS) == TEXT_LENGTH

# The provinces' codes that begin a resident ID number (GB/T 2260 first two digits).
PROVINCES = frozenset({11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
                       50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83})


def checksum(data: bytes) -> int:
    out = 0
    for b in data:
        out ^= b
    return out


@dataclass(frozen=True)
class IdCardFrame:
    """One frame's body (the command or status bytes and the data)."""

    body: bytes

    def encode(self) -> bytes:
        length = len(self.body) + 1
        head = length.to_bytes(2, "big")
        return PREAMBLE + head + self.body + bytes([checksum(head + self.body)])

    @classmethod
    def command(cls, cmd: tuple[int, int], data: bytes = b"") -> IdCardFrame:
        return cls(bytes(cmd) + data)

    @classmethod
    def answer(cls, sw3: int, data: bytes = b"", sw1: int = 0, sw2: int = 0) -> IdCardFrame:
        return cls(bytes([sw1, sw2, sw3]) + data)

    @property
    def status(self) -> tuple[int, int, int]:
        return self.body[0], self.body[1], self.body[2]

    @property
    def data(self) -> bytes:
        return self.body[3:]


class FrameReader:
    """Collects bytes until one whole frame is there. Bytes before a preamble are skipped;
    a frame whose check byte or length is wrong raises ``IdCardError("bad_frame")``."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.skipped = 0

    def feed(self, data: bytes) -> IdCardFrame | None:
        self.buffer += data
        start = self.buffer.find(PREAMBLE)
        if start < 0:
            keep = len(PREAMBLE) - 1          # a preamble may be cut across two reads
            self.skipped += max(0, len(self.buffer) - keep)
            del self.buffer[:max(0, len(self.buffer) - keep)]
            return None
        self.skipped += start
        del self.buffer[:start]
        if len(self.buffer) < len(PREAMBLE) + 2:
            return None
        length = int.from_bytes(self.buffer[5:7], "big")
        if not 3 <= length <= MAX_LENGTH:
            raise IdCardError("bad_frame", f"frame length {length} is impossible")
        end = len(PREAMBLE) + 2 + length
        if len(self.buffer) < end:
            return None
        frame = bytes(self.buffer[:end])
        del self.buffer[:end]
        head, body, check = frame[5:7], frame[7:-1], frame[-1]
        if checksum(head + body) != check:
            raise IdCardError("bad_frame", "check byte does not match")
        return IdCardFrame(body)


@dataclass(frozen=True)
class IdCard:
    """The text of a card's base information. ``repr`` never shows the full ID number."""

    name: str
    sex: str            # "1" male, "2" female (the card's code)
    nation: str         # the nation's two-digit code
    birth: date
    address: str
    id_number: str
    authority: str
    valid_from: str     # YYYYMMDD
    valid_to: str       # YYYYMMDD or 长期

    def __repr__(self) -> str:
        return f"IdCard(name={self.name[:1]}…, id_number={mask_id_number(self.id_number)})"

    __str__ = __repr__


def _field(text: bytes) -> str:
    return text.decode("utf-16-le").rstrip(" \x00")


def parse_base_info(data: bytes) -> IdCard:
    """The card from a read-base-information answer's data: text length (2 bytes, big
    endian), photo length (2), the 256 bytes of text, the photo. Raises
    ``IdCardError`` with ``bad_data`` (malformed) or ``bad_id_number`` (fails its checks)."""
    if len(data) < 4:
        raise IdCardError("bad_data", "answer too short")
    text_len, photo_len = int.from_bytes(data[0:2], "big"), int.from_bytes(data[2:4], "big")
    if text_len != TEXT_LENGTH or len(data) != 4 + text_len + photo_len:
        raise IdCardError("bad_data", f"text {text_len} and photo {photo_len} bytes do not fit {len(data)}")
    text = data[4:4 + TEXT_LENGTH]
    values: dict[str, str] = {}
    at = 0
    try:
        for name, size in FIELDS:
            values[name] = _field(text[at:at + size])
            at += size
    except UnicodeDecodeError as exc:
        raise IdCardError("bad_data", "text is not UCS-2") from exc
    number = values["id_number"]
    checked = check_id_number(number)
    if not checked.ok or int(checked.normalized[:2]) not in PROVINCES:
        raise IdCardError("bad_id_number", f"the card's ID number fails its {checked.code or 'region'} check".replace("check check", "check character"),
                          reason=checked.code or "region")
    try:
        birth = date(int(values["birth"][0:4]), int(values["birth"][4:6]), int(values["birth"][6:8]))
    except ValueError as exc:
        raise IdCardError("bad_data", "birth date unreadable") from exc
    if birth.strftime("%Y%m%d") != checked.normalized[6:14] or values["sex"] not in ("1", "2"):
        raise IdCardError("bad_data", "the card's fields disagree with each other")
    return IdCard(name=values["name"], sex=values["sex"], nation=values["nation"], birth=birth,
                  address=values["address"], id_number=checked.normalized, authority=values["authority"],
                  valid_from=values["valid_from"], valid_to=values["valid_to"])


def encode_base_info(card: IdCard, photo: bytes = b"") -> bytes:
    """The data of a read-base-information answer for ``card`` (for the simulator)."""
    values = {"name": card.name, "sex": card.sex, "nation": card.nation, "birth": card.birth.strftime("%Y%m%d"),
              "address": card.address, "id_number": card.id_number, "authority": card.authority,
              "valid_from": card.valid_from, "valid_to": card.valid_to, "reserved": ""}
    text = b""
    for name, size in FIELDS:
        raw = values[name].encode("utf-16-le")[:size]
        text += raw + " ".encode("utf-16-le") * ((size - len(raw)) // 2)
    photo = photo or bytes(PHOTO_LENGTH)
    return TEXT_LENGTH.to_bytes(2, "big") + len(photo).to_bytes(2, "big") + text + photo
