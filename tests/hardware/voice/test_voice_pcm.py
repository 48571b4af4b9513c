"""PCM helpers: clips of any common WAV layout come out as mono 16-bit."""

from __future__ import annotations

import io
import math
import wave
from array import array

import pytest
from hallq.hardware.errors import VoiceError
from hallq.hardware.voice.pcm import Pcm, chime, join, peak, read_wav, resample, silence, trim

pytestmark = pytest.mark.timeout(30)


def _wav(channels: int, width: int, rate: int, frames: list[tuple[int, ...]]) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        data = b""
        for frame in frames:
            for value in frame:
                if width == 1:
                    data += bytes([value + 128])
                else:
                    data += int(value).to_bytes(width, "little", signed=True)
        out.writeframes(data)
    return buf.getvalue()


def test_16_bit_mono_round_trips() -> None:
    pcm = Pcm(22050, array("h", [0, 1000, -1000, 32767, -32768]))
    assert read_wav(pcm.to_wav()) == pcm


@pytest.mark.parametrize(("width", "value", "expected"), [
    (1, 100, 100 << 8),  # unsigned 8-bit, centred on 128
    (3, 100 << 8, 100),
    (4, 100 << 16, 100),
])
def test_other_sample_widths_become_16_bit(width: int, value: int, expected: int) -> None:
    pcm = read_wav(_wav(1, width, 8000, [(value,), (-value,)]))
    assert list(pcm.samples) == [expected, -expected]


def test_stereo_is_mixed_to_mono() -> None:
    pcm = read_wav(_wav(2, 2, 44100, [(1000, 3000), (-2000, -4000)]))
    assert list(pcm.samples) == [2000, -3000]


def test_resampling_keeps_duration() -> None:
    tone = Pcm(44100, array("h", (int(8000 * math.sin(i / 10)) for i in range(44100))))
    down = resample(tone, 22050)
    assert down.rate == 22050 and len(down.samples) == 22050
    assert abs(down.seconds - tone.seconds) < 0.001


def test_trim_cuts_leading_and_trailing_silence() -> None:
    body = array("h", [5000] * 100)
    pcm = Pcm(1000, silence(1.0, 1000).samples + body + silence(2.0, 1000).samples)
    trimmed = trim(pcm, pad_s=0.01)
    assert len(trimmed.samples) == 100 + 2 * 10
    assert trim(silence(1.0)).samples == array("h")


def test_chime_is_two_audible_tones_about_a_second() -> None:
    bell = chime()
    assert 1.0 <= bell.seconds <= 1.2
    assert peak(bell, 0.0, 0.1) > 5000 and peak(bell, 0.45, 0.55) > 5000


def test_join_converts_rates() -> None:
    joined = join([silence(0.5, 11025), silence(0.5, 22050)], 22050)
    assert joined.seconds == pytest.approx(1.0, abs=0.001)


def test_not_a_wav_is_a_typed_error() -> None:
    with pytest.raises(VoiceError) as err:
        read_wav(b"RIFF nonsense", name="zh_qing.wav")
    assert err.value.code == "bad_clip"
