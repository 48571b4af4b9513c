"""Appointments (预约): booking a slot, cancelling it, checking in at the kiosk, missed bookings.

Rules (all in the hall's booking configuration): which services take bookings, the slots of
a day and their capacities, the horizon of bookable working days, one live booking per
person per day (by a keyed hash of the ID number; only the masked number is kept), a
cancellation cut-off, a no-show rule that blocks booking after repeated misses, and the
window around a slot's start in which the visitor may check in. Checking in issues an
appointment-priority ticket through the ordinary issuing use case.

The public side is limited against scripts (``BookingLimits``): bookings per address, per
person and per phone, and lookups of booking codes per address, with a lock-out for an
address that guesses codes.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from typing import Any

from pydantic import ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hallq.identifiers import (
    check_id_number,
    check_phone,
    mask_id_number,
    mask_name,
    mask_phone,
    person_hash,
)

from .. import engine as eng
from ..engine import QueueError
from ..models import Appointment, AuditEntry, Hall, ServiceItem, Ticket
from ..models.appointment_config import AppointmentConfig, AppointmentSlot
from ..values import NoNul
from . import idempotency
from . import limits as limit_counts
from .actors import Actor
from .hall import get_hall, hall_rules
from .limits import Limit
from .sql import insert
from .tickets import issue_ticket
from .workdays import Calendar, local_date, local_datetime, parse_hhmm

# Booking codes: 8 characters without 0/O, 1/I/L, so they can be read out and typed. 31^8 is
# about 8.5e11 codes. A hall has at most some 10^4 live bookings (5 working days of a large
# centre), so one guess in 8.5e7 finds one; the lookup limits let an address miss about 20
# times an hour (booking_code_misses_per_hour, then a lock-out), some 500 guesses a day:
# one address would need about 170,000 days, a thousand addresses working together half a
# year, for one booking, which shows masked data only. Longer codes would buy nothing the
# limits do not, and cost every visitor who reads one out at the kiosk.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
_CODE = re.compile(f"[{CODE_ALPHABET}]{{{CODE_LENGTH}}}")
# What people put between the parts of a code they type or paste: spaces and dashes of any
# width (full-width forms are folded to these first).
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_]+")
LIVE = ("booked", "checked_in", "missed")


class BookingStatus:
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    MISSED = "missed"


# -- configuration ---------------------------------------------------------------------------

class _Strict(NoNul):
    model_config = ConfigDict(extra="forbid")


class SlotSpec(_Strict):
    start: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    end: str = Field(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    capacity: int | None = Field(default=None, ge=0, le=1000)

    @model_validator(mode="after")
    def _ordered(self) -> SlotSpec:
        if self.start >= self.end:
            raise ValueError(f"slot {self.start}-{self.end} ends before it starts")
        return self


class BookableService(_Strict):
    code: str = Field(min_length=1, max_length=40)
    capacity: int | None = Field(default=None, ge=0, le=1000)


class BookingConfig(_Strict):
    """The hall's booking rules; stored as JSON, edited by admins (GET/PUT
    /api/v1/appointments/config). Also holds the evaluation and case settings."""

    services: list[BookableService] = Field(default_factory=list, description="services that take bookings")
    default_capacity: int = Field(default=4, ge=0, le=1000, description="bookings per slot")
    slot_minutes: int = Field(default=60, ge=10, le=240, description="slot length when slots are derived from hours")
    slots: list[SlotSpec] = Field(default_factory=list,
                                  description="the slots of every working day; empty: cut from the hall's hours")
    min_days_ahead: int = Field(default=1, ge=0, le=30, description="first bookable day: 1 = tomorrow")
    horizon_days: int = Field(default=5, ge=1, le=60, description="working days that can be booked")
    cancel_cutoff_min: int = Field(default=120, ge=0, le=7 * 24 * 60,
                                   description="minutes before the slot after which a booking cannot be cancelled")
    check_in_early_min: int = Field(default=30, ge=0, le=24 * 60)
    check_in_late_min: int = Field(default=15, ge=0, le=24 * 60)
    no_show_limit: int = Field(default=3, ge=0, le=100, description="missed bookings that block booking (0: never)")
    no_show_period_days: int = Field(default=90, ge=1, le=3650)
    no_show_block_days: int = Field(default=30, ge=0, le=3650)
    follow_up_days: int = Field(default=5, ge=1, le=60, description="working days to settle a bad rating")
    evaluation_window_min: int = Field(default=10, ge=1, le=24 * 60,
                                       description="minutes after finishing in which the window may record a rating")
    case_warning_days: int = Field(default=2, ge=0, le=60, description="working days before a case's due date")
    holidays: list[date] = Field(default_factory=list)
    extra_workdays: list[date] = Field(default_factory=list, description="make-up working days (调休)")

    @field_validator("services")
    @classmethod
    def _unique(cls, value: list[BookableService]) -> list[BookableService]:
        codes = [s.code for s in value]
        if len(set(codes)) != len(codes):
            raise ValueError("a service appears twice")
        return value

    @field_validator("slots")
    @classmethod
    def _slots_apart(cls, value: list[SlotSpec]) -> list[SlotSpec]:
        spans = sorted((s.start, s.end) for s in value)
        for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
            if start < end:
                raise ValueError("slots overlap")
        return value

    @classmethod
    def parse(cls, data: dict[str, Any] | None) -> BookingConfig:
        try:
            return cls.model_validate(data or {})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise QueueError("invalid_value", f"{where}: {first.get('msg')}", field=where or "config") from None

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")

    def calendar(self, hall: Hall) -> Calendar:
        return Calendar.of(hall.hours, self.holidays, self.extra_workdays)

    def capacity(self, code: str, slot: SlotSpec) -> int:
        """The smaller of the service's and the slot's capacity, where set."""
        given = [c for c in (next((s.capacity for s in self.services if s.code == code), None), slot.capacity)
                 if c is not None]
        return min(given) if given else self.default_capacity

    def slots_of(self, calendar: Calendar, day: date) -> list[SlotSpec]:
        if not calendar.is_working(day):
            return []
        if self.slots:
            return sorted(self.slots, key=lambda s: s.start)
        out: list[SlotSpec] = []
        step = timedelta(minutes=self.slot_minutes)
        for opens, closes in calendar.spans(day):
            at = datetime.combine(day, opens)
            end = datetime.combine(day, closes)
            while at < end:
                upto = min(at + step, end)
                out.append(SlotSpec(start=at.strftime("%H:%M"), end=upto.strftime("%H:%M")))
                at = upto
        return out


def load_config(session: Session, hall: Hall | None = None) -> BookingConfig:
    hall = hall or get_hall(session)
    row = session.get(AppointmentConfig, hall.id)
    return BookingConfig.parse(row.config if row else None)


def save_config(session: Session, data: dict[str, Any], *, actor: Actor, now: datetime) -> BookingConfig:
    """Replace the booking configuration; every bookable service must exist."""
    hall = get_hall(session)
    config = BookingConfig.parse(data)
    codes = [s.code for s in config.services]
    known = set(session.scalars(select(ServiceItem.code).where(ServiceItem.code.in_(codes))))
    missing = [c for c in codes if c not in known]
    if missing:
        raise QueueError("invalid_value", f"no service item {missing[0]!r}", field="services",
                         service_code=missing[0])
    row = session.get(AppointmentConfig, hall.id, with_for_update=True)
    if row is None:
        row = AppointmentConfig(hall_id=hall.id)
        session.add(row)
    row.config = config.as_dict()
    row.updated_at = now
    session.add(AuditEntry(at=now, actor_kind=actor.kind, actor_id=actor.id, action="appointments.config",
                           target=f"hall:{hall.id}", detail={"services": len(codes)}))
    return config


def seed_demo_config(session: Session, *, actor: Actor, now: datetime, count: int = 30) -> int:
    """For ``hallq demo``: unless configured already, the first service item of each of the
    first ``count`` departments takes bookings. Returns the number of bookable services."""
    from ..models import Department

    hall = get_hall(session)
    existing = session.get(AppointmentConfig, hall.id)
    if existing is not None:
        return len(existing.config.get("services", []))
    codes: list[str] = []
    for dept in session.scalars(select(Department).where(Department.active.is_(True))
                                .order_by(Department.sort, Department.id)):
        first = session.scalars(select(ServiceItem.code).where(
            ServiceItem.department_id == dept.id, ServiceItem.active.is_(True))
            .order_by(ServiceItem.sort, ServiceItem.id).limit(1)).first()
        if first is not None:
            codes.append(first)
        if len(codes) >= count:
            break
    save_config(session, {"services": [{"code": c} for c in codes]}, actor=actor, now=now)
    return len(codes)


# -- what can be booked ----------------------------------------------------------------------

@dataclass(frozen=True)
class Context:
    """What every booking rule reads: the hall, its rules, its calendar, and today."""

    hall: Hall
    config: BookingConfig
    calendar: Calendar
    today: date

    @classmethod
    def load(cls, session: Session, now: datetime) -> Context:
        hall = get_hall(session)
        config = load_config(session, hall)
        # The calendar date in the hall, not the business date (which turns at reset_hour):
        # "tomorrow" and "today's booking" mean what the visitor thinks they mean.
        return cls(hall, config, config.calendar(hall), local_date(now, hall.timezone))

    @property
    def timezone(self) -> str:
        return self.hall.timezone

    def bookable_days(self) -> list[date]:
        first = self.today + timedelta(days=self.config.min_days_ahead)
        days = list(islice(self.calendar.working_days_from(first), self.config.horizon_days))
        if not days:
            raise QueueError("not_bookable", "the hall has no working days")
        return days

    def at(self, day: date, hhmm: str | time) -> datetime:
        return local_datetime(day, parse_hhmm(hhmm) if isinstance(hhmm, str) else hhmm, self.timezone)


def bookable_service(session: Session, ctx: Context, service_id: int) -> ServiceItem:
    service = session.get(ServiceItem, service_id)
    if service is None or not service.active:
        raise QueueError("unknown_service", f"no service item {service_id}", service_id=service_id)
    if service.code not in {s.code for s in ctx.config.services}:
        raise QueueError("not_bookable", f"{service.name_zh} takes no bookings", service_id=service_id)
    return service


@dataclass(frozen=True)
class SlotView:
    slot_start: str
    slot_end: str
    capacity: int
    booked: int

    @property
    def available(self) -> int:
        return max(0, self.capacity - self.booked)

    def as_dict(self) -> dict[str, Any]:
        return {"slot_start": self.slot_start, "slot_end": self.slot_end, "capacity": self.capacity,
                "booked": self.booked, "available": self.available}


def slots(session: Session, service_id: int, day: date, *, now: datetime) -> list[SlotView]:
    """The slots of a bookable day with their seats; empty for a day that is not bookable."""
    ctx = Context.load(session, now)
    service = bookable_service(session, ctx, service_id)
    if day not in ctx.bookable_days():
        return []
    taken = dict(session.execute(select(AppointmentSlot.slot_start, AppointmentSlot.booked).where(
        AppointmentSlot.service_id == service.id, AppointmentSlot.day == day)).all())
    return [SlotView(s.start, s.end, ctx.config.capacity(service.code, s), int(taken.get(parse_hhmm(s.start), 0)))
            for s in ctx.config.slots_of(ctx.calendar, day) if ctx.at(day, s.start) > now]


def bookable(session: Session, *, now: datetime) -> dict[str, Any]:
    """Services that take bookings and the days that can be booked."""
    ctx = Context.load(session, now)
    codes = [s.code for s in ctx.config.services]
    services = session.scalars(select(ServiceItem).where(ServiceItem.code.in_(codes), ServiceItem.active.is_(True))
                               .order_by(ServiceItem.department_id, ServiceItem.sort, ServiceItem.id)).all()
    return {"days": ctx.bookable_days(), "services": list(services),
            "rules": {"cancel_cutoff_min": ctx.config.cancel_cutoff_min,
                      "check_in_early_min": ctx.config.check_in_early_min,
                      "check_in_late_min": ctx.config.check_in_late_min}}


# -- abuse limits ----------------------------------------------------------------------------

@dataclass(frozen=True)
class BookingLimits:
    """The limits of the public booking API; a limit of 0 is off.

    - ``address``: bookings made from one client address per hour (a visitor's phone, or a
      service point booking for villagers; a script from one address stops here).
    - ``person_per_day``, ``phone_per_day``: bookings one person (ID number) or one phone
      number may make in one calendar day of the hall, counted as they are made and kept
      when a booking is cancelled, so booking and cancelling over and over (holding seats
      for others, as scalpers do) runs out. This is apart from the hall's rule of one live
      booking per person per day booked (``already_booked``). The counters are keyed by a
      keyed hash of the number, never the number itself.
    - ``lookups``: lookups and cancels of booking codes from one address per minute.
    - ``misses``: codes from one address that were not found, per hour; the one past it locks
      the address out of lookups and cancels for the lock-out time. Every lookup holds a
      place here until its code is found, so a miss counts against both limits and a hit
      against the first only: guessing is what must be stopped.
    """

    address: Limit
    person_per_day: int
    phone_per_day: int
    lookups: Limit
    misses: Limit

    @classmethod
    def of(cls, *, per_address_per_hour: int, per_person_per_day: int, per_phone_per_day: int,
           lookups_per_minute: int, misses_per_hour: int, lockout_minutes: int) -> BookingLimits:
        return cls(Limit("booking:address", per_address_per_hour, 3600), per_person_per_day, per_phone_per_day,
                   Limit("booking:lookup", lookups_per_minute, 60),
                   Limit("booking:miss", misses_per_hour, 3600, lockout_minutes * 60))

    @classmethod
    def off(cls) -> BookingLimits:
        return cls.of(per_address_per_hour=0, per_person_per_day=0, per_phone_per_day=0, lookups_per_minute=0,
                      misses_per_hour=0, lockout_minutes=0)


NO_LIMITS = BookingLimits.off()

_REFUSED = {
    "booking:address": "too many bookings from this address; try again later",
    "booking:person": "this person has made as many bookings as allowed today; try again tomorrow",
    "booking:phone": "this phone number has made as many bookings as allowed today; try again tomorrow",
    "booking:lookup": "too many booking lookups from this address; wait a minute",
    "booking:miss": "too many unknown booking codes from this address; lookups are locked for a while",
}


def _keyed(secret: bytes, kind: str, value: str) -> str:
    return hmac.new(secret, f"booking-limit:{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def _today_limit(ctx: Context, scope: str, per: int, now: datetime) -> Limit:
    """A limit over the rest of the hall's calendar day (the key names the day)."""
    midnight = ctx.at(ctx.today + timedelta(days=1), "00:00")
    return Limit(scope, per, max(1, int((midnight - now).total_seconds())))


