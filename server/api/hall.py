"""Health, snapshots, statistics and device status."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select, text

from ..engine import QueueError
from ..events import EventType, publish_raw
from ..models import Device
from ..services import snapshots
from ..services.actors import Actor, Role
from .deps import MANAGERS, READERS, STAFF, DbDep, NowDep, require, transaction
from .schemas import DeviceStatusReport

router = APIRouter(tags=["hall"])
Reader = Annotated[Actor, Depends(require(*READERS))]


@router.get("/health", tags=["public"])
def health(request: Request, db: DbDep) -> dict[str, Any]:
    """Liveness and database reachability; needs no sign-in."""
    from hallq import __version__

    ok = True
    try:
        with db.read() as s:
            s.execute(text("SELECT 1"))
    except Exception:
        ok = False
    return {"status": "ok" if ok else "degraded", "database": "ok" if ok else "unreachable",
            "version": __version__, "api": "v1", "hall": getattr(request.app.state, "hall_code", None),
            "events_last_id": request.app.state.hub.last_id}


@router.get("/snapshot")
def snapshot(request: Request, db: DbDep, now: NowDep, _actor: Reader,
             zone: Annotated[str | None, Query(max_length=20)] = None,
             windows: Annotated[str | None, Query(max_length=2000, description="window numbers, comma separated")] = None
             ) -> dict[str, Any]:
    """Every queue and window as they are now, with the event id they are current as of."""
    numbers = _numbers(windows)
    last_id = request.app.state.hub.last_id
    with db.read() as s:
        ws = snapshots.windows(s, now, numbers)
        if zone:
            ws = [w for w in ws if w.zone == zone]
        qs = snapshots.queues(s, now)
    return {"event_id": last_id, "at": now.isoformat(), "queues": [asdict(q) for q in qs],
            "windows": [asdict(w) for w in ws]}


def _numbers(windows: str | None) -> list[int] | None:
    if not windows:
        return None
    try:
        return [int(x) for x in windows.split(",") if x.strip()]
    except ValueError:
        raise QueueError("invalid_value", "windows is a comma-separated list of numbers", field="windows") from None


@router.get("/statistics")
def statistics(db: DbDep, now: NowDep, actor: Annotated[Actor, Depends(require(*STAFF, Role.COUNTER))],
               mine: bool = False) -> dict[str, Any]:
    """Today's counts per queue and department; ``mine`` limits them to the signed-in clerk."""
    with db.read() as s:
        return snapshots.statistics(s, now, staff_id=actor.staff_id if mine else None)


@router.post("/devices/me/status")
def report_status(body: DeviceStatusReport, request: Request, now: NowDep,
                  actor: Annotated[Actor, Depends(require(Role.KIOSK, Role.DISPLAY, Role.COUNTER))]) -> dict[str, Any]:
    """A device reports its health (a kiosk its printer's paper); a change is published."""
    with transaction(request) as s:
        device = s.get(Device, actor.device_id)
        assert device is not None
        new = body.model_dump()
        changed = {k: v for k, v in new.items() if k != "app_version"} != {
            k: v for k, v in (device.status or {}).items() if k not in ("app_version", "at")}
        device.status = {**new, "at": now.isoformat()}
        device.last_seen_at = now
        if changed:
            publish_raw(s, EventType.DEVICE_STATUS.value, {"device": {"id": device.id, "kind": device.kind,
                                                                       "name": device.name}, **new,
                                                            "at": now.isoformat()})
        return {"device_id": device.id, "status": device.status}


@router.get("/devices/status")
def devices_status(db: DbDep, now: NowDep, _actor: Annotated[Actor, Depends(require(*MANAGERS))]) -> list[dict[str, Any]]:
    with db.read() as s:
        out = []
        for d in s.scalars(select(Device).where(Device.revoked_at.is_(None)).order_by(Device.id)):
            seen = int((now - d.last_seen_at).total_seconds()) if d.last_seen_at else None
            out.append({"id": d.id, "kind": d.kind, "name": d.name, "status": d.status,
                        "last_seen_s": seen, "window_number": d.window_number})
        return out


