"""好差评 ratings, follow-ups of bad ratings, rating reports, and time-limited cases."""

from __future__ import annotations

from datetime import date as Date
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, status
from pydantic import Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Evaluation, ServiceItem, Staff, Ticket, Window
from ..models.followups import FollowUp
from ..services import cases as cc
from ..services import evaluations as ec
from ..services.actors import Actor, Role
from ..services.appointments import Context
from .deps import MANAGERS, DbDep, NowDep, require, transaction
from .schemas import Body

router = APIRouter(tags=["evaluations"])
Manager = Annotated[Actor, Depends(require(*MANAGERS))]
MAX_ID = 2_147_483_647   # ids beyond a 32-bit integer cannot exist; refused before the database
IdPath = Annotated[int, Path(ge=1, le=MAX_ID)]
Rater = Annotated[Actor, Depends(require(Role.COUNTER, Role.CLERK, *MANAGERS))]


class EvaluationRequest(Body):
    ticket_id: int = Field(ge=1, le=MAX_ID)
    # Range checked by the use case, which answers 422 invalid_value.
    level: int
    reasons: list[Annotated[str, Field(max_length=200)]] = Field(default_factory=list, max_length=20)
    comment: str = Field(default="", max_length=2000)
    channel: Literal["evaluator", "screen"] = "evaluator"


class AssignRequest(Body):
    owner_staff_id: int = Field(ge=1, le=MAX_ID)


class NoteRequest(Body):
    text: str = Field(min_length=1, max_length=1000)


class ResolveRequest(Body):
    resolution: str = Field(min_length=1, max_length=2000)


class CloseCaseRequest(Body):
    note: str = Field(default="", max_length=500)


@router.post("/evaluations", status_code=status.HTTP_201_CREATED)
def record(body: EvaluationRequest, request: Request, now: NowDep, actor: Rater) -> dict[str, Any]:
    """Record the rating of a finished service. The answer does not repeat the level: the
    clerk's screen must not show it."""
    with transaction(request) as s:
        row = ec.record(s, body.ticket_id, body.level, reasons=body.reasons, comment=body.comment,
                        channel=body.channel, actor=actor, now=now)
        return {"id": row.id, "ticket_id": row.ticket_id, "recorded": True}


@router.get("/evaluations/summary")
def summary(db: DbDep, now: NowDep, _actor: Manager,
            by: Literal["window", "staff", "department", "service"] = "window",
            start: Annotated[Date | None, Query(alias="from")] = None,
            end: Annotated[Date | None, Query(alias="to")] = None) -> dict[str, Any]:
    """Ratings per window, clerk (staff number), department or service item between two
    local days (inclusive; the last 30 days by default)."""
    with db.read() as s:
        today = Context.load(s, now).today
        end = end or today
        start = start or end - timedelta(days=29)
        rows = ec.summary(s, start=start, end=end, by=by, now=now)
    total = ec.Tally("all")
    for t in rows:
        for level, n in t.levels.items():
            total.levels[level] += n
    return {"from": start.isoformat(), "to": end.isoformat(), "by": by, "groups": [t.as_dict() for t in rows],
            "total": total.as_dict()}


