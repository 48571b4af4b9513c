"""A visitor at a kiosk asks for the floor staff ("help me"): published as a live event the
floor's screens and phones listen for, and kept in the audit log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from ..events import publish_raw
from ..models import AuditEntry, Device
from ..services.actors import Actor, Role
from .deps import NowDep, require, transaction
from .schemas import Body

router = APIRouter(tags=["hall"])
HELP_REQUESTED = "help.requested"


class HelpRequest(Body):
    reason: Literal["help", "elder"] = "help"       # elder: asked from large-text mode
    screen: str = Field(default="", max_length=40)   # where the visitor got stuck


@router.post("/help")
def call_help(body: HelpRequest, request: Request, now: NowDep,
              actor: Annotated[Actor, Depends(require(Role.KIOSK))]) -> dict[str, Any]:
    """Call the floor staff to this kiosk; the event names the kiosk and its screen."""
    with transaction(request) as s:
        device = s.get(Device, actor.device_id)
        assert device is not None
        where = {"id": device.id, "kind": device.kind, "name": device.name}
        s.add(AuditEntry(at=now, actor_kind=actor.kind, actor_id=actor.id, action="help.requested",
                         target=f"device:{device.id}", detail={"reason": body.reason, "screen": body.screen}))
        publish_raw(s, HELP_REQUESTED, {"device": where, "reason": body.reason, "screen": body.screen,
                                        "at": now.isoformat()})
    return {"requested": True, "device": where, "at": now.isoformat()}
