"""Offline call announcements: clips joined into one WAV per call, played in order."""

from __future__ import annotations

from .announce import announcement_pcm, announcement_wav, default_library
from .clips import CLIPS, ClipLibrary, ClipSpec
from .numbers import call_clips, en_number, zh_number
from .pcm import Pcm, read_wav
from .queue import Announcement, AnnouncementQueue
from .sinks import FileSink, PlayerSink, Sink

__all__ = [
    "CLIPS",
    "Announcement",
    "AnnouncementQueue",
    "ClipLibrary",
    "ClipSpec",
    "FileSink",
    "Pcm",
    "PlayerSink",
    "Sink",
    "announcement_pcm",
    "announcement_wav",
    "call_clips",
    "default_library",
    "en_number",
    "read_wav",
    "zh_number",
]
