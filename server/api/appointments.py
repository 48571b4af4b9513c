"""Appointments: the public booking API, kiosk check-in, and the booking configuration.

The public routes are limited per client address (bookings, lookups and cancels by code),
and booking per person and phone; the hall can add a verification question
(booking_challenge). The client address is the connection's, which uvicorn takes from
X-Forwarded-For only when a trusted proxy sends it (FORWARDED_ALLOW_IPS), as for sign-in."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import Field
from sqlalchemy.orm import Session

from ..engine import QueueError
from ..models import Appointment, Department, ServiceItem
from ..services import appointments as ac
from ..services import challenge
from ..services.actors import VISITOR, Actor, Role
from ..settings import Settings
from .deps import (
    ISSUERS,
    STAFF,
    Day,
    DbDep,
    NowDep,
    SettingsDep,
    client_address,
    require,
    transaction,
)
from .schemas import Body, IssuedTicket
from .tickets import IdempotencyKey, status_url, ticket_out

router = APIRouter(tags=["appointments"])
Admin = Annotated[Actor, Depends(require(Role.ADMIN))]
MAX_ID = 2_147_483_647   # ids beyond a 32-bit integer cannot exist; refused before the database
LIMITED: dict[int | str, dict[str, Any]] = {
    429: {"description": "rate_limited: past a limit of this address (or person, phone); see Retry-After"}}


class ChallengeAnswer(Body):
    token: str = Field(min_length=1, max_length=200, description="The token of GET /appointments/challenge")
    answer: str | int = Field(description="The answer to its question")


class BookRequest(Body):
    service_id: int = Field(ge=1, le=MAX_ID)
    day: Day
    slot_start: str = Field(pattern=r"^[0-9]{2}:[0-9]{2}$")
    id_number: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=40)
    phone: str = Field(min_length=1, max_length=20)
    challenge: ChallengeAnswer | None = Field(default=None, description="Needed when the hall turns on "
                                              "booking_challenge")


class CheckInRequest(Body):
    code: str | None = Field(default=None, min_length=4, max_length=200)
    id_number: str | None = Field(default=None, min_length=1, max_length=32)


T = TypeVar("T")


def booking_limits(settings: Settings) -> ac.BookingLimits:
    return ac.BookingLimits.of(per_address_per_hour=settings.booking_per_address_per_hour,
                               per_person_per_day=settings.booking_per_person_per_day,
                               per_phone_per_day=settings.booking_per_phone_per_day,
                               lookups_per_minute=settings.booking_lookups_per_minute,
                               misses_per_hour=settings.booking_code_misses_per_hour,
                               lockout_minutes=settings.booking_lockout_minutes)


def by_code_limited(request: Request, settings: Settings, now: datetime, use: Callable[[Session], T]) -> T:
    """Run ``use`` (a lookup or cancel by booking code) under the lookup limits of the client's
    address: the lookup is counted in its own transaction first, committed even when refused
    (a lock-out must outlive the refusal), and a code that was found gives back its place
    among the misses."""
    limits, address = booking_limits(settings), client_address(request)
    with transaction(request) as s:
        refusal = ac.claim_lookup(s, limits, address, now=now)
    if refusal is not None:
        raise refusal
    try:
        with transaction(request) as s:
            result = use(s)
            ac.release_lookup(s, limits, address, now=now)
        return result
    except QueueError as exc:
        if exc.code != "unknown_appointment":   # found, but refused (too late to cancel...): no miss
            with transaction(request) as s:
                ac.release_lookup(s, limits, address, now=now)
        raise


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


@router.get("/appointments/challenge", tags=["public"])
def get_challenge(request: Request, now: NowDep, settings: SettingsDep) -> dict[str, Any]:
    """The verification question booking needs when the hall turns it on (booking_challenge):
    a small sum and a signed token, good once for a few minutes; send both back as
    ``challenge: {token, answer}``. With the question off: ``{"required": false}``."""
    if not settings.booking_challenge:
        return {"required": False}
    return {"required": True, **challenge.issue(request.app.state.secret, now=now).as_dict(now)}


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


@router.post("/appointments", status_code=status.HTTP_201_CREATED, tags=["public"], responses=LIMITED)
def book(body: BookRequest, request: Request, now: NowDep, settings: SettingsDep) -> dict[str, Any]:
    """Book a slot; needs no sign-in. The answer shows the booking code and the URL of its QR.
    Limited per client address, person and phone (rate_limited, 429 with Retry-After); with
    booking_challenge on it needs ``challenge`` (challenge_required, challenge_failed: 422)."""
    secret = request.app.state.secret
    if settings.booking_challenge:
        if body.challenge is None:
            raise QueueError("challenge_required", "answer the verification question of "
                             "GET /api/v1/appointments/challenge", field="challenge")
        # Its own transaction: the token is used up even when the answer is wrong.
        with transaction(request) as s:
            refusal = challenge.redeem(s, secret, body.challenge.token, body.challenge.answer, now=now)
        if refusal is not None:
            raise refusal
    with transaction(request) as s:
        a = ac.book(s, body.service_id, body.day, body.slot_start, id_number=body.id_number, name=body.name,
                    phone=body.phone, secret=secret, actor=VISITOR, now=now, limits=booking_limits(settings),
                    address=client_address(request))
        return appointment_out(s, a, request, settings.public_url, ac.Context.load(s, now))


@router.get("/appointments/{code}", tags=["public"], responses=LIMITED)
def get_appointment(code: str, request: Request, now: NowDep, settings: SettingsDep) -> dict[str, Any]:
    """A booking by its code (masked data only); needs no sign-in. Case, spaces and dashes in
    the code do not matter. Limited per client address; guessing codes locks it out."""
    return by_code_limited(request, settings, now, lambda s: appointment_out(
        s, ac.by_code(s, _code(code)), request, settings.public_url, ac.Context.load(s, now)))


@router.post("/appointments/{code}/cancel", tags=["public"], responses=LIMITED)
def cancel(code: str, request: Request, now: NowDep, settings: SettingsDep) -> dict[str, Any]:
    """Cancel with the booking code, up to the cut-off before the slot; limited like lookups."""
    def run(s: Session) -> dict[str, Any]:
        a = ac.cancel(s, _code(code), actor=VISITOR, now=now)
        return appointment_out(s, a, request, settings.public_url, ac.Context.load(s, now))

    return by_code_limited(request, settings, now, run)


@router.get("/appointments/{code}/qr.svg", tags=["public"], response_class=Response,
            responses={200: {"content": {"image/svg+xml": {}}}, **LIMITED})
def qr_svg(code: str, request: Request, now: NowDep, settings: SettingsDep) -> Response:
    """The booking's QR code (it holds the booking code, which the kiosk's scanner reads)."""
    return Response(_qr(request, settings, now, code, svg=True), media_type="image/svg+xml",
                    headers={"Cache-Control": "private, max-age=86400"})


@router.get("/appointments/{code}/qr.png", tags=["public"], response_class=Response,
            responses={200: {"content": {"image/png": {}}}, **LIMITED})
def qr_png(code: str, request: Request, now: NowDep, settings: SettingsDep) -> Response:
    return Response(_qr(request, settings, now, code, svg=False), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=86400"})


def _code(code: str) -> str:
    """A booking code from the path, folded as a person types it (lower case, spaces, dashes);
    anything that cannot be a booking code is unknown without a lookup (and counts as a miss)."""
    normal = ac.normalize_code(code[:64])
    if len(code) > 64 or not ac.is_code(normal):
        raise QueueError("unknown_appointment", "no booking with this code")
    return normal


def _qr(request: Request, settings: Settings, now: datetime, code: str, *, svg: bool) -> bytes:
    import qrcode
    import qrcode.image.svg

    found = by_code_limited(request, settings, now, lambda s: ac.by_code(s, _code(code)).code)
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=10)
    qr.add_data(found)
    qr.make(fit=True)
    out = io.BytesIO()
    if svg:
        qr.make_image(image_factory=qrcode.image.svg.SvgPathImage).save(out)
    else:
        qr.make_image().save(out)
    return out.getvalue()
