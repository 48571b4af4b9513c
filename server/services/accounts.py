"""Staff accounts, sign-in with password or staff card, and device tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..engine import QueueError
from ..models import AuditEntry, Department, Device, Staff, StaffToken, Window
from ..models.limits import LimitCounter
from . import limits as limit_counts
from .actors import DEVICE_ROLES, STAFF_ROLES, Actor, Role, device_actor, staff_actor
from .limits import Limit

_hasher = PasswordHasher()
# A hash to verify against when the username is unknown, so timing does not reveal which
# usernames exist.
_DUMMY_HASH = _hasher.hash("not a password")
STAFF_PREFIX = "hqs_"
DEVICE_PREFIX = "hqd_"
_USERNAME = re.compile(r"^[A-Za-z0-9_.-]{2,60}$")
MIN_PASSWORD = 8


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _audit(session: Session, actor: Actor, action: str, target: str, now: datetime, **detail: object) -> None:
    session.add(AuditEntry(at=now, actor_kind=actor.kind, actor_id=actor.id, action=action, target=target,
                           detail=detail))


# -- staff -----------------------------------------------------------------------------------

def add_staff(session: Session, username: str, *, role: str, password: str, actor: Actor, now: datetime,
              display_name: str = "", staff_number: str | None = None, card: str | None = None,
              department_id: int | None = None) -> Staff:
    if not _USERNAME.match(username):
        raise QueueError("invalid_value", "a username is 2-60 letters, digits, '.', '_' or '-'", field="username")
    try:
        role_ = Role(role)
    except ValueError:
        role_ = None
    if role_ not in STAFF_ROLES:
        raise QueueError("invalid_value", f"a staff role is one of {', '.join(r.value for r in STAFF_ROLES)}",
                         field="role")
    if len(password) < MIN_PASSWORD:
        raise QueueError("invalid_value", f"a password has at least {MIN_PASSWORD} characters", field="password")
    if session.scalar(select(func.count()).select_from(Staff).where(Staff.username == username)):
        raise QueueError("invalid_value", f"username {username!r} is taken", field="username")
    if department_id is not None and session.get(Department, department_id) is None:
        raise QueueError("unknown_department", f"no department {department_id}", field="department_id")
    number = staff_number or f"S{(session.scalar(select(func.max(Staff.id))) or 0) + 1:04d}"
    if session.scalar(select(func.count()).select_from(Staff).where(Staff.staff_number == number)):
        raise QueueError("invalid_value", f"staff number {number!r} is taken", field="staff_number")
    staff = Staff(username=username, display_name=display_name or username, staff_number=number,
                  role=role_.value, password_hash=_hasher.hash(password),
                  card_hash=token_hash(card.strip()) if card else None, department_id=department_id)
    session.add(staff)
    session.flush()
    _audit(session, actor, "staff.add", f"staff:{staff.id}", now, username=username, role=role_.value)
    return staff


def set_password(session: Session, staff_id: int, password: str, *, actor: Actor, now: datetime) -> None:
    staff = session.get(Staff, staff_id)
    if staff is None:
        raise QueueError("unknown_staff", f"no staff {staff_id}")
    if len(password) < MIN_PASSWORD:
        raise QueueError("invalid_value", f"a password has at least {MIN_PASSWORD} characters", field="password")
    staff.password_hash = _hasher.hash(password)
    _audit(session, actor, "staff.password", f"staff:{staff.id}", now)


@dataclass(frozen=True)
class SignIn:
    token: str
    staff: Staff
    window: Window | None
    expires_at: datetime


@dataclass(frozen=True)
class Checked:
    """Credentials found good; what the sign-in itself needs. ``new_hash`` is the password
    hashed again with the current parameters when the stored hash is older."""

    staff_id: int
    new_hash: str | None = None


@dataclass(frozen=True)
class SignInLimits:
    """The sign-in limits: failures per account (username), per address, and of staff cards
    in the whole hall (a wrong card names no account)."""

    account: Limit
    address: Limit
    card: Limit

    @classmethod
    def of(cls, *, account_per_minute: int, address_per_minute: int, card_per_minute: int,
           lockout_minutes: int) -> SignInLimits:
        lockout = lockout_minutes * 60
        return cls(Limit("sign-in:account", account_per_minute, 60, lockout),
                   Limit("sign-in:address", address_per_minute, 60, lockout),
                   Limit("sign-in:card", card_per_minute, 60, lockout))

    def of_attempt(self, attempt: Attempt) -> list[tuple[Limit, str]]:
        first = (self.card, "hall") if attempt.card else (self.account, (attempt.username or "").strip())
        return [(self.address, attempt.address), first]


@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt: a username or a card, from an address."""

    username: str | None
    card: str | None
    address: str


