"""The clip library: espeak-ng generation into a cache, and a hall's own recordings."""

from __future__ import annotations

import math
from array import array
from pathlib import Path

import pytest
from hallq.hardware.errors import VoiceError
from hallq.hardware.voice import CLIPS, ClipLibrary, announcement_pcm
from hallq.hardware.voice.pcm import Pcm, chime, peak

pytestmark = pytest.mark.timeout(60)


def _tone(freq: float, seconds: float, rate: int = 44100) -> Pcm:
    n = int(seconds * rate)
    return Pcm(rate, array("h", (int(9000 * math.sin(2 * math.pi * freq * i / rate))
                                 for i in range(n))))


def test_every_clip_is_generated_once(tmp_path: Path) -> None:
    library = ClipLibrary(tmp_path)
    built = library.build(["zh_qing", "en_window", "letter_q"])
    assert sorted(built) == ["en_window", "letter_q", "zh_qing"]
    assert library.build(["zh_qing", "en_window", "letter_q"]) == []  # cached
    for name in built:
        clip = library.get(name)
        assert 0.15 < clip.seconds < 2.0, name
        assert peak(clip) > 3000, name  # speech, not silence
    assert library.sources()["zh_qing"] == "cache"
    assert library.sources()["zh_bai"] == "missing"


def test_clips_are_generated_on_first_use(tmp_path: Path) -> None:
    library = ClipLibrary(tmp_path)
    assert library.get("zh_chuangkou").seconds > 0.2
    assert library.cache_path("zh_chuangkou").is_file()


def test_a_halls_recording_overrides_the_generated_clip(tmp_path: Path, clip_cache) -> None:
    recordings = tmp_path / "hall"
    recordings.mkdir()
    (recordings / "zh_qing.wav").write_bytes(_tone(440.0, 0.5).to_wav())
    library = ClipLibrary(clip_cache, recordings)
    assert library.sources()["zh_qing"] == "override"
    qing = library.get("zh_qing")
    assert qing.rate == 22050 and qing.seconds == pytest.approx(0.5, abs=0.03)
    call = announcement_pcm("A001", 5, ("zh",), library=library)
    start = len(chime().samples) + int(0.3 * 22050)  # after the chime and its pause
    assert call.samples[start:start + len(qing.samples)] == qing.samples


def test_the_chime_can_be_replaced_too(tmp_path: Path, clip_cache) -> None:
    recordings = tmp_path / "hall"
    recordings.mkdir()
    (recordings / "chime.wav").write_bytes(_tone(880.0, 0.4, 22050).to_wav())
    library = ClipLibrary(clip_cache, recordings)
    assert library.get("chime").seconds == pytest.approx(0.4, abs=0.03)


def test_missing_espeak_is_a_clear_error(tmp_path: Path) -> None:
    library = ClipLibrary(tmp_path, espeak="espeak-ng-not-installed")
    with pytest.raises(VoiceError) as err:
        library.get("zh_qing")
    assert err.value.code == "espeak_missing"
    with pytest.raises(VoiceError) as err:
        library.build()
    assert err.value.code == "espeak_missing"


def test_a_full_set_of_recordings_needs_no_espeak(tmp_path: Path) -> None:
    recordings = tmp_path / "hall"
    recordings.mkdir()
    for i, name in enumerate(CLIPS):
        (recordings / f"{name}.wav").write_bytes(_tone(300 + i, 0.2, 16000).to_wav())
    library = ClipLibrary(tmp_path / "cache", recordings, espeak="espeak-ng-not-installed")
    assert announcement_pcm("B012", 12, library=library).seconds > 3
    assert library.build() == []


def test_a_broken_recording_is_a_typed_error(tmp_path: Path, clip_cache) -> None:
    recordings = tmp_path / "hall"
    recordings.mkdir()
    (recordings / "zh_hao.wav").write_bytes(b"not a wav")
    with pytest.raises(VoiceError) as err:
        ClipLibrary(clip_cache, recordings).get("zh_hao")
    assert err.value.code == "bad_clip"


def test_unknown_clip(clips) -> None:
    with pytest.raises(VoiceError) as err:
        clips.get("zh_wan")
    assert err.value.code == "bad_clip"
