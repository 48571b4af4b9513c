"""Issuing tickets, their public status, and a manager's ticket actions."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response, status

from ..engine import QueueError
from ..models import Ticket
from ..services import tickets as tc
from ..services.actors import VISITOR, Actor
from .deps import ISSUERS, MANAGERS, STAFF, DbDep, NowDep, SettingsDep, require, write
from .schemas import (
    IdPath,
    IssuedTicket,
    IssueRequest,
    TicketOut,
    TicketStatus,
    TicketTransferRequest,
)
from .views import ticket_out

router = APIRouter(tags=["tickets"])
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=100)]


def status_url(request: Request, public_url: str | None, token: str) -> str:
    base = (public_url or str(request.base_url)).rstrip("/")
    return f"{base}/t/{token}"


@router.post("/tickets", status_code=status.HTTP_201_CREATED, response_model=IssuedTicket,
             responses={200: {"description": "A retry with the same Idempotency-Key: the same ticket"}})
async def issue(body: IssueRequest, request: Request, response: Response, now: NowDep, settings: SettingsDep,
                actor: Annotated[Actor, Depends(require(*ISSUERS))],
                idempotency_key: IdempotencyKey = None) -> IssuedTicket:
    """Take a number for a service item. A retry with the same Idempotency-Key returns the
    first ticket (status 200) and never makes a second one."""
    done = await write(request, "issue", actor, now, service_id=body.service_id, priority=body.priority,
                       id_number=body.id_number, phone=body.phone, idempotency_key=idempotency_key)
    ticket = done["ticket"]
    if done["replayed"]:
        response.status_code = status.HTTP_200_OK
    else:
        request.app.state.metrics.issued(ticket["queue"]["code"])
    return IssuedTicket(**ticket, status_url=status_url(request, settings.public_url, done["token"]),
                        token=done["token"], replayed=done["replayed"])


@router.get("/tickets/status/{token}", response_model=TicketStatus, tags=["public"])
def public_status(token: str, db: DbDep, now: NowDep) -> TicketStatus:
    """The status page behind a ticket's QR code; needs no sign-in and shows only this ticket."""
    if len(token) > 64:
        raise QueueError("unknown_ticket", "no such ticket")
    with db.read() as s:
        t = tc.by_token(s, token)
        out = ticket_out(s, t, now)
        return TicketStatus(number=t.number, status=t.status, queue_name_zh=out.queue.name_zh,
                            queue_name_en=out.queue.name_en, issued_at=t.issued_at, ahead=out.ahead,
                            estimated_wait_s=out.estimated_wait_s,
                            window=out.window if t.status in ("called", "serving") else None,
                            called_at=t.called_at)


@router.get("/tickets", response_model=list[TicketOut])
def find(db: DbDep, now: NowDep, _actor: Annotated[Actor, Depends(require(*STAFF))],
         number: Annotated[str, Query(min_length=2, max_length=10)]) -> list[TicketOut]:
    """Today's ticket with this number."""
    with db.read() as s:
        return [ticket_out(s, tc.by_number(s, number, now), now)]


@router.get("/tickets/{ticket_id}", response_model=TicketOut)
def get_ticket(ticket_id: IdPath, db: DbDep, now: NowDep, _actor: Annotated[Actor, Depends(require(*STAFF))]) -> TicketOut:
    with db.read() as s:
        t = s.get(Ticket, ticket_id)
        if t is None:
            raise QueueError("unknown_ticket", f"no ticket {ticket_id}")
        return ticket_out(s, t, now)


@router.post("/tickets/{ticket_id}/cancel", response_model=TicketOut)
async def cancel(ticket_id: IdPath, request: Request, now: NowDep,
                 actor: Annotated[Actor, Depends(require(*MANAGERS))]) -> Any:
    return (await write(request, "ticket_cancel", actor, now, ticket_id=ticket_id))["ticket"]


@router.post("/tickets/status/{token}/cancel", response_model=TicketStatus, tags=["public"])
async def cancel_own(token: str, request: Request, db: DbDep, now: NowDep) -> TicketStatus:
    """A visitor gives up their own ticket from its status page."""
    await write(request, "ticket_cancel_own", VISITOR, now, token=token[:64])
    return await asyncio.to_thread(public_status, token, db, now)


@router.post("/tickets/{ticket_id}/reactivate", response_model=TicketOut)
async def reactivate(ticket_id: IdPath, request: Request, now: NowDep,
                     actor: Annotated[Actor, Depends(require(*STAFF))]) -> Any:
    return (await write(request, "ticket_reactivate", actor, now, ticket_id=ticket_id))["ticket"]


@router.post("/tickets/{ticket_id}/transfer", response_model=TicketOut)
async def transfer(ticket_id: IdPath, body: TicketTransferRequest, request: Request, now: NowDep,
                   actor: Annotated[Actor, Depends(require(*MANAGERS))]) -> Any:
    return (await write(request, "ticket_transfer", actor, now, ticket_id=ticket_id, queue_id=body.queue_id))["ticket"]

