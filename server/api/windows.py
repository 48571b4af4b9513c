"""Window actions: the clerk's and the floor manager's buttons."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status

from ..services import snapshots
from ..services.actors import Actor
from .deps import MANAGERS, READERS, WINDOW_ACTORS, DbDep, NowDep, require, write
from .schemas import (
    CallNumberRequest,
    FinishRequest,
    PauseRequest,
    RoutingRequest,
    TicketOut,
    TransferRequest,
    WindowNumber,
)
from .tickets import IdempotencyKey

router = APIRouter(prefix="/windows/{window_number}", tags=["windows"])
WindowActor = Annotated[Actor, Depends(require(*WINDOW_ACTORS))]


@router.post("/call-next", response_model=TicketOut,
             responses={204: {"description": "Nobody is waiting for this window"}})
async def call_next(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor,
                    idempotency_key: IdempotencyKey = None) -> Any:
    """Call the next ticket by the window's routing policy; 204 when nobody waits. A key
    pressed twice with the same Idempotency-Key calls once."""
    done = await write(request, "call_next", actor, now, window=window_number, idempotency_key=idempotency_key)
    ticket = done["ticket"]
    if ticket is None:
        return Response(status_code=status.HTTP_204_NO_CONTENT)
    request.app.state.metrics.called(ticket["queue"]["code"])
    return ticket


@router.post("/call-number", response_model=TicketOut)
async def call_number(window_number: WindowNumber, body: CallNumberRequest, request: Request, now: NowDep,
                      actor: WindowActor, idempotency_key: IdempotencyKey = None) -> Any:
    done = await write(request, "call_number", actor, now, window=window_number, number=body.number,
                       idempotency_key=idempotency_key)
    request.app.state.metrics.called(done["ticket"]["queue"]["code"])
    return done["ticket"]


async def _act(request: Request, name: str, window_number: int, actor: Actor, now: Any,
               idempotency_key: str | None, **args: Any) -> Any:
    done = await write(request, name, actor, now, window=window_number, idempotency_key=idempotency_key, **args)
    return done["ticket"]


@router.post("/recall", response_model=TicketOut)
async def recall(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor,
                 idempotency_key: IdempotencyKey = None) -> Any:
    return await _act(request, "recall", window_number, actor, now, idempotency_key)


@router.post("/start", response_model=TicketOut)
async def start(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor,
                idempotency_key: IdempotencyKey = None) -> Any:
    return await _act(request, "start", window_number, actor, now, idempotency_key)


@router.post("/finish", response_model=TicketOut)
async def finish(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor,
                 body: FinishRequest | None = None, idempotency_key: IdempotencyKey = None) -> Any:
    return await _act(request, "finish", window_number, actor, now, idempotency_key,
                      case_number=body.case_number if body else None)


@router.post("/no-show", response_model=TicketOut)
async def no_show(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor,
                  idempotency_key: IdempotencyKey = None) -> Any:
    return await _act(request, "no_show", window_number, actor, now, idempotency_key)


@router.post("/hold", response_model=TicketOut)
async def hold(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor,
               idempotency_key: IdempotencyKey = None) -> Any:
    return await _act(request, "hold", window_number, actor, now, idempotency_key)


@router.post("/resume", response_model=TicketOut)
async def resume(window_number: WindowNumber, body: CallNumberRequest, request: Request, now: NowDep,
                 actor: WindowActor, idempotency_key: IdempotencyKey = None) -> Any:
    return await _act(request, "resume", window_number, actor, now, idempotency_key, number=body.number)


@router.post("/transfer", response_model=TicketOut)
async def transfer(window_number: WindowNumber, body: TransferRequest, request: Request, now: NowDep,
                   actor: WindowActor, idempotency_key: IdempotencyKey = None) -> Any:
    """Move the current ticket (or ``number``) to another queue, keeping its number and time."""
    return await _act(request, "transfer", window_number, actor, now, idempotency_key, queue_id=body.queue_id,
                      number=body.number)


@router.post("/open")
async def open_window(window_number: WindowNumber, request: Request, now: NowDep,
                      actor: WindowActor) -> dict[str, Any]:
    return (await write(request, "window_open", actor, now, window=window_number))["window"]  # type: ignore[no-any-return]


@router.post("/pause")
async def pause(window_number: WindowNumber, body: PauseRequest, request: Request, now: NowDep,
                actor: WindowActor) -> dict[str, Any]:
    return (await write(request, "window_pause", actor, now, window=window_number,  # type: ignore[no-any-return]
                        reason=body.reason))["window"]


@router.post("/close")
async def close(window_number: WindowNumber, request: Request, now: NowDep, actor: WindowActor) -> dict[str, Any]:
    return (await write(request, "window_close", actor, now, window=window_number))["window"]  # type: ignore[no-any-return]


@router.put("/routing")
async def routing(window_number: WindowNumber, body: RoutingRequest, request: Request, now: NowDep,
                  actor: Annotated[Actor, Depends(require(*MANAGERS))]) -> dict[str, Any]:
    """Move a window to other queues (in order of preference), optionally with a policy."""
    return (await write(request, "window_routing", actor, now, window=window_number,  # type: ignore[no-any-return]
                        queue_ids=body.queue_ids, policy=body.policy, weights=body.weights))["window"]


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
