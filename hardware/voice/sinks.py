"""Where announcements go: files in a directory, or the speakers through aplay/paplay.

A sink's ``play()`` returns only when the announcement has been fully played (or
written): that is what lets the queue guarantee one call is never cut off by the next.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import wave
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from ..errors import VoiceError

if TYPE_CHECKING:
    from .queue import Announcement


class Sink(Protocol):
    """Plays (or stores) one announcement, blocking until it is done."""

    def play(self, wav: bytes, announcement: Announcement) -> None: ...


def wav_seconds(wav: bytes) -> float:
    with wave.open(BytesIO(wav), "rb") as w:
        return w.getnframes() / w.getframerate()


class FileSink:
    """Writes ``0001-A001-w5.wav``, ``0002-...`` into ``directory``, in call order."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.paths: list[Path] = []
        self._lock = threading.Lock()

    def play(self, wav: bytes, announcement: Announcement) -> None:
        safe = re.sub(r"[^A-Za-z0-9]+", "", announcement.number) or "ticket"
        window = re.sub(r"[^A-Za-z0-9]+", "", str(announcement.window)) or "x"
        with self._lock:
            path = self.directory / f"{announcement.seq:04d}-{safe}-w{window}.wav"
            tmp = path.with_suffix(".part")
            tmp.write_bytes(wav)
            tmp.replace(path)  # a reader never sees half a file
            self.paths.append(path)


class PlayerSink:
    """Plays through ``aplay`` (ALSA) or ``paplay`` (PulseAudio/PipeWire), whichever is
    installed (or ``player``), waiting for the end of each announcement."""

    PLAYERS = {"aplay": ["aplay", "-q", "-"], "paplay": ["paplay"]}

    def __init__(self, player: str | None = None, *, extra_timeout_s: float = 5.0) -> None:
        self.command = self._find(player)
        self.extra_timeout_s = extra_timeout_s

    def _find(self, player: str | None) -> list[str]:
        names = [player] if player else list(self.PLAYERS)
        for name in names:
            if shutil.which(name):
                return self.PLAYERS.get(name, [name])
        raise VoiceError("player_missing", f"none of {', '.join(names)} is installed "
                                           "(Debian: alsa-utils or pulseaudio-utils)")

    def play(self, wav: bytes, announcement: Announcement) -> None:
        timeout = wav_seconds(wav) + self.extra_timeout_s
        try:
            result = subprocess.run(self.command, input=wav, capture_output=True,
                                    timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            raise VoiceError("player_failed", f"{self.command[0]} did not finish in "
                                              f"{timeout:.0f}s") from exc
        except OSError as exc:
            raise VoiceError("player_failed", f"{self.command[0]}: {exc}") from exc
        if result.returncode != 0:
            raise VoiceError("player_failed", f"{self.command[0]} failed: "
                             f"{result.stderr.decode(errors='replace').strip()}")
