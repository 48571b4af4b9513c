"""Window actions: the clerk's and the floor manager's buttons."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status

from ..services import snapshots
from ..services import windows as wc
from ..services.actors import Actor
from .catalog import window_dict
from .deps import MANAGERS, READERS, WINDOW_ACTORS, DbDep, NowDep, require, transaction
from .schemas import (
    CallNumberRequest,
    FinishRequest,
    PauseRequest,
    RoutingRequest,
    TicketOut,
    TransferRequest,
    WindowNumber,
)
from .tickets import IdempotencyKey, ticket_out

router = APIRouter(prefix="/windows/{window_number}", tags=["windows"])
WindowActor = Annotated[Actor, Depends(require(*WINDOW_ACTORS))]


@router.post("/call-next", response_model=TicketOut,
             responses={204: {"description": "Nobody is waiting for this window"}})
def call_next(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor,
              idempotency_key: IdempotencyKey = None) -> Any:
    """Call the next ticket by the window's routing policy; 204 when nobody waits. A key
    pressed twice with the same Idempotency-Key calls once."""
    with transaction(request) as s:
        t, _ = wc.call_next(s, window_number, actor=actor, now=now, idempotency_key=idempotency_key)
        out = ticket_out(s, t, now) if t is not None else None
    if out is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    request.app.state.metrics.called(out.queue.code)
    return out


@router.post("/call-number", response_model=TicketOut)
def call_number(window_number: WindowNumber, body: CallNumberRequest, request: Request, now: NowDep, actor: WindowActor,
                idempotency_key: IdempotencyKey = None) -> TicketOut:
    with transaction(request) as s:
        t, _ = wc.call_number(s, window_number, body.number, actor=actor, now=now, idempotency_key=idempotency_key)
        out = ticket_out(s, t, now)
    request.app.state.metrics.called(out.queue.code)
    return out


@router.post("/recall", response_model=TicketOut)
def recall(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor,
           idempotency_key: IdempotencyKey = None) -> TicketOut:
    with transaction(request) as s:
        return ticket_out(s, wc.recall(s, window_number, actor=actor, now=now, idempotency_key=idempotency_key), now)


@router.post("/start", response_model=TicketOut)
def start(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor,
          idempotency_key: IdempotencyKey = None) -> TicketOut:
    with transaction(request) as s:
        return ticket_out(s, wc.start(s, window_number, actor=actor, now=now, idempotency_key=idempotency_key), now)


@router.post("/finish", response_model=TicketOut)
def finish(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor,
           body: FinishRequest | None = None, idempotency_key: IdempotencyKey = None) -> TicketOut:
    with transaction(request) as s:
        t = wc.finish(s, window_number, actor=actor, now=now, case_number=body.case_number if body else None,
                      idempotency_key=idempotency_key)
        return ticket_out(s, t, now)


@router.post("/no-show", response_model=TicketOut)
def no_show(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor,
            idempotency_key: IdempotencyKey = None) -> TicketOut:
    with transaction(request) as s:
        return ticket_out(s, wc.no_show(s, window_number, actor=actor, now=now, idempotency_key=idempotency_key), now)


@router.post("/hold", response_model=TicketOut)
def hold(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor,
         idempotency_key: IdempotencyKey = None) -> TicketOut:
    with transaction(request) as s:
        return ticket_out(s, wc.hold(s, window_number, actor=actor, now=now, idempotency_key=idempotency_key), now)


@router.post("/resume", response_model=TicketOut)
def resume(window_number: WindowNumber, body: CallNumberRequest, request: Request, now: NowDep, actor: WindowActor,
           idempotency_key: IdempotencyKey = None) -> TicketOut:
    with transaction(request) as s:
        return ticket_out(s, wc.resume(s, window_number, body.number, actor=actor, now=now,
                                       idempotency_key=idempotency_key), now)


@router.post("/transfer", response_model=TicketOut)
def transfer(window_number: WindowNumber, body: TransferRequest, request: Request, now: NowDep, actor: WindowActor,
             idempotency_key: IdempotencyKey = None) -> TicketOut:
    """Move the current ticket (or ``number``) to another queue, keeping its number and time."""
    with transaction(request) as s:
        t = wc.transfer(s, window_number, body.queue_id, actor=actor, now=now, number=body.number,
                        idempotency_key=idempotency_key)
        return ticket_out(s, t, now)


@router.post("/open")
def open_window(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor) -> dict[str, Any]:
    with transaction(request) as s:
        return window_dict(wc.open_window(s, window_number, actor=actor, now=now))


@router.post("/pause")
def pause(window_number: WindowNumber, body: PauseRequest, request: Request, now: NowDep, actor: WindowActor) -> dict[str, Any]:
    with transaction(request) as s:
        return window_dict(wc.pause_window(s, window_number, body.reason, actor=actor, now=now))


@router.post("/close")
def close(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor) -> dict[str, Any]:
    with transaction(request) as s:
        return window_dict(wc.close_window(s, window_number, actor=actor, now=now))


@router.put("/routing")
def routing(window_number: WindowNumber, body: RoutingRequest, request: Request, now: NowDep,
            actor: Annotated[Actor, Depends(require(*MANAGERS))]) -> dict[str, Any]:
    """Move a window to other queues (in order of preference), optionally with a policy."""
    with transaction(request) as s:
        return window_dict(wc.set_routing(s, window_number, body.queue_ids, policy=body.policy,
                                          weights=body.weights, actor=actor, now=now))


@router.get("/waiting")
def waiting(window_number: WindowNumber, db: DbDep, _actor: Annotated[Actor, Depends(require(*READERS))]) -> list[dict[str, Any]]:
    """What waits for this window, queue by queue."""
    with db.read() as s:
        return snapshots.window_waiting(s, window_number)


@router.get("/held")
def held(window_number: WindowNumber, db: DbDep, now: NowDep,
         _actor: Annotated[Actor, Depends(require(*READERS))]) -> list[dict[str, Any]]:
    """Tickets this window put on hold, to resume by number."""
    with db.read() as s:
        return snapshots.window_held(s, window_number, now)
