"""The ID card reader's frames and base information, without a port; PROTOCOLS.md's
examples are valid frames."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import hallq.hardware
import pytest
from hallq.hardware.errors import IdCardError
from hallq.hardware.idcard.protocol import (
    FIND,
    SW_OK,
    FrameReader,
    IdCard,
    IdCardFrame,
    encode_base_info,
    parse_base_info,
)
from hallq.hardware.idcard.sim import sample_card

pytestmark = pytest.mark.timeout(30)

DOC = Path(hallq.hardware.__file__).with_name("PROTOCOLS.md").read_text(encoding="utf-8")
EXAMPLES = re.findall(r"```idframe\n(.*?)\n```", DOC, re.S)


def test_the_document_has_examples() -> None:
    assert len(EXAMPLES) >= 8


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_example_is_one_valid_frame(example: str) -> None:
    raw = bytes.fromhex(example)
    reader = FrameReader()
    frame = reader.feed(raw)
    assert frame is not None and frame.encode() == raw and not reader.buffer and reader.skipped == 0


def test_a_frame_arrives_in_pieces_after_noise() -> None:
    raw = IdCardFrame.answer(SW_OK, b"\x01\x02").encode()
    reader = FrameReader()
    assert reader.feed(b"\x00\x13\xaa") is None
    for b in raw[:-1]:
        assert reader.feed(bytes([b])) is None
    frame = reader.feed(raw[-1:])
    assert frame is not None and frame.status == (0, 0, SW_OK) and frame.data == b"\x01\x02"
    assert reader.skipped == 3       # the noise, its lone AA included


@pytest.mark.parametrize("spoil", ["check", "length"])
def test_a_spoiled_frame_is_refused(spoil: str) -> None:
    raw = bytearray(IdCardFrame.command(FIND).encode())
    if spoil == "check":
        raw[-1] ^= 0x01
    else:
        raw[5:7] = b"\xff\xff"
    with pytest.raises(IdCardError) as refused:
        FrameReader().feed(bytes(raw))
    assert refused.value.code == "bad_frame"


def test_base_information_round_trip() -> None:
    card = sample_card()
    data = encode_base_info(card, bytes(1024))
    assert len(data) == 4 + 256 + 1024
    read = parse_base_info(data)
    assert read == card and read.birth == date(1949, 12, 31) and read.name == "张三"
    assert "11010519491231002X" not in repr(read) and "110105********002X" in repr(read)


def _with_number(number: str, birth: date | None = None) -> bytes:
    card = sample_card()
    spoiled = IdCard(**{**card.__dict__, "id_number": number, "birth": birth or card.birth})
    return encode_base_info(spoiled)


@pytest.mark.parametrize(("data", "code"), [
    (_with_number("110105194912310021"), "bad_id_number"),          # check character
    (_with_number("991105194912310024"), "bad_id_number"),          # no province 99 (its check character is right)
    (_with_number("11010519491231002X", date(1950, 1, 1)), "bad_data"),   # fields disagree
    (encode_base_info(sample_card())[:200], "bad_data"),             # cut short
    (b"\x01\x00\x04\x00" + bytes(10), "bad_data"),
])
def test_malformed_base_information_is_refused(data: bytes, code: str) -> None:
    with pytest.raises(IdCardError) as refused:
        parse_base_info(data)
    assert refused.value.code == code
