"""Reading a screen or a ticket aloud at a kiosk (large-text mode), offline with espeak-ng.

``EspeakReader.say(text)`` returns at once: speech runs in the background and a new text
interrupts the one being read (a visitor who taps "read aloud" again hears the new screen,
not the end of the old one). ``RecordingReader`` keeps what it was asked to say (tests, and
kiosks without speakers).
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from pathlib import Path
from typing import Protocol

from .errors import VoiceError

log = logging.getLogger(__name__)
MAX_CHARS = 600          # a screen's worth; more would keep an elderly visitor waiting
VOICES = {"zh": "cmn-latn-pinyin", "en": "en"}   # cmn-latn-pinyin reads "A001" as letters and digits


class Reader(Protocol):
    def say(self, text: str, language: str = "zh") -> None: ...

    def stop(self) -> None: ...


class RecordingReader:
    """Keeps every text it was asked to read, in order."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str]] = []
        self.stopped = 0

    def say(self, text: str, language: str = "zh") -> None:
        self.said.append((text[:MAX_CHARS], language))

    def stop(self) -> None:
        self.stopped += 1


class EspeakReader:
    """espeak-ng through the sound card, or into WAV files (``out_dir``, numbered in order)."""

    def __init__(self, *, espeak: str = "espeak-ng", speed_wpm: int = 140, out_dir: str | Path | None = None,
                 timeout_s: float = 60.0) -> None:
        found = shutil.which(espeak)
        if found is None:
            raise VoiceError("espeak_missing", f"{espeak} is not installed (Debian: apt install espeak-ng)")
        self.espeak = found
        self.speed_wpm = speed_wpm
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.timeout_s = timeout_s
        self.written: list[Path] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    def say(self, text: str, language: str = "zh") -> None:
        text = " ".join(text.split())[:MAX_CHARS]
        if not text:
            return
        args = [self.espeak, "-v", VOICES.get(language, VOICES["zh"]), "-s", str(self.speed_wpm)]
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            target = self.out_dir / f"{len(self.written) + 1:04d}.wav"
            args += ["-w", str(target)]
            self.written.append(target)
        with self._lock:
            self._stop_locked()
            try:
                # The text goes on stdin, never on the command line (no option injection).
                self._proc = subprocess.Popen([*args, "--stdin"], stdin=subprocess.PIPE,
                                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                assert self._proc.stdin is not None
                self._proc.stdin.write(text.encode("utf-8"))
                self._proc.stdin.close()
            except OSError as exc:
                raise VoiceError("espeak_failed", f"espeak-ng could not run: {exc}") from exc

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the current text to finish (tests, files); its exit status."""
        with self._lock:
            proc = self._proc
        if proc is None:
            return None
        try:
            return proc.wait(timeout=timeout or self.timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise VoiceError("espeak_failed", "espeak-ng timed out") from exc

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=2)