def _count(session: Session, limit: Limit, subject: str, now: datetime) -> None:
    """Count one booking against a limit, refusing past it. The booking's own transaction
    holds the count: a booking refused for any reason gives it back by rolling back, and
    the counter's row stays locked until then, so parallel bookings never overshoot."""
    refusal = limit_counts.over(limit, limit_counts.take(session, limit, subject, now=now), now=now,
                                message=_REFUSED[limit.scope])
    if refusal is not None:
        raise refusal


def claim_lookup(session: Session, limits: BookingLimits, address: str, *, now: datetime) -> QueueError | None:
    """Count a lookup or cancel by booking code from ``address`` before the code is looked up:
    one hit of the per-minute limit and a place among the misses, which ``release_lookup``
    gives back once the code is found. Parallel guesses therefore cannot slip past the miss
    limit. Answers the refusal to raise once this transaction has committed (a lock-out must
    outlive it), or None. The lookup that crosses the miss limit is audited."""
    for limit in (limits.lookups, limits.misses):
        count = limit_counts.take(session, limit, address, now=now)
        if limit is limits.misses and limit.per and count.hits == limit.per + 1:
            session.add(AuditEntry(at=now, actor_kind="system", actor_id=None, action="appointment.lookup_locked",
                                   target=limit.key(address)[:100],
                                   detail={"address": address, "until": count.ends_at.isoformat()}))
        refusal = limit_counts.over(limit, count, now=now, message=_REFUSED[limit.scope])
        if refusal is not None:   # a refused lookup takes no place among the misses
            return refusal
    return None


