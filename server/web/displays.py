"""What call displays read besides the snapshot and the live events: their own settings and
the spoken announcement of a call, as a WAV cached on disk.

``GET /api/v1/announcements?number=A001&window=5&lang=zh,en`` answers the chime and the call
in the languages asked, in that order ("请A001号到5号窗口办理", "Ticket A001, please go to
window 5"), built by the voice module from its clip set; a display plays them one after the
other, never two at once.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import FileResponse
from sqlalchemy import select

from .. import engine as eng
from ..api.deps import READERS, DbDep, SettingsDep, require
from ..models import Device, Hall, Window
from ..services.actors import Actor
from ..settings import Settings

log = logging.getLogger(__name__)
router = APIRouter(tags=["displays"])
Reader = Annotated[Actor, Depends(require(*READERS))]

VOICE_LANGUAGES = ("zh", "en")
# Announcements kept on disk; older ones are rebuilt on demand (the clips stay in memory,
# so a rebuild costs milliseconds). ~250 kB each.
CACHE_KEEP = 300
LAYOUTS = ("auto", "landscape", "portrait")

_libraries: dict[tuple[Path, Path | None], Any] = {}
_libraries_lock = threading.Lock()


def _library(settings: Settings) -> Any:
    from hallq.hardware.voice import ClipLibrary

    key = (settings.data_dir / "voice", settings.voice_clips_dir)
    with _libraries_lock:
        lib = _libraries.get(key)
        if lib is None:
            lib = _libraries[key] = ClipLibrary(cache_dir=key[0], override_dir=key[1])
        return lib


def parse_languages(value: str) -> tuple[str, ...]:
    langs = tuple(x.strip().lower() for x in value.split(",") if x.strip())
    if not langs or len(langs) > len(VOICE_LANGUAGES) or len(set(langs)) != len(langs) or any(
            x not in VOICE_LANGUAGES for x in langs):
        raise eng.QueueError("invalid_value", "lang is zh, en, or both in the order to speak them",
                             field="lang")
    return langs


def _prune(folder: Path, keep: int) -> None:
    files = [p for p in folder.glob("*.wav")]
    if len(files) <= keep:
        return
    files.sort(key=lambda p: p.stat().st_mtime)
    for old in files[: len(files) - keep * 5 // 6]:
        old.unlink(missing_ok=True)


def announcement_file(settings: Settings, number: str, window: int, languages: tuple[str, ...]) -> Path:
    """The WAV of one call, from the disk cache or built now and stored atomically."""
    folder = settings.data_dir / "announcements"
    target = folder / f"{number}-{window}-{'_'.join(languages)}.wav"
    if target.is_file():
        return target
    try:
        from hallq.hardware.errors import HardwareError
        from hallq.hardware.voice import announcement_wav
    except ImportError:
        raise eng.QueueError("voice_unavailable", "this installation has no voice module") from None
    try:
        audio = announcement_wav(number, window, languages, library=_library(settings))
    except HardwareError as exc:
        log.warning("announcement %s/%s failed: %s", number, window, exc.message)
        raise eng.QueueError("voice_unavailable", exc.message, reason=exc.code) from None
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".", suffix=".part", dir=folder)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(audio)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    _prune(folder, CACHE_KEEP)
    return target


@router.get("/announcements", response_class=FileResponse,
            responses={200: {"content": {"audio/wav": {}}, "description": "chime and call, one WAV"}})
def announcement(db: DbDep, settings: SettingsDep, _actor: Reader,
                 number: Annotated[str, Query(min_length=2, max_length=10, description="ticket number, e.g. A001")],
                 window: Annotated[int, Query(ge=1, le=9999)],
                 lang: Annotated[str, Query(max_length=10)] = "zh,en") -> FileResponse:
    """The spoken call "ticket ``number`` to ``window``", chime first."""
    try:
        prefix, seq = eng.parse_number(number)
    except eng.QueueError:
        raise eng.QueueError("invalid_value", f"not a ticket number: {number!r}", field="number") from None
    languages = parse_languages(lang)
    digits = number.strip()[len(prefix):]
    with db.read() as s:
        if s.scalar(select(Window.id).where(Window.number == window)) is None:
            raise eng.QueueError("unknown_window", f"no window {window}", window=window, field="window")
    path = announcement_file(settings, f"{prefix}{digits}", window, languages)
    return FileResponse(path, media_type="audio/wav", headers={"Cache-Control": "private, max-age=3600"})


def _display_config(raw: dict[str, Any]) -> dict[str, Any]:
    """The settings a display understands, cleaned: zone, windows, layout, languages, recent."""
    out: dict[str, Any] = {}
    zone = raw.get("zone")
    if isinstance(zone, str) and zone.strip():
        out["zone"] = zone.strip()[:20]
    windows = raw.get("windows")
    if isinstance(windows, str):
        windows = [w for w in windows.split(",") if w.strip()]
    if isinstance(windows, list):
        numbers = []
        for w in windows:
            try:
                numbers.append(int(w))
            except (TypeError, ValueError):
                continue
        if numbers:
            out["windows"] = numbers[:200]
    if raw.get("layout") in LAYOUTS:
        out["layout"] = raw["layout"]
    languages = raw.get("languages")
    if isinstance(languages, list) and languages:
        try:
            out["languages"] = list(parse_languages(",".join(str(x) for x in languages)))
        except eng.QueueError:
            pass
    recent = raw.get("recent")
    if isinstance(recent, int) and 1 <= recent <= 20:
        out["recent"] = recent
    if raw.get("voice") is False:
        out["voice"] = False
    return out


@router.get("/displays/me")
def display_me(db: DbDep, actor: Reader) -> dict[str, Any]:
    """A display's own settings (from its device config) and what it shows of the hall."""
    with db.read() as s:
        device = s.get(Device, actor.device_id) if actor.device_id is not None else None
        hall = s.scalars(select(Hall).order_by(Hall.id).limit(1)).first()
        return {
            "device": {"id": device.id, "name": device.name, "kind": device.kind} if device else None,
            "config": _display_config(device.config or {}) if device else {},
            "hall": {"name_zh": hall.name_zh, "name_en": hall.name_en, "notice_zh": hall.notice_zh,
                     "notice_en": hall.notice_en, "timezone": hall.timezone} if hall else None,
        }
