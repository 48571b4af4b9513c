"""Appointments: the public booking API, kiosk check-in, and the booking configuration."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import Field
from sqlalchemy.orm import Session

from ..engine import QueueError
from ..models import Appointment, Department, ServiceItem
from ..services import appointments as ac
from ..services.actors import VISITOR, Actor, Role
from .deps import ISSUERS, STAFF, Day, DbDep, NowDep, SettingsDep, require, transaction
from .schemas import Body, IssuedTicket
from .tickets import IdempotencyKey, status_url, ticket_out

router = APIRouter(tags=["appointments"])
Admin = Annotated[Actor, Depends(require(Role.ADMIN))]
MAX_ID = 2_147_483_647   # ids beyond a 32-bit integer cannot exist; refused before the database


class BookRequest(Body):
    service_id: int = Field(ge=1, le=MAX_ID)
    day: Day
    slot_start: str = Field(pattern=r"^[0-9]{2}:[0-9]{2}$")
    id_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=40)
    phone: str = Field(min_length=1, max_length=20)


class CheckInRequest(Body):
    code: str | None = Field(default=None, min_length=4, max_length=200)
    id_number: str | None = Field(default=None, min_length=1, max_length=32)


def service_brief(s: Session, x: ServiceItem) -> dict[str, Any]:
    dept = s.get(Department, x.department_id)
    return {"id": x.id, "code": x.code, "name_zh": x.name_zh, "name_en": x.name_en,
            "department": {"id": dept.id, "name_zh": dept.name_zh, "name_en": dept.name_en,
                           "floor": dept.floor, "zone": dept.zone} if dept else None}


def _base(request: Request, public_url: str | None) -> str:
    return (public_url or str(request.base_url)).rstrip("/")


def appointment_out(s: Session, a: Appointment, request: Request, public_url: str | None,
                    ctx: ac.Context) -> dict[str, Any]:
    """What the visitor may see of a booking: masked identity only."""
    service = s.get(ServiceItem, a.service_id)
    assert service is not None
    start = ctx.at(a.day, a.slot_start)
    return {
        "code": a.code, "day": a.day.isoformat(), "slot_start": a.slot_start.strftime("%H:%M"),
        "slot_end": a.slot_end.strftime("%H:%M"), "service": service_brief(s, service),
        "qr_url": f"{_base(request, public_url)}/api/v1/appointments/{a.code}/qr.svg", "status": a.status,
        "name_masked": a.name_masked, "id_masked": a.id_masked, "phone_masked": a.phone_masked,
        "cancel_until": (start - timedelta(minutes=ctx.config.cancel_cutoff_min)).isoformat(),
        "check_in_from": (start - timedelta(minutes=ctx.config.check_in_early_min)).isoformat(),
        "check_in_until": (start + timedelta(minutes=ctx.config.check_in_late_min)).isoformat(),
    }


@router.get("/appointments/bookable", tags=["public"])
def bookable(db: DbDep, now: NowDep) -> dict[str, Any]:
    """Services that take bookings and the days that can be booked; needs no sign-in."""
    with db.read() as s:
        found = ac.bookable(s, now=now)
        return {"days": [d.isoformat() for d in found["days"]],
                "services": [service_brief(s, x) for x in found["services"]], "rules": found["rules"]}


@router.get("/appointments/slots", tags=["public"])
def slots(db: DbDep, now: NowDep, service_id: Annotated[int, Query(ge=1, le=MAX_ID)], day: Day) -> list[dict[str, Any]]:
    """A day's slots of a service with their seats; empty when the day cannot be booked."""
    with db.read() as s:
        return [v.as_dict() for v in ac.slots(s, service_id, day, now=now)]


@router.get("/appointments/config")
def get_config(db: DbDep, _actor: Admin) -> dict[str, Any]:
    with db.read() as s:
        return ac.load_config(s).as_dict()


@router.put("/appointments/config")
def put_config(body: dict[str, Any], request: Request, now: NowDep, actor: Admin) -> dict[str, Any]:
    """Replace the booking configuration (services by code, slots, horizon, cut-off, no-show
    rule, check-in window, follow-up and evaluation settings, holidays)."""
    with transaction(request) as s:
        return ac.save_config(s, body, actor=actor, now=now).as_dict()