def release_lookup(session: Session, limits: BookingLimits, address: str, *, now: datetime) -> None:
    """A booking code that was found gives back the place its lookup held among the misses."""
    limit_counts.give_back(session, limits.misses, address, now=now)


# -- booking ---------------------------------------------------------------------------------

def _blocked_until(session: Session, ctx: Context, who: str) -> date | None:
    """The day booking opens again for a person with too many recent missed bookings."""
    rule = ctx.config
    if rule.no_show_limit <= 0 or rule.no_show_block_days <= 0:
        return None
    since = ctx.today - timedelta(days=rule.no_show_period_days)
    missed = session.scalars(select(Appointment.day).where(
        Appointment.person_hash == who, Appointment.status == BookingStatus.MISSED, Appointment.day >= since)
        .order_by(Appointment.day.desc())).all()
    if len(missed) < rule.no_show_limit:
        return None
    until = missed[0] + timedelta(days=rule.no_show_block_days)
    return until if until > ctx.today else None


def _new_code(session: Session) -> str:
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
        if session.scalar(select(func.count()).select_from(Appointment).where(Appointment.code == code)) == 0:
            return code


def _take_seat(session: Session, service_id: int, day: date, start: time, capacity: int) -> bool:
    """Claim one seat of the slot: an upsert that only increments below capacity. On
    PostgreSQL the conflicting row is locked and the condition re-read, so concurrent
    bookings of the last seat cannot both succeed; SQLite writers are serialized."""
    if capacity <= 0:
        return False
    stmt = insert(session, AppointmentSlot).values(service_id=service_id, day=day, slot_start=start, booked=1)
    stmt = stmt.on_conflict_do_update(
        index_elements=[AppointmentSlot.service_id, AppointmentSlot.day, AppointmentSlot.slot_start],
        set_={"booked": AppointmentSlot.booked + 1},
        where=AppointmentSlot.booked < capacity,
    ).returning(AppointmentSlot.booked)
    return session.execute(stmt).first() is not None


