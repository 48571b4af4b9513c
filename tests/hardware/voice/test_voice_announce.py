"""Announcements: one WAV per call, and a queue that plays them in order, in full."""

from __future__ import annotations

import io
import threading
import time
import wave
from pathlib import Path

import pytest
from hallq.hardware.errors import VoiceError
from hallq.hardware.voice import (
    Announcement,
    AnnouncementQueue,
    FileSink,
    PlayerSink,
    announcement_pcm,
    announcement_wav,
    read_wav,
)
from hallq.hardware.voice.announce import AFTER_CHIME_S, LANGUAGE_GAP_S, TAIL_S
from hallq.hardware.voice.pcm import chime, peak

pytestmark = pytest.mark.timeout(60)


def _check_call(pcm, clips) -> None:
    """Starts with the whole chime, then a pause, then speech."""
    bell = chime(pcm.rate)
    assert pcm.samples[:len(bell.samples)] == bell.samples
    after = bell.seconds
    assert peak(pcm, after + 0.01, after + AFTER_CHIME_S - 0.01) == 0
    assert peak(pcm, after + AFTER_CHIME_S, pcm.seconds) > 3000


def test_announcement_wav_is_chime_then_speech(clips) -> None:
    wav = announcement_wav("A001", 5, library=clips)
    with wave.open(io.BytesIO(wav)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
    pcm = read_wav(wav)
    _check_call(pcm, clips)


def test_each_language_adds_its_sentence(clips) -> None:
    both = announcement_pcm("A001", 5, ("zh", "en"), library=clips).seconds
    zh = announcement_pcm("A001", 5, ("zh",), library=clips).seconds
    en = announcement_pcm("A001", 5, ("en",), library=clips).seconds
    assert 2.0 < zh < both and 2.0 < en < both
    shared = chime().seconds + AFTER_CHIME_S + TAIL_S  # said once, not per language
    assert both == pytest.approx(zh + en - shared + LANGUAGE_GAP_S, abs=0.01)


def test_a_longer_window_number_takes_longer(clips) -> None:
    assert announcement_pcm("A001", 5, ("zh",), library=clips).seconds < \
        announcement_pcm("A001", 115, ("zh",), library=clips).seconds


def test_two_calls_a_second_apart_are_both_written_whole_and_in_order(tmp_path: Path,
                                                                      clips) -> None:
    sink = FileSink(tmp_path / "calls")
    with AnnouncementQueue(sink, library=clips) as queue:
        first = queue.announce("A001", 5)
        time.sleep(1.0)
        second = queue.announce("A002", 6)
        assert queue.join(30)
    assert [p.name for p in sink.paths] == ["0001-A001-w5.wav", "0002-A002-w6.wav"]
    assert queue.done == [first, second]
    for path, (number, window) in zip(sink.paths, [("A001", 5), ("A002", 6)], strict=True):
        pcm = read_wav(path.read_bytes())
        expected = announcement_pcm(number, window, library=clips)
        assert pcm.samples == expected.samples  # complete, not cut off
        _check_call(pcm, clips)


class SlowSink:
    """A sink that takes time to play, like speakers do, and records when it played."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.log: list[tuple[str, int]] = []
        self.lock = threading.Lock()

    def play(self, wav: bytes, announcement: Announcement) -> None:
        with self.lock:
            self.log.append(("start", announcement.seq))
        time.sleep(self.seconds)
        with self.lock:
            self.log.append(("end", announcement.seq))


def test_a_call_made_while_another_plays_waits_for_it(clips) -> None:
    sink = SlowSink(0.4)
    queue = AnnouncementQueue(sink, library=clips)
    queue.announce("A001", 5)
    queue.announce("A002", 6)
    queue.announce("A003", 7)
    assert queue.pending() >= 2  # announce() returned at once
    queue.close(30)
    assert sink.log == [("start", 1), ("end", 1), ("start", 2), ("end", 2), ("start", 3),
                        ("end", 3)]


def test_unreadable_numbers_fail_at_once_and_a_closed_queue_refuses(tmp_path, clips) -> None:
    queue = AnnouncementQueue(FileSink(tmp_path), library=clips)
    with pytest.raises(VoiceError) as err:
        queue.announce("A00?", 5)
    assert err.value.code == "bad_number"
    queue.close()
    with pytest.raises(VoiceError) as err:
        queue.announce("A001", 5)
    assert err.value.code == "closed"


class FailingSink:
    def __init__(self) -> None:
        self.played: list[int] = []

    def play(self, wav: bytes, announcement: Announcement) -> None:
        if announcement.seq == 1:
            raise VoiceError("player_failed", "speaker unplugged")
        self.played.append(announcement.seq)


def test_a_failed_announcement_is_reported_and_the_next_still_plays(clips) -> None:
    sink = FailingSink()
    errors: list[str] = []
    with AnnouncementQueue(sink, library=clips, on_error=lambda a, e: errors.append(e.code)) as q:
        q.announce("A001", 5)
        q.announce("A002", 5)
    assert errors == ["player_failed"]
    assert sink.played == [2]
    assert [a.seq for a, _ in q.failed] == [1]


def test_player_sink_without_a_player_is_a_typed_error() -> None:
    with pytest.raises(VoiceError) as err:
        PlayerSink("no-such-audio-player")
    assert err.value.code == "player_missing"
