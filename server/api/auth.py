"""Sign-in for staff: password or staff card, and choosing the window."""

from __future__ import annotations

import contextlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.security import HTTPAuthorizationCredentials

from ..engine import QueueError
from ..services import accounts
from ..services.actors import Actor
from ..settings import Settings
from .deps import (
    MANAGERS,
    STAFF,
    NowDep,
    SettingsDep,
    bearer,
    client_address,
    current_actor,
    require,
    transaction,
)
from .schemas import LockoutLift, LoginRequest, LoginResponse, WindowChoice

router = APIRouter(prefix="/auth", tags=["auth"])

# Password checks (argon2: tens of ms of CPU and 64 MiB each) run one at a time per server
# process, on a thread of their own at the lowest CPU priority: a flood of sign-ins gets only
# the CPU the kiosks and windows leave over, and never the memory or the thread pool their
# requests need. A sign-in that cannot start its check within a few seconds is told to come
# back.
_CHECKS = threading.BoundedSemaphore(1)
CHECK_WAIT_S = 3.0


def _lowest_priority() -> None:
    # On Linux a thread has its own nice value, set through its thread id.
    with contextlib.suppress(AttributeError, OSError):
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)


_CHECKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="hallq-sign-in", initializer=_lowest_priority)


def sign_in_limits(settings: Settings) -> accounts.SignInLimits:
    return accounts.SignInLimits.of(account_per_minute=settings.login_attempts_per_minute,
                                    address_per_minute=settings.login_failures_per_address_per_minute,
                                    card_per_minute=settings.card_failures_per_minute,
                                    lockout_minutes=settings.login_lockout_minutes)


@router.post("/login", response_model=LoginResponse, tags=["public"])
def login(body: LoginRequest, request: Request, now: NowDep, settings: SettingsDep) -> LoginResponse:
    """Username and password, or a staff card number; answers a bearer token. Failed
    attempts are limited per account, per address and (cards) per hall; past a limit the
    account, address or card sign-in is locked for a while (429 with Retry-After)."""
    if not body.card and not (body.username and body.password is not None):
        raise QueueError("invalid_value", "give a username and password, or a card", field="username")
    address = client_address(request)
    limits = sign_in_limits(settings)
    attempt = accounts.Attempt(body.username, body.card, address)
    # The attempt is counted before anything is checked, in its own short transaction.
    with transaction(request) as s:
        refusal = accounts.claim_attempt(s, limits, attempt, now=now)
    if refusal is not None:
        raise refusal
    try:
        # The password is checked (argon2, tens of ms) in a read session: no write lock is
        # held while hashing, so a flood of sign-ins does not stall the queues.
        if not _CHECKS.acquire(timeout=CHECK_WAIT_S):
            raise QueueError("sign_in_busy", "too many sign-ins at once; try again in a moment", retry_after_s=1)
        try:
            checked = _CHECKER.submit(_check, request, body, now).result()
        finally:
            _CHECKS.release()
        with transaction(request) as s:
            signin = accounts.open_signin(s, checked, address=address, now=now, hours=settings.staff_token_hours,
                                          window_number=body.window_number)
            accounts.release_attempt(s, limits, attempt, now=now)
            staff = signin.staff
            return LoginResponse(token=signin.token, expires_at=signin.expires_at,
                                 staff={"id": staff.id, "username": staff.username, "display_name": staff.display_name,
                                        "staff_number": staff.staff_number, "role": staff.role},
                                 window_number=signin.window.number if signin.window else None)
    except QueueError as exc:
        with transaction(request) as s:
            if exc.code == "unauthenticated":
                accounts.record_failed_login(s, username=body.username, card=body.card, address=address, now=now)
            else:   # busy, or a window that does not exist: not a wrong guess
                accounts.release_attempt(s, limits, attempt, now=now)
        raise


def _check(request: Request, body: LoginRequest, now: datetime) -> accounts.Checked:
    with request.app.state.db.read() as s:
        return accounts.check_credentials(s, username=body.username, password=body.password, card=body.card,
                                          now=now)


@router.post("/window")
def choose_window(body: WindowChoice, request: Request, now: NowDep,
                  _actor: Annotated[Actor, Depends(require(*STAFF))],
                  credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> dict[str, Any]:
    """Bind this sign-in to the window the clerk works at. A window is held by one sign-in at a
    time: while another staff member's sign-in holds it, 409 window_held (they sign out, or a
    floor manager releases the window)."""
    assert credentials is not None
    with transaction(request) as s:
        w = accounts.choose_window(s, credentials.credentials, body.window_number, now=now)
        number = w.number
    request.app.state.tokens.forget(credentials.credentials)   # the sign-in's window changed
    return {"window_number": number}


@router.post("/window/release")
def release_window(body: WindowChoice, request: Request, now: NowDep,
                   actor: Annotated[Actor, Depends(require(*MANAGERS))]) -> dict[str, Any]:
    """Free a window from the sign-in holding it (a clerk who left without signing out). That
    sign-in stays valid, at no window; this process forgets the tokens it had checked, the
    other processes within token_cache_s."""
    with transaction(request) as s:
        released = accounts.release_window(s, body.window_number, actor=actor, now=now)
    request.app.state.tokens.forget()
    return {"window_number": body.window_number, "released": released}


@router.post("/logout")
def logout(request: Request, now: NowDep, _actor: Annotated[Actor, Depends(current_actor)],
           credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> dict[str, str]:
    assert credentials is not None
    with transaction(request) as s:
        accounts.logout(s, credentials.credentials, now=now)
    request.app.state.tokens.forget(credentials.credentials)
    return {"status": "signed_out"}


@router.get("/me")
def me(actor: Annotated[Actor, Depends(current_actor)]) -> dict[str, Any]:
    return {"kind": actor.kind, "id": actor.id, "role": actor.role.value, "window_id": actor.window_id,
            "staff_number": actor.staff_number, "name": actor.name}


@router.get("/lockouts")
def list_lockouts(request: Request, now: NowDep, settings: SettingsDep,
                  _actor: Annotated[Actor, Depends(require(*MANAGERS))]) -> list[dict[str, Any]]:
    """Accounts, addresses and card sign-in locked now after too many failed sign-ins."""
    with request.app.state.db.read() as s:
        return [{"scope": lock.scope, "subject": lock.subject, "until": lock.until}
                for lock in accounts.lockouts(s, sign_in_limits(settings), now=now)]


@router.post("/lockouts/lift")
def lift_lockout(body: LockoutLift, request: Request, now: NowDep, settings: SettingsDep,
                 actor: Annotated[Actor, Depends(require(*MANAGERS))]) -> dict[str, str]:
    """Lift a lock-out before its time (the account's owner was identified in person)."""
    with transaction(request) as s:
        accounts.lift_lockout(s, sign_in_limits(settings), body.scope, body.subject, actor=actor, now=now)
    return {"status": "lifted"}