def _release_seat(session: Session, appt: Appointment) -> None:
    session.execute(update(AppointmentSlot).where(
        AppointmentSlot.service_id == appt.service_id, AppointmentSlot.day == appt.day,
        AppointmentSlot.slot_start == appt.slot_start, AppointmentSlot.booked > 0)
        .values(booked=AppointmentSlot.booked - 1))


def _audit(session: Session, actor: Actor, action: str, appt: Appointment, now: datetime, **detail: Any) -> None:
    session.add(AuditEntry(at=now, actor_kind=actor.kind, actor_id=actor.id, action=f"appointment.{action}",
                           target=f"appointment:{appt.id}", detail=detail))


def book(session: Session, service_id: int, day: date, slot_start: str, *, id_number: str, name: str,
         phone: str, secret: bytes, actor: Actor, now: datetime, limits: BookingLimits = NO_LIMITS,
         address: str = "") -> Appointment:
    """Book a seat in a slot; refusals say why with a stable code and change nothing. Counts
    the booking against ``limits`` (per ``address``, person and phone); past one it is
    refused with ``rate_limited`` and Retry-After."""
    if limits.address.per:
        _count(session, limits.address, address, now)
    ctx = Context.load(session, now)
    service = bookable_service(session, ctx, service_id)
    checked = check_id_number(id_number)
    if not checked:
        raise QueueError("invalid_id_number", "the ID number is not valid", reason=checked.code, field="id_number")
    phone_checked = check_phone(phone)
    if not phone_checked:
        raise QueueError("invalid_phone", "the phone number is not valid", field="phone")
    name = name.strip()
    if not name or len(name) > 40:
        raise QueueError("invalid_value", "a name is 1-40 characters", field="name")
    days = ctx.bookable_days()
    if day < days[0] or day > days[-1]:
        raise QueueError("outside_horizon", f"bookings are open from {days[0]} to {days[-1]}",
                         first_day=days[0].isoformat(), last_day=days[-1].isoformat())
    if day not in days:
        raise QueueError("not_bookable", f"the hall is closed on {day}", day=day.isoformat())
    spec = next((s for s in ctx.config.slots_of(ctx.calendar, day) if s.start == slot_start), None)
    if spec is None or ctx.at(day, spec.start) <= now:
        raise QueueError("not_bookable", f"no slot starts at {slot_start} on {day}", slot_start=slot_start)
    who = person_hash(checked.normalized, secret)
    until = _blocked_until(session, ctx, who)
    if until is not None:
        raise QueueError("booking_blocked", f"booking is blocked until {until} after missed bookings",
                         until=until.isoformat())
    if session.scalar(select(func.count()).select_from(Appointment).where(
            Appointment.person_hash == who, Appointment.day == day, Appointment.status.in_(LIVE))):
        raise QueueError("already_booked", f"this person already has a booking on {day}", day=day.isoformat())
    if limits.person_per_day:
        _count(session, _today_limit(ctx, "booking:person", limits.person_per_day, now),
               f"{_keyed(secret, 'person', checked.normalized)}:{ctx.today}", now)
    if limits.phone_per_day:
        _count(session, _today_limit(ctx, "booking:phone", limits.phone_per_day, now),
               f"{_keyed(secret, 'phone', phone_checked.normalized)}:{ctx.today}", now)
    start = parse_hhmm(spec.start)
    if not _take_seat(session, service.id, day, start, ctx.config.capacity(service.code, spec)):
        raise QueueError("slot_full", f"the {spec.start} slot on {day} is fully booked",
                         day=day.isoformat(), slot_start=spec.start)
    appt = Appointment(code=_new_code(session), service_id=service.id, person_hash=who,
                       id_masked=mask_id_number(checked.normalized), name_masked=mask_name(name),
                       phone_masked=mask_phone(phone_checked.normalized), day=day, slot_start=start,
                       slot_end=parse_hhmm(spec.end), status=BookingStatus.BOOKED, created_at=now)
    try:
        with session.begin_nested():
            session.add(appt)
            session.flush()
    except IntegrityError:
        # A booking of the same person for the same day committed after our check.
        raise QueueError("already_booked", f"this person already has a booking on {day}",
                         day=day.isoformat()) from None
    _audit(session, actor, "book", appt, now, service_id=service.id, day=day.isoformat(), slot=spec.start)
    return appt


