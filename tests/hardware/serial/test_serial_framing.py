"""The counter-bus frame: encoding, checksums and resynchronisation. No I/O."""

from __future__ import annotations

import pytest
from hallq.hardware.errors import SerialDeviceError
from hallq.hardware.serial.framing import (
    Frame,
    FrameParser,
    LegacyDisplayParser,
    crc16,
    encode_legacy_display,
)
from hypothesis import given, settings
from hypothesis import strategies as st

pytestmark = pytest.mark.timeout(60)

frames = st.builds(Frame, st.integers(0, 247), st.integers(0, 255), st.binary(max_size=40))


def test_crc16_modbus_check_value() -> None:
    assert crc16(b"123456789") == 0x4B37


def test_frame_layout() -> None:
    raw = Frame(5, 0x10, b"\x00AB").encode()
    assert raw[:4] == bytes([0x01, 5, 0x10, 3])
    assert raw[4:7] == b"\x00AB"
    assert raw[-1] == 0x07
    assert raw[-3] | raw[-2] << 8 == crc16(raw[1:7])


@given(st.lists(frames, max_size=8))
def test_round_trip(items: list[Frame]) -> None:
    parser = FrameParser()
    assert parser.feed(b"".join(f.encode() for f in items)) == items
    assert parser.stats.garbage_bytes == 0


@given(frames, st.integers(1, 50))
def test_torn_frames_split_across_writes(frame: Frame, step: int) -> None:
    raw = frame.encode()
    parser = FrameParser()
    out: list[Frame] = []
    for i in range(0, len(raw), step):
        out += parser.feed(raw[i:i + step])
    assert out == [frame]


def test_bad_checksum_is_skipped_and_the_next_frame_is_read() -> None:
    good = Frame(3, 0x81, b"\x07\x01").encode()
    bad = bytearray(Frame(3, 0x81, b"\x08\x03").encode())
    bad[5] ^= 0x01  # the key code changes: the checksum must catch it
    parser = FrameParser()
    assert parser.feed(bytes(bad) + good) == [Frame(3, 0x81, b"\x07\x01")]
    assert parser.stats.bad_checksums == 1


@settings(max_examples=300)
@given(st.lists(st.tuples(st.binary(max_size=30), frames), max_size=6), st.binary(max_size=30))
def test_garbage_never_loses_or_invents_frames(chunks, tail: bytes) -> None:
    parser = FrameParser()
    data = b"".join(g + f.encode() for g, f in chunks) + tail
    assert parser.feed(data) == [f for _, f in chunks]


def test_a_stray_soh_claiming_a_long_frame_does_not_swallow_the_next_one() -> None:
    parser = FrameParser()
    frame = Frame(2, 0x81, b"\x01\x02")
    assert parser.feed(b"\x01\x02\x81\xc8" + frame.encode()) == [frame]


def test_a_stale_partial_frame_is_dropped_after_the_frame_timeout() -> None:
    parser = FrameParser(frame_timeout_s=0.5)
    frame = Frame(2, 0x81, b"\x01\x02")
    raw = frame.encode()
    assert parser.feed(raw[:5], now=10.0) == []
    # The sender gave up; a second later the bytes of the next frame must not be glued on.
    assert parser.feed(raw, now=11.0) == [frame]
    assert parser.stats.stale_partials == 1


def test_a_slow_frame_within_the_timeout_is_kept() -> None:
    parser = FrameParser(frame_timeout_s=0.5)
    raw = Frame(2, 0x81, b"\x01\x02").encode()
    assert parser.feed(raw[:3], now=10.0) == []
    assert parser.feed(raw[3:6], now=10.3) == []
    assert parser.feed(raw[6:], now=10.45) == [Frame(2, 0x81, b"\x01\x02")]


def test_impossible_lengths_and_addresses_are_rejected() -> None:
    with pytest.raises(SerialDeviceError) as err:
        Frame(248, 1)
    assert err.value.code == "bad_address"
    with pytest.raises(SerialDeviceError) as err:
        Frame(1, 1, bytes(241))
    assert err.value.code == "too_long"
    assert FrameParser().feed(b"\x01\x05\x10\xff" + bytes(10)) == []


def test_legacy_display_framing() -> None:
    raw = encode_legacy_display(5, "A001 请到5号窗口")
    assert raw == b"\x01\x05" + "A001 请到5号窗口".encode("gb18030") + b"\x07"
    parser = LegacyDisplayParser()
    assert parser.feed(b"junk" + raw[:4]) == []
    assert parser.feed(raw[4:] + encode_legacy_display(1, "B")) == [(5, "A001 请到5号窗口"),
                                                                      (1, "B")]
    # a torn frame followed by a whole one: the torn one is dropped
    assert parser.feed(b"\x01\x06A00" + encode_legacy_display(6, "A002")) == [(6, "A002")]
