"""The clip set announcements are joined from.

Clips are generated once with espeak-ng into a cache directory (Mandarin with the
``cmn-latn-pinyin`` voice, which reads these words correctly where plain ``cmn`` does
not; English with ``en``). A hall replaces any of them with its own recordings by putting
WAV files named ``<clip>.wav`` (see ``CLIPS``) in an override directory. The chime is
synthesised (two bell tones) unless ``chime.wav`` is overridden.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import VoiceError
from .pcm import RATE, Pcm, chime, read_wav, resample, silence, trim

log = logging.getLogger(__name__)

ZH_VOICE = "cmn-latn-pinyin"
EN_VOICE = "en"
ESPEAK_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class ClipSpec:
    """How to generate one clip: espeak-ng voice, text and speed (words per minute)."""

    voice: str
    text: str
    speed: int = 170

    def key(self) -> str:
        return hashlib.sha1(f"{self.voice}|{self.speed}|{self.text}".encode()).hexdigest()[:10]


_ZH_DIGITS = "零一二三四五六七八九"
_EN_WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
             "ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen",
             "seventeen", "eighteen", "nineteen"]
_EN_TENS = {20: "twenty", 30: "thirty", 40: "forty", 50: "fifty", 60: "sixty",
            70: "seventy", 80: "eighty", 90: "ninety"}


def _catalogue() -> dict[str, ClipSpec]:
    clips: dict[str, ClipSpec] = {
        "zh_qing": ClipSpec(ZH_VOICE, "请"),
        "zh_hao": ClipSpec(ZH_VOICE, "号"),
        "zh_dao": ClipSpec(ZH_VOICE, "到"),
        "zh_chuangkou": ClipSpec(ZH_VOICE, "窗口"),
        "zh_banli": ClipSpec(ZH_VOICE, "办理"),
        "zh_shi": ClipSpec(ZH_VOICE, "十"),
        "zh_bai": ClipSpec(ZH_VOICE, "百"),
        "zh_qian": ClipSpec(ZH_VOICE, "千"),
        "en_ticket": ClipSpec(EN_VOICE, "Ticket"),
        "en_please_go_to": ClipSpec(EN_VOICE, "please go to"),
        "en_window": ClipSpec(EN_VOICE, "window"),
        "en_hundred": ClipSpec(EN_VOICE, "hundred"),
        "en_thousand": ClipSpec(EN_VOICE, "thousand"),
    }
    for i, ch in enumerate(_ZH_DIGITS):
        clips[f"zh_{i}"] = ClipSpec(ZH_VOICE, ch)
    for i, word in enumerate(_EN_WORDS):
        clips[f"en_{i}"] = ClipSpec(EN_VOICE, word)
    for value, word in _EN_TENS.items():
        clips[f"en_{value}"] = ClipSpec(EN_VOICE, word)
    for code in range(ord("a"), ord("z") + 1):
        clips[f"letter_{chr(code)}"] = ClipSpec(EN_VOICE, chr(code).upper())
    return clips


CLIPS: dict[str, ClipSpec] = _catalogue()
# Clips that are not speech: the chime, and short silences between words and languages.
SPECIAL = ("chime", "pause")


def default_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "hallq" / "voice"


class ClipLibrary:
    """Clips by name: the hall's override, else the generated cache, else generate now.

    Loaded clips are kept in memory, trimmed of leading and trailing silence and
    converted to 22.05 kHz mono 16-bit. Safe to share between threads.
    """

    def __init__(self, cache_dir: str | Path | None = None,
                 override_dir: str | Path | None = None, *, espeak: str = "espeak-ng",
                 rate: int = RATE, timeout_s: float = ESPEAK_TIMEOUT_S) -> None:
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.override_dir = Path(override_dir) if override_dir else None
        self.espeak = espeak
        self.rate = rate
        self.timeout_s = timeout_s
        self._loaded: dict[str, Pcm] = {}
        self._lock = threading.Lock()

    # -- lookup -------------------------------------------------------------------------

    def override_path(self, name: str) -> Path | None:
        if self.override_dir is None:
            return None
        path = self.override_dir / f"{name}.wav"
        return path if path.is_file() else None

    def cache_path(self, name: str) -> Path:
        return self.cache_dir / f"{name}-{CLIPS[name].key()}.wav"

    def get(self, name: str) -> Pcm:
        """The clip ``name``, ready to join."""
        with self._lock:
            cached = self._loaded.get(name)
        if cached is not None:
            return cached
        pcm = self._load(name)
        with self._lock:
            self._loaded[name] = pcm
        return pcm

    def _load(self, name: str) -> Pcm:
        override = self.override_path(name)
        if override is not None:
            pcm = trim(read_wav(override.read_bytes(), name=str(override)))
            return resample(pcm, self.rate)
        if name == "chime":
            return chime(self.rate)
        if name == "pause":
            return silence(0.15, self.rate)
        if name not in CLIPS:
            raise VoiceError("bad_clip", f"no clip named {name!r}", clip=name)
        path = self.cache_path(name)
        if not path.is_file():
            self._generate(name)
        return resample(trim(read_wav(path.read_bytes(), name=str(path))), self.rate)

    # -- generation ---------------------------------------------------------------------

    def espeak_path(self) -> str:
        found = shutil.which(self.espeak)
        if found is None:
            raise VoiceError("espeak_missing", f"{self.espeak} is not installed (Debian: "
                                               "apt install espeak-ng); or provide recorded "
                                               f"clips in {self.override_dir or 'a clip directory'}")
        return found

    def _generate(self, name: str) -> Path:
        spec = CLIPS[name]
        exe = self.espeak_path()
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        target = self.cache_path(name)
        fd, tmp = tempfile.mkstemp(prefix=f".{name}-", suffix=".wav", dir=self.cache_dir)
        os.close(fd)
        try:
            result = subprocess.run(
                [exe, "-v", spec.voice, "-s", str(spec.speed), "-w", tmp, spec.text],
                capture_output=True, timeout=self.timeout_s, stdin=subprocess.DEVNULL)
            if result.returncode != 0 or os.path.getsize(tmp) < 100:
                raise VoiceError("espeak_failed", f"espeak-ng failed for {name!r}: "
                                 f"{result.stderr.decode(errors='replace').strip()}", clip=name)
            os.replace(tmp, target)  # atomic: a half-written clip is never picked up
        except subprocess.TimeoutExpired as exc:
            raise VoiceError("espeak_failed", f"espeak-ng timed out for {name!r}",
                             clip=name) from exc
        except OSError as exc:
            raise VoiceError("espeak_failed", f"espeak-ng could not run: {exc}") from exc
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
        log.info("generated clip %s", target.name)
        return target

    def build(self, names: list[str] | None = None, *, force: bool = False,
              workers: int = 4) -> list[str]:
        """Generate the missing clips (all, or ``names``) ahead of time; returns the
        names generated. Clips overridden by the hall are skipped."""
        wanted = [n for n in (names or list(CLIPS)) if n in CLIPS]
        todo = [n for n in wanted if self.override_path(n) is None
                and (force or not self.cache_path(n).is_file())]
        if todo:
            self.espeak_path()
            with ThreadPoolExecutor(max_workers=max(workers, 1)) as pool:
                list(pool.map(self._generate, todo))
            with self._lock:
                for name in todo:
                    self._loaded.pop(name, None)
        return todo

    def sources(self) -> dict[str, str]:
        """Where each clip comes from: ``override``, ``cache``, ``missing`` or ``built-in``."""
        out: dict[str, str] = {name: "built-in" for name in SPECIAL}
        if self.override_path("chime"):
            out["chime"] = "override"
        for name in CLIPS:
            if self.override_path(name):
                out[name] = "override"
            elif self.cache_path(name).is_file():
                out[name] = "cache"
            else:
                out[name] = "missing"
        return out
