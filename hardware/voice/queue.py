"""Announcements strictly in order, one at a time: a second call made while the first is
still playing waits for it, so both are heard in full."""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..errors import VoiceError
from .announce import announcement_wav
from .clips import ClipLibrary
from .numbers import LANGUAGES, call_clips
from .sinks import Sink

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Announcement:
    """One call to announce; ``seq`` numbers announcements in the order they were made."""

    seq: int
    number: str
    window: int | str
    languages: tuple[str, ...]


class AnnouncementQueue:
    """A worker thread that builds each announcement and hands it to ``sink``, waiting
    for the sink to finish before the next. ``announce()`` returns at once."""

    def __init__(self, sink: Sink, *, library: ClipLibrary | None = None,
                 languages: Sequence[str] = LANGUAGES, max_pending: int = 100,
                 on_error: Callable[[Announcement, VoiceError], None] | None = None) -> None:
        self.sink = sink
        self.library = library
        self.languages = tuple(languages)
        self.max_pending = max_pending
        self.on_error = on_error
        self.done: list[Announcement] = []
        self.failed: list[tuple[Announcement, VoiceError]] = []
        self._pending: deque[Announcement] = deque()
        self._cond = threading.Condition()
        self._seq = 0
        self._busy = False
        self._closed = False
        self._thread = threading.Thread(target=self._run, name="announcements", daemon=True)
        self._thread.start()

    def announce(self, number: str, window: int | str,
                 languages: Sequence[str] | None = None) -> Announcement:
        """Queue a call; raises ``VoiceError`` at once for a number that cannot be read."""
        langs = tuple(languages) if languages is not None else self.languages
        for language in langs:
            call_clips(number, window, language)  # validate now, not on the worker
        with self._cond:
            if self._closed:
                raise VoiceError("closed", "the announcement queue is closed")
            if len(self._pending) >= self.max_pending:
                dropped = self._pending.popleft()  # a flood must not delay calls for minutes
                log.warning("announcement queue full: dropped %s", dropped)
            self._seq += 1
            item = Announcement(self._seq, number, window, langs)
            self._pending.append(item)
            self._cond.notify_all()
        return item

    def pending(self) -> int:
        with self._cond:
            return len(self._pending) + (1 if self._busy else 0)

    def join(self, timeout: float = 30.0) -> bool:
        """Wait until everything queued has been played; False on timeout."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and not self._busy, timeout)

    def close(self, timeout: float = 30.0) -> None:
        """Play what is queued, then stop."""
        self.join(timeout)
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._thread.join(timeout=5)

    def __enter__(self) -> AnnouncementQueue:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._pending or self._closed)
                if not self._pending:
                    return
                item = self._pending.popleft()
                self._busy = True
            try:
                wav = announcement_wav(item.number, item.window, item.languages,
                                       library=self.library)
                self.sink.play(wav, item)
                self.done.append(item)
            except VoiceError as exc:
                log.error("announcement %s failed: %s", item, exc.message)
                self.failed.append((item, exc))
                if self.on_error is not None:
                    self.on_error(item, exc)
            except Exception as exc:  # a sink bug must not silence the hall
                log.exception("announcement %s failed", item)
                self.failed.append((item, VoiceError("player_failed", str(exc))))
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()