@router.get("/evaluations")
def list_evaluations(db: DbDep, _actor: Manager, level: Annotated[int | None, Query(ge=1, le=5)] = None,
                     limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[dict[str, Any]]:
    """The latest ratings, newest first (managers only)."""
    with db.read() as s:
        stmt = select(Evaluation).order_by(Evaluation.id.desc()).limit(limit)
        if level is not None:
            stmt = stmt.where(Evaluation.level == level)
        return [evaluation_dict(s, e) for e in s.scalars(stmt)]


def evaluation_dict(s: Session, e: Evaluation) -> dict[str, Any]:
    ticket = s.get(Ticket, e.ticket_id)
    window = s.get(Window, e.window_id) if e.window_id else None
    service = s.get(ServiceItem, e.service_id) if e.service_id else None
    return {"id": e.id, "ticket_id": e.ticket_id, "ticket_number": ticket.number if ticket else None,
            "level": e.level, "level_zh": ec.LEVELS[e.level], "reasons": e.reasons, "comment": e.comment,
            "stage": e.stage, "channel": e.channel, "window_number": window.number if window else None,
            "staff_number": e.staff_number, "service_id": e.service_id,
            "service_name_zh": service.name_zh if service else None, "department_id": e.department_id,
            "accepted_at": e.accepted_at, "completed_at": e.completed_at, "created_at": e.created_at}


def follow_up_dict(s: Session, f: FollowUp, e: Evaluation, now: Any) -> dict[str, Any]:
    owner = s.get(Staff, f.owner_staff_id) if f.owner_staff_id else None
    return {"id": f.id, "status": f.status, "overdue": f.status == "open" and f.deadline < now,
            "opened_at": f.opened_at, "deadline": f.deadline,
            "owner": {"id": owner.id, "display_name": owner.display_name,
                      "staff_number": owner.staff_number} if owner else None,
            "notes": f.notes, "resolution": f.resolution, "resolved_at": f.resolved_at,
            "evaluation": evaluation_dict(s, e)}


@router.get("/follow-ups")
def follow_ups(db: DbDep, now: NowDep, _actor: Manager,
               state: Literal["open", "overdue", "resolved", "all"] = "open") -> list[dict[str, Any]]:
    """Follow-ups of bad ratings; overdue = open past the deadline."""
    with db.read() as s:
        return [follow_up_dict(s, f, e, now) for f, e in ec.follow_ups(s, state=state, now=now)]


@router.get("/follow-ups/{follow_up_id}")
def follow_up(follow_up_id: IdPath, db: DbDep, now: NowDep, _actor: Manager) -> dict[str, Any]:
    with db.read() as s:
        return follow_up_dict(s, *ec.get_follow_up(s, follow_up_id), now)


@router.post("/follow-ups/{follow_up_id}/assign")
def assign(follow_up_id: IdPath, body: AssignRequest, request: Request, now: NowDep, actor: Manager) -> dict[str, Any]:
    with transaction(request) as s:
        ec.assign(s, follow_up_id, body.owner_staff_id, actor=actor, now=now)
        return follow_up_dict(s, *ec.get_follow_up(s, follow_up_id), now)


@router.post("/follow-ups/{follow_up_id}/notes")
def add_note(follow_up_id: IdPath, body: NoteRequest, request: Request, now: NowDep, actor: Manager) -> dict[str, Any]:
    """A call-back note (回访记录)."""
    with transaction(request) as s:
        ec.add_note(s, follow_up_id, body.text, actor=actor, now=now)
        return follow_up_dict(s, *ec.get_follow_up(s, follow_up_id), now)


@router.post("/follow-ups/{follow_up_id}/resolve")
def resolve(follow_up_id: IdPath, body: ResolveRequest, request: Request, now: NowDep, actor: Manager) -> dict[str, Any]:
    with transaction(request) as s:
        ec.resolve(s, follow_up_id, body.resolution, actor=actor, now=now)
        return follow_up_dict(s, *ec.get_follow_up(s, follow_up_id), now)


@router.get("/cases")
def list_cases(db: DbDep, now: NowDep, _actor: Manager,
               state: Literal["approaching", "overdue", "open", "all"] = "all") -> list[dict[str, Any]]:
    """Time-limited cases with their due dates in working days: approaching, overdue, open
    or all (closed ones too)."""
    with db.read() as s:
        return [c.as_dict() for c in cc.cases(s, state=state, now=now)]


@router.get("/cases/{ticket_id}")
def get_case(ticket_id: IdPath, db: DbDep, now: NowDep, _actor: Manager) -> dict[str, Any]:
    with db.read() as s:
        return cc.get_case(s, ticket_id, now=now).as_dict()


@router.post("/cases/{ticket_id}/close")
def close_case(ticket_id: IdPath, request: Request, now: NowDep, actor: Manager,
               body: CloseCaseRequest | None = None) -> dict[str, Any]:
    with transaction(request) as s:
        return cc.close(s, ticket_id, note=body.note if body else "", actor=actor, now=now).as_dict()