def normalize_code(code: str) -> str:
    """A code as a person types or pastes it: case, full-width characters (a Chinese input
    method's), spaces and dashes between its parts do not matter."""
    return _SEPARATORS.sub("", unicodedata.normalize("NFKC", code[:200])).upper()


def is_code(code: str) -> bool:
    """Whether a normalized code has the shape of a booking code (no lookup needed otherwise)."""
    return _CODE.fullmatch(code) is not None


def by_code(session: Session, code: str, *, lock: bool = False) -> Appointment:
    normal = normalize_code(code)
    if not is_code(normal):
        raise QueueError("unknown_appointment", "no booking with this code")
    stmt = select(Appointment).where(Appointment.code == normal)
    if lock:
        stmt = stmt.with_for_update()
    appt = session.scalars(stmt).first()
    if appt is None:
        raise QueueError("unknown_appointment", "no booking with this code")
    return appt


def cancel(session: Session, code: str, *, actor: Actor, now: datetime) -> Appointment:
    """The visitor cancels with the booking code, up to the cut-off before the slot."""
    appt = by_code(session, code, lock=True)
    if appt.status == BookingStatus.CANCELLED:
        raise QueueError("appointment_cancelled", "this booking is already cancelled")
    if appt.status == BookingStatus.CHECKED_IN:
        raise QueueError("already_checked_in", "this booking has been used")
    ctx = Context.load(session, now)
    cutoff = ctx.at(appt.day, appt.slot_start) - timedelta(minutes=ctx.config.cancel_cutoff_min)
    if appt.status != BookingStatus.BOOKED or now > cutoff:
        raise QueueError("too_late_to_cancel", f"bookings can be cancelled until {cutoff.isoformat()}",
                         until=cutoff.isoformat())
    appt.status = BookingStatus.CANCELLED
    appt.cancelled_at = now
    _release_seat(session, appt)
    _audit(session, actor, "cancel", appt, now)
    return appt