_LOCKED_MESSAGES = {
    "sign-in:account": "this account is locked after too many failed sign-ins; wait or ask a manager",
    "sign-in:address": "too many failed sign-ins from this address; wait before trying again",
    "sign-in:card": "card sign-in is locked after too many wrong cards; use a password or wait",
}


def claim_attempt(session: Session, limits: SignInLimits, attempt: Attempt, *, now: datetime) -> QueueError | None:
    """Count a sign-in attempt against its limits before its credentials are checked, so that
    parallel guesses cannot all slip under a limit: each attempt holds its place until it
    fails (the place stays) or succeeds (``release_attempt``). Answers the refusal to raise
    once this transaction has committed (a lock-out must outlive it), or None. The attempt
    that crosses a limit locks its key and is audited as ``auth.locked``."""
    for limit, subject in limits.of_attempt(attempt):
        count = limit_counts.take(session, limit, subject, now=now)
        if count.hits == limit.per + 1:
            session.add(AuditEntry(at=now, actor_kind="system", actor_id=None, action="auth.locked",
                                   target=f"{limit.scope}:{subject}"[:100],
                                   detail={"address": attempt.address, "until": count.ends_at.isoformat()}))
        refusal = limit_counts.over(limit, count, now=now, message=_LOCKED_MESSAGES[limit.scope])
        if refusal is not None:   # the keys after it are not counted: a locked address locks no account
            return refusal
    return None


def release_attempt(session: Session, limits: SignInLimits, attempt: Attempt, *, now: datetime) -> None:
    """A sign-in that succeeded gives back the places its attempt held."""
    for limit, subject in limits.of_attempt(attempt):
        limit_counts.give_back(session, limit, subject, now=now)


@dataclass(frozen=True)
class Lockout:
    scope: str
    subject: str
    until: datetime


def lockouts(session: Session, limits: SignInLimits, *, now: datetime) -> list[Lockout]:
    """Sign-in keys locked now, for the floor manager."""
    found = []
    for limit in (limits.account, limits.address, limits.card):
        rows = session.execute(select(LimitCounter.key, LimitCounter.ends_at).where(
            LimitCounter.key.startswith(limit.scope + ":", autoescape=True), LimitCounter.ends_at > now,
            LimitCounter.hits > limit.per)).all()
        found += [Lockout(limit.scope, key[len(limit.scope) + 1:], until) for key, until in rows]
    return sorted(found, key=lambda lock: lock.until)


def lift_lockout(session: Session, limits: SignInLimits, scope: str, subject: str, *, actor: Actor,
                 now: datetime) -> None:
    by_scope = {limit.scope: limit for limit in (limits.account, limits.address, limits.card)}
    if scope not in by_scope:
        raise QueueError("invalid_value", f"a lock-out scope is one of {', '.join(by_scope)}", field="scope")
    limit_counts.clear(session, by_scope[scope], subject)
    _audit(session, actor, "auth.unlock", f"{scope}:{subject}"[:100], now)