@router.post("/appointments/check-in", status_code=status.HTTP_201_CREATED, response_model=IssuedTicket,
             responses={200: {"description": "A retry with the same Idempotency-Key: the same ticket"}})
def check_in(body: CheckInRequest, request: Request, response: Response, now: NowDep, settings: SettingsDep,
             actor: Annotated[Actor, Depends(require(*ISSUERS))],
             idempotency_key: IdempotencyKey = None) -> IssuedTicket:
    """At the kiosk: a booking code (or the QR's text) or an ID number gives an
    appointment-priority ticket within the slot's check-in window."""
    with transaction(request) as s:
        t, replayed = ac.check_in(s, code=body.code, id_number=body.id_number, actor=actor, now=now,
                                  secret=request.app.state.secret, idempotency_key=idempotency_key)
        out = ticket_out(s, t, now)
    if replayed:
        response.status_code = status.HTTP_200_OK
    else:
        request.app.state.metrics.issued(out.queue.code)
    return IssuedTicket(**out.model_dump(), status_url=status_url(request, settings.public_url, t.token),
                        token=t.token, replayed=replayed)


@router.get("/appointments")
def day_list(db: DbDep, now: NowDep, _actor: Annotated[Actor, Depends(require(*STAFF))],
             day: Day | None = None) -> list[dict[str, Any]]:
    """A day's bookings (today by default), for staff: masked identity only."""
    with db.read() as s:
        ctx = ac.Context.load(s, now)
        rows = ac.day_list(s, day or ctx.today)
        return [{"id": a.id, "code": a.code, "service_id": a.service_id, "day": a.day.isoformat(),
                 "slot_start": a.slot_start.strftime("%H:%M"), "slot_end": a.slot_end.strftime("%H:%M"),
                 "status": a.status, "name_masked": a.name_masked, "id_masked": a.id_masked,
                 "ticket_id": a.ticket_id} for a in rows]


@router.post("/appointments", status_code=status.HTTP_201_CREATED, tags=["public"])
def book(body: BookRequest, request: Request, now: NowDep, settings: SettingsDep) -> dict[str, Any]:
    """Book a slot; needs no sign-in. The answer shows the booking code and the URL of its QR."""
    with transaction(request) as s:
        a = ac.book(s, body.service_id, body.day, body.slot_start, id_number=body.id_number, name=body.name,
                    phone=body.phone, secret=request.app.state.secret, actor=VISITOR, now=now)
        return appointment_out(s, a, request, settings.public_url, ac.Context.load(s, now))


@router.get("/appointments/{code}", tags=["public"])
def get_appointment(code: str, request: Request, db: DbDep,
                    now: NowDep, settings: SettingsDep) -> dict[str, Any]:
    """A booking by its code (masked data only); needs no sign-in."""
    with db.read() as s:
        return appointment_out(s, ac.by_code(s, _code(code)), request, settings.public_url, ac.Context.load(s, now))


@router.post("/appointments/{code}/cancel", tags=["public"])
def cancel(code: str, request: Request, now: NowDep, settings: SettingsDep) -> dict[str, Any]:
    """Cancel with the booking code, up to the cut-off before the slot."""
    with transaction(request) as s:
        a = ac.cancel(s, _code(code), actor=VISITOR, now=now)
        return appointment_out(s, a, request, settings.public_url, ac.Context.load(s, now))


@router.get("/appointments/{code}/qr.svg", tags=["public"], response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}})
def qr_svg(code: str, db: DbDep) -> Response:
    """The booking's QR code (it holds the booking code, which the kiosk's scanner reads)."""
    return Response(_qr(db, code, svg=True), media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=86400"})


@router.get("/appointments/{code}/qr.png", tags=["public"], response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def qr_png(code: str, db: DbDep) -> Response:
    return Response(_qr(db, code, svg=False), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=86400"})


def _code(code: str) -> str:
    if len(code) > 20:
        raise QueueError("unknown_appointment", "no booking with this code")
    return code


def _qr(db: Any, code: str, *, svg: bool) -> bytes:
    import qrcode
    import qrcode.image.svg

    with db.read() as s:
        found = ac.by_code(s, _code(code)).code
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=10)
    qr.add_data(found)
    qr.make(fit=True)
    out = io.BytesIO()
    if svg:
        qr.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(out)
    else:
        qr.make_image().save(out)
    return out.getvalue()
