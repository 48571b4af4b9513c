"""Administration over the API: staff accounts and devices."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, status
from sqlalchemy import select

from ..models import Device, Staff
from ..services import accounts
from ..services.actors import Actor, Role
from .deps import DbDep, NowDep, require, transaction
from .schemas import DeviceCreate, IdPath, StaffCreate

router = APIRouter(tags=["admin"])
Admin = Annotated[Actor, Depends(require(Role.ADMIN))]


def staff_dict(x: Staff) -> dict[str, Any]:
    return {"id": x.id, "username": x.username, "display_name": x.display_name, "staff_number": x.staff_number,
            "role": x.role, "active": x.active, "department_id": x.department_id}


def device_dict(d: Device) -> dict[str, Any]:
    return {"id": d.id, "kind": d.kind, "name": d.name, "window_number": d.window_number, "config": d.config,
            "revoked": d.revoked_at is not None, "last_seen_at": d.last_seen_at, "status": d.status}


@router.get("/staff")
def list_staff(db: DbDep, _actor: Admin) -> list[dict[str, Any]]:
    with db.read() as s:
        return [staff_dict(x) for x in s.scalars(select(Staff).order_by(Staff.id))]


@router.post("/staff", status_code=status.HTTP_201_CREATED)
def create_staff(body: StaffCreate, request: Request, now: NowDep, actor: Admin) -> dict[str, Any]:
    with transaction(request) as s:
        return staff_dict(accounts.add_staff(s, body.username, role=body.role, password=body.password, actor=actor,
                                             now=now, display_name=body.display_name,
                                             staff_number=body.staff_number, department_id=body.department_id))


@router.get("/devices")
def list_devices(db: DbDep, _actor: Admin) -> list[dict[str, Any]]:
    with db.read() as s:
        return [device_dict(d) for d in s.scalars(select(Device).order_by(Device.id))]


@router.post("/devices", status_code=status.HTTP_201_CREATED)
def create_device(body: DeviceCreate, request: Request, now: NowDep, actor: Admin) -> dict[str, Any]:
    """Enrol a device; the token is shown once, here."""
    with transaction(request) as s:
        device, token = accounts.add_device(s, body.kind, body.name, actor=actor, now=now,
                                            window_number=body.window_number, config=body.config)
        return {**device_dict(device), "token": token}


@router.post("/devices/{device_id}/revoke")
def revoke_device(device_id: IdPath, request: Request, now: NowDep, actor: Admin) -> dict[str, Any]:
    with transaction(request) as s:
        out = device_dict(accounts.revoke_device(s, device_id, actor=actor, now=now))
    request.app.state.tokens.forget()
    return out
