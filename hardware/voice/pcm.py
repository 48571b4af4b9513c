"""Mono 16-bit PCM: reading WAVs of any common layout, joining, trimming, writing.

Clips from espeak-ng and clips a hall records itself may differ in rate, width and
channels; everything is brought to one format before joining. Pure Python (the stdlib's
``audioop`` is gone in Python 3.13).
"""

from __future__ import annotations

import io
import math
import wave
from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from ..errors import VoiceError

RATE = 22050  # espeak-ng's own rate


@dataclass(frozen=True)
class Pcm:
    """Mono signed 16-bit samples at ``rate`` Hz."""

    rate: int
    samples: array  # array('h')

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    def to_wav(self) -> bytes:
        buf = io.BytesIO()
        with wave.open(buf, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(self.rate)
            out.writeframes(_little_endian(self.samples).tobytes())
        return buf.getvalue()


def _little_endian(samples: array) -> array:
    import sys

    if sys.byteorder == "little":
        return samples
    swapped = array("h", samples)
    swapped.byteswap()
    return swapped


def read_wav(data: bytes, *, name: str = "clip") -> Pcm:
    """Any PCM WAV (8/16/24/32-bit, mono or multi-channel) as mono 16-bit."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            channels, width, rate = wav.getnchannels(), wav.getsampwidth(), wav.getframerate()
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise VoiceError("bad_clip", f"{name} is not a PCM WAV file: {exc}", clip=name) from exc
    if width not in (1, 2, 3, 4) or channels < 1 or rate <= 0:
        raise VoiceError("bad_clip", f"{name}: unsupported WAV layout", clip=name)
    values = _to_int16(frames, width)
    if channels > 1:
        values = array("h", (sum(values[i:i + channels]) // channels
                             for i in range(0, len(values) - channels + 1, channels)))
    return Pcm(rate, values)


def _to_int16(frames: bytes, width: int) -> array:
    if width == 2:
        out = array("h")
        out.frombytes(frames[: len(frames) // 2 * 2])
        return _little_endian(out)
    if width == 1:  # unsigned 8-bit
        return array("h", ((b - 128) << 8 for b in frames))
    step = width
    return array("h", (int.from_bytes(frames[i:i + step], "little", signed=True) >> (8 * step - 16)
                       for i in range(0, len(frames) - step + 1, step)))


def resample(pcm: Pcm, rate: int) -> Pcm:
    """Linear interpolation: plenty for speech clips."""
    if pcm.rate == rate or not pcm.samples:
        return Pcm(rate, pcm.samples) if pcm.rate == rate else Pcm(rate, array("h"))
    src = pcm.samples
    count = max(int(len(src) * rate / pcm.rate), 1)
    ratio = pcm.rate / rate
    last = len(src) - 1
    out = array("h", bytes(2 * count))
    for i in range(count):
        pos = i * ratio
        j = int(pos)
        if j >= last:
            out[i] = src[last]
            continue
        frac = pos - j
        out[i] = int(src[j] + (src[j + 1] - src[j]) * frac)
    return Pcm(rate, out)


def trim(pcm: Pcm, *, threshold: int = 400, pad_s: float = 0.02) -> Pcm:
    """Cut leading and trailing near-silence, keeping ``pad_s`` on each side."""
    s = pcm.samples
    first = next((i for i, v in enumerate(s) if abs(v) > threshold), None)
    if first is None:
        return Pcm(pcm.rate, array("h"))
    last = next(i for i in range(len(s) - 1, -1, -1) if abs(s[i]) > threshold)
    pad = int(pad_s * pcm.rate)
    return Pcm(pcm.rate, s[max(first - pad, 0):min(last + pad + 1, len(s))])


def silence(seconds: float, rate: int = RATE) -> Pcm:
    return Pcm(rate, array("h", bytes(2 * int(seconds * rate))))


def join(parts: Iterable[Pcm], rate: int = RATE) -> Pcm:
    out = array("h")
    for part in parts:
        out.extend(resample(part, rate).samples if part.rate != rate else part.samples)
    return Pcm(rate, out)


def chime(rate: int = RATE) -> Pcm:
    """A two-tone "ding-dong" (E5 then C5), each struck and decaying like a bell."""
    out = array("h")
    for freq, length in ((659.25, 0.45), (523.25, 0.65)):
        n = int(length * rate)
        for i in range(n):
            t = i / rate
            envelope = min(t / 0.005, 1.0) * math.exp(-4.0 * t)
            value = math.sin(2 * math.pi * freq * t) + 0.3 * math.sin(4 * math.pi * freq * t)
            out.append(int(12000 * envelope * value))
    return Pcm(rate, out)


def peak(pcm: Pcm, start_s: float = 0.0, end_s: float | None = None) -> int:
    """Largest absolute sample in a window (used to tell sound from silence)."""
    a = int(start_s * pcm.rate)
    b = len(pcm.samples) if end_s is None else int(end_s * pcm.rate)
    window = pcm.samples[a:b]
    return max((abs(v) for v in window), default=0)