# -- at the kiosk ----------------------------------------------------------------------------

def _find_for_check_in(session: Session, ctx: Context, *, code: str | None, id_number: str | None,
                       secret: bytes) -> Appointment:
    if code:
        return by_code(session, code, lock=True)
    checked = check_id_number(id_number or "")
    if not checked:
        raise QueueError("invalid_id_number", "the ID number is not valid", reason=checked.code, field="id_number")
    who = person_hash(checked.normalized, secret)
    rows = session.scalars(select(Appointment).where(Appointment.person_hash == who)
                           .order_by(Appointment.day.desc(), Appointment.id.desc())).all()
    # Today's booking if any (cancelled only when it is all there is), else the next one
    # ahead, else the latest: the refusal then names the day the booking is for.
    todays = [a for a in rows if a.day == ctx.today]
    live = [a for a in todays if a.status != BookingStatus.CANCELLED]
    ahead = sorted((a for a in rows if a.status == BookingStatus.BOOKED and a.day > ctx.today),
                   key=lambda a: (a.day, a.slot_start))
    pick = live or todays or ahead or rows
    if not pick:
        raise QueueError("unknown_appointment", "no booking for this ID number")
    return session.scalars(select(Appointment).where(Appointment.id == pick[0].id).with_for_update()).one()