def check_credentials(session: Session, *, username: str | None, password: str | None, card: str | None,
                      now: datetime) -> Checked:
    """Check credentials without writing anything: this is where argon2 runs, so it must run
    in a read session, never in a write transaction (a write lock held while hashing stalls
    every kiosk). The attempt has been counted against the sign-in limits before
    (``claim_attempt``)."""
    staff: Staff | None = None
    if card:
        staff = session.scalars(select(Staff).where(Staff.card_hash == token_hash(card.strip()))).first()
    elif username and password is not None:
        staff = session.scalars(select(Staff).where(Staff.username == username)).first()
        try:
            _hasher.verify(staff.password_hash if staff else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            staff = None
    if staff is None or not staff.active:
        raise QueueError("unauthenticated", "wrong username, password or card")
    new_hash = _hasher.hash(password) if password and _hasher.check_needs_rehash(staff.password_hash) else None
    return Checked(staff.id, new_hash)


def open_signin(session: Session, checked: Checked, *, address: str, now: datetime, hours: int,
                window_number: int | None = None) -> SignIn:
    """Open the sign-in of credentials ``check_credentials`` accepted: a short write."""
    staff = session.get(Staff, checked.staff_id)
    if staff is None or not staff.active:   # removed or disabled in between
        raise QueueError("unauthenticated", "wrong username, password or card")
    window = None
    if window_number is not None:
        window = _take_window(session, window_number, staff, now=now)
    if checked.new_hash is not None:
        staff.password_hash = checked.new_hash
    token = STAFF_PREFIX + secrets.token_urlsafe(32)
    expires = now + timedelta(hours=hours)
    session.add(StaffToken(staff_id=staff.id, token_hash=token_hash(token), window_id=window.id if window else None,
                           created_at=now, expires_at=expires))
    _audit(session, staff_actor(staff.id, staff.role), "auth.login", f"staff:{staff.id}", now,
           window=window_number, address=address)
    return SignIn(token, staff, window, expires)


def record_failed_login(session: Session, *, username: str | None, card: str | None, address: str,
                        now: datetime) -> None:
    """Kept in its own transaction: the failed attempt's own one rolls back."""
    who = (username or f"card:{token_hash(card or '')[:12]}").strip()
    session.add(AuditEntry(at=now, actor_kind="system", actor_id=None, action="auth.login_failed",
                           target=f"{who}@{address}"[:100], detail={}))


def _holders(session: Session, window_id: int, now: datetime) -> list[StaffToken]:
    return list(session.scalars(select(StaffToken).where(
        StaffToken.window_id == window_id, StaffToken.revoked_at.is_(None), StaffToken.expires_at > now)))


def _take_window(session: Session, window_number: int, staff: Staff, *, now: datetime,
                 keep: StaffToken | None = None) -> Window:
    """The window for a sign-in of ``staff``, refused while another staff member's sign-in
    holds it. The window's row is locked first, so two clerks taking one window at once
    cannot both succeed. An earlier sign-in of the same staff member (a counter PC restarted)
    lets go of it."""
    window = session.scalars(select(Window).where(Window.number == window_number).with_for_update()).first()
    if window is None:
        raise QueueError("unknown_window", f"no window {window_number}", window=window_number)
    for held in _holders(session, window.id, now):
        if held is keep:
            continue
        if held.staff_id != staff.id:
            holder = session.get(Staff, held.staff_id)
            raise QueueError("window_held", f"window {window_number} is held by {holder.staff_number if holder else '?'}; "
                             "they sign out, or a floor manager releases the window", window=window_number,
                             holder=holder.staff_number if holder else None)
        held.window_id = None
    return window


def choose_window(session: Session, token: str, window_number: int, *, now: datetime) -> Window:
    row = session.scalars(select(StaffToken).where(StaffToken.token_hash == token_hash(token))).first()
    if row is None:
        raise QueueError("unauthenticated", "sign in first")
    staff = session.get(Staff, row.staff_id)
    if staff is None:
        raise QueueError("unauthenticated", "sign in first")
    window = _take_window(session, window_number, staff, now=now, keep=row)
    row.window_id = window.id
    _audit(session, staff_actor(row.staff_id, staff.role), "auth.window", f"window:{window_number}", now)
    return window


def release_window(session: Session, window_number: int, *, actor: Actor, now: datetime) -> list[str]:
    """A floor manager frees a window from the sign-ins holding it (a clerk who left without
    signing out); answers their staff numbers. The sign-ins stay valid, bound to no window."""
    window = session.scalars(select(Window).where(Window.number == window_number).with_for_update()).first()
    if window is None:
        raise QueueError("unknown_window", f"no window {window_number}", window=window_number)
    released = []
    for held in _holders(session, window.id, now):
        held.window_id = None
        holder = session.get(Staff, held.staff_id)
        released.append(holder.staff_number if holder else "?")
    _audit(session, actor, "window.release", f"window:{window_number}", now, released=released)
    return released


def window_holders(session: Session, *, now: datetime) -> dict[int, Staff]:
    """Window id -> the staff member whose sign-in holds it now."""
    rows = session.execute(select(StaffToken.window_id, Staff).join(Staff, Staff.id == StaffToken.staff_id).where(
        StaffToken.window_id.is_not(None), StaffToken.revoked_at.is_(None), StaffToken.expires_at > now)).all()
    return {wid: staff for wid, staff in rows if wid is not None}


def logout(session: Session, token: str, *, now: datetime) -> None:
    row = session.scalars(select(StaffToken).where(StaffToken.token_hash == token_hash(token))).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = now


# -- devices ---------------------------------------------------------------------------------

def add_device(session: Session, kind: str, name: str, *, actor: Actor, now: datetime,
               window_number: int | None = None, config: dict[str, object] | None = None) -> tuple[Device, str]:
    try:
        role = Role(kind)
    except ValueError:
        role = None
    if role not in DEVICE_ROLES:
        raise QueueError("invalid_value", f"a device kind is one of {', '.join(r.value for r in DEVICE_ROLES)}",
                         field="kind")
    name = name.strip()
    if not name or len(name) > 100:
        raise QueueError("invalid_value", "a device name is 1-100 characters", field="name")
    if role is Role.COUNTER:
        if window_number is None:
            raise QueueError("invalid_value", "a counter terminal belongs to a window", field="window_number")
        if session.scalars(select(Window).where(Window.number == window_number)).first() is None:
            raise QueueError("unknown_window", f"no window {window_number}", window=window_number)
    token = DEVICE_PREFIX + secrets.token_urlsafe(32)
    device = Device(kind=role.value, name=name, token_hash=token_hash(token), config=config or {},
                    status={}, created_at=now, window_number=window_number)
    session.add(device)
    session.flush()
    _audit(session, actor, "device.add", f"device:{device.id}", now, kind=role.value, name=name)
    return device, token


def revoke_device(session: Session, device_id: int, *, actor: Actor, now: datetime) -> Device:
    device = session.get(Device, device_id)
    if device is None:
        raise QueueError("unknown_device", f"no device {device_id}")
    if device.revoked_at is None:
        device.revoked_at = now
        _audit(session, actor, "device.revoke", f"device:{device.id}", now)
    return device


def authenticate(session: Session, token: str, *, now: datetime) -> Actor:
    """The actor behind a bearer token, or QueueError('unauthenticated')."""
    return authenticate_until(session, token, now=now)[0]


def authenticate_until(session: Session, token: str, *, now: datetime) -> tuple[Actor, datetime | None]:
    """The actor behind a bearer token and when its sign-in ends (None: a device token)."""
    digest = token_hash(token)
    if token.startswith(STAFF_PREFIX):
        row = session.execute(
            select(StaffToken, Staff).join(Staff, Staff.id == StaffToken.staff_id)
            .where(StaffToken.token_hash == digest)).first()
        if row is None:
            raise QueueError("unauthenticated", "unknown token")
        signin, staff = row
        if signin.revoked_at is not None or signin.expires_at <= now or not staff.active:
            raise QueueError("unauthenticated", "this sign-in has ended; sign in again")
        return staff_actor(staff.id, staff.role, window_id=signin.window_id, staff_number=staff.staff_number,
                           name=staff.display_name), signin.expires_at
    if token.startswith(DEVICE_PREFIX):
        device = session.scalars(select(Device).where(Device.token_hash == digest)).first()
        if device is None or device.revoked_at is not None:
            raise QueueError("unauthenticated", "unknown or revoked device token")
        window_id = None
        if device.window_number is not None:
            window_id = session.scalar(select(Window.id).where(Window.number == device.window_number))
        return device_actor(device.id, device.kind, window_id=window_id, name=device.name), None
    raise QueueError("unauthenticated", "unknown token")