def check_in(session: Session, *, code: str | None = None, id_number: str | None = None, actor: Actor,
             now: datetime, secret: bytes, idempotency_key: str | None = None) -> tuple[Ticket, bool]:
    """Turn a booking into an appointment-priority ticket within the slot's check-in window;
    returns (ticket, replayed)."""
    if not code and not id_number:
        raise QueueError("invalid_value", "give a booking code or an ID number", field="code")

    def run() -> dict[str, Any]:
        ctx = Context.load(session, now)
        appt = _find_for_check_in(session, ctx, code=code, id_number=id_number, secret=secret)
        if appt.status == BookingStatus.CANCELLED:
            raise QueueError("appointment_cancelled", "this booking was cancelled")
        if appt.status == BookingStatus.CHECKED_IN:
            raise QueueError("already_checked_in", "this booking has already been used", ticket_id=appt.ticket_id)
        if appt.day != ctx.today:
            raise QueueError("wrong_day", f"this booking is for {appt.day}", day=appt.day.isoformat())
        start = ctx.at(appt.day, appt.slot_start)
        opens = start - timedelta(minutes=ctx.config.check_in_early_min)
        closes = start + timedelta(minutes=ctx.config.check_in_late_min)
        window = {"from": opens.isoformat(), "until": closes.isoformat(),
                  "slot_start": appt.slot_start.strftime("%H:%M")}
        if now < opens:
            raise QueueError("too_early", f"check in from {opens.strftime('%H:%M')}", **window)
        if now > closes or appt.status == BookingStatus.MISSED:
            raise QueueError("too_late", f"check-in closed at {closes.strftime('%H:%M')}", **window)
        ticket = _issue_for(session, appt, actor=actor, now=now, secret=secret)
        appt.status = BookingStatus.CHECKED_IN
        appt.checked_in_at = now
        appt.ticket_id = ticket.id
        _audit(session, actor, "check_in", appt, now, ticket_id=ticket.id)
        return {"ticket_id": ticket.id}

    request = {"code": normalize_code(code) if code else None, "id": bool(id_number)}
    result, replayed = idempotency.once(session, actor, idempotency_key, "appointment-check-in", request, run)
    ticket = session.get(Ticket, result["ticket_id"])
    assert ticket is not None
    return ticket, replayed


def _issue_for(session: Session, appt: Appointment, *, actor: Actor, now: datetime, secret: bytes) -> Ticket:
    service = session.get(ServiceItem, appt.service_id)
    assert service is not None
    # The ticket carries the booking's person hash, so the per-person limit of the queue
    # holds for it as for a ticket taken with the ID card.
    active = int(session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.person_hash == appt.person_hash, Ticket.queue_id == service.queue_id,
        Ticket.status.in_([s.value for s in eng.ACTIVE]))) or 0)
    eng.check_person_limit(active, hall_rules(get_hall(session)))
    ticket, _ = issue_ticket(session, appt.service_id, actor=actor, now=now, secret=secret,
                             priority=eng.Priority.APPOINTMENT.value, appointment_id=appt.id)
    ticket.person_hash = appt.person_hash
    ticket.id_masked = appt.id_masked
    ticket.phone_masked = appt.phone_masked or None
    return ticket


# -- the hall's clock ------------------------------------------------------------------------

def sweep_missed(session: Session, *, now: datetime, actor: Actor) -> int:
    """Mark bookings whose check-in window has passed unused as missed; returns how many."""
    ctx = Context.load(session, now)
    late = timedelta(minutes=ctx.config.check_in_late_min)
    due = [a.id for a in session.scalars(select(Appointment).where(
        Appointment.status == BookingStatus.BOOKED, Appointment.day <= ctx.today))
        if ctx.at(a.day, a.slot_start) + late < now]
    if not due:
        return 0
    # Lock only the rows to mark, and re-read them: a kiosk may have checked one in meanwhile.
    rows = session.scalars(select(Appointment).where(
        Appointment.id.in_(due), Appointment.status == BookingStatus.BOOKED)
        .with_for_update().execution_options(populate_existing=True)).all()
    for appt in rows:
        appt.status = BookingStatus.MISSED
        _audit(session, actor, "missed", appt, now)
    return len(rows)


def day_list(session: Session, day: date) -> list[Appointment]:
    """A day's bookings in slot order, for staff."""
    return list(session.scalars(select(Appointment).where(Appointment.day == day)
                                .order_by(Appointment.slot_start, Appointment.id)))

