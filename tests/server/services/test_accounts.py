"""Sign-in: the password is checked in a read session, the sign-in opened in a short write."""

import threading
from datetime import timedelta

import pytest
from hallq.server.engine import QueueError
from hallq.server.models import AuditEntry, Staff, StaffToken
from hallq.server.services import accounts
from hallq.server.services.actors import SYSTEM
from sqlalchemy import func, select


@pytest.fixture
def clerk(db, now):
    with db.write() as s:
        return accounts.add_staff(s, "wang", role="clerk", password="correct horse", actor=SYSTEM, now=now).id


def _check(db, now, password):
    with db.read() as s:
        return accounts.check_credentials(s, username="wang", password=password, card=None, now=now)


LIMITS = accounts.SignInLimits.of(account_per_minute=3, address_per_minute=5, card_per_minute=4, lockout_minutes=15)


def _claim(db, now, *, username="wang", card=None, address="10.0.0.9"):
    with db.write() as s:
        refusal = accounts.claim_attempt(s, LIMITS, accounts.Attempt(username, card, address), now=now)
    return refusal.code if refusal else None


def test_credentials_are_checked_while_another_transaction_holds_the_write_lock(db, now, clerk):
    # On SQLite a write transaction holds the database's one write lock; the check (argon2)
    # must not need it, or a flood of sign-ins stalls every kiosk.
    holding, release = threading.Event(), threading.Event()

    def writer():
        with db.write() as s:
            s.add(AuditEntry(at=now, actor_kind="system", actor_id=None, action="test.hold", target="x", detail={}))
            s.flush()
            holding.set()
            release.wait(10)

    t = threading.Thread(target=writer)
    t.start()
    try:
        assert holding.wait(10)
        checked = _check(db, now, "correct horse")
        assert checked.staff_id == clerk
        with pytest.raises(QueueError) as wrong:
            _check(db, now, "wrong horse")
        assert wrong.value.code == "unauthenticated"
    finally:
        release.set()
        t.join(10)
    with db.read() as s:   # the check wrote nothing
        assert s.scalar(select(func.count()).select_from(StaffToken)) == 0


def test_open_signin_stores_a_token_and_refuses_a_staff_disabled_in_between(db, now, clerk):
    checked = _check(db, now, "correct horse")
    with db.write() as s:
        signin = accounts.open_signin(s, checked, address="10.0.0.9", now=now, hours=8)
        token = signin.token
    with db.read() as s:
        assert accounts.authenticate_until(s, token, now=now)[0].staff_id == clerk
    with db.write() as s:
        s.get(Staff, clerk).active = False
    with db.write() as s, pytest.raises(QueueError) as refused:
        accounts.open_signin(s, checked, address="10.0.0.9", now=now, hours=8)
    assert refused.value.code == "unauthenticated"


def test_attempts_past_the_account_limit_lock_the_account_and_are_audited(db, now, clerk):
    assert [_claim(db, now, address=f"10.0.0.{i}") for i in range(5)] == [None] * 3 + ["rate_limited"] * 2
    with db.read() as s:
        locked = s.scalars(select(AuditEntry).where(AuditEntry.action == "auth.locked")).all()
        assert [a.target for a in locked] == ["sign-in:account:wang"]   # audited once, at the crossing
        assert [(lock.scope, lock.subject) for lock in accounts.lockouts(s, LIMITS, now=now)] == \
            [("sign-in:account", "wang")]
    # the lock-out outlasts the minute
    assert _claim(db, now + timedelta(minutes=14), address="10.0.0.99") == "rate_limited"
    assert _claim(db, now + timedelta(minutes=15, seconds=1), address="10.0.0.99") is None
    # another account is not touched
    assert _claim(db, now, username="li", address="10.0.0.98") is None


def test_a_succeeding_attempt_gives_its_place_back(db, now, clerk):
    attempt = accounts.Attempt("wang", None, "10.0.0.9")
    for _ in range(10):
        assert _claim(db, now) is None
        with db.write() as s:
            accounts.release_attempt(s, LIMITS, attempt, now=now)
    assert [_claim(db, now) for _ in range(4)] == [None, None, None, "rate_limited"]


def test_wrong_cards_are_counted_for_the_whole_hall_and_per_address(db, now, clerk):
    # different cards, different addresses: the hall-wide card limit still holds
    codes = [_claim(db, now, username=None, card=f"card-{i}", address=f"10.0.1.{i}") for i in range(5)]
    assert codes == [None] * 4 + ["rate_limited"]
    # password sign-in is not locked by the cards
    assert _claim(db, now, address="10.0.1.50") is None
    # one address spraying usernames is locked after its own limit, and locks no account
    codes = [_claim(db, now, username=f"user{i}", address="10.0.2.1") for i in range(7)]
    assert codes == [None] * 5 + ["rate_limited"] * 2
    with db.read() as s:
        scopes = {(lock.scope, lock.subject) for lock in accounts.lockouts(s, LIMITS, now=now)}
    assert scopes == {("sign-in:card", "hall"), ("sign-in:address", "10.0.2.1")}


def test_a_manager_lifts_a_lockout(db, now, clerk):
    for _ in range(4):
        _claim(db, now)
    with db.write() as s:
        accounts.lift_lockout(s, LIMITS, "sign-in:account", "wang", actor=SYSTEM, now=now)
    assert _claim(db, now) is None
    with db.write() as s, pytest.raises(QueueError) as bad:
        accounts.lift_lockout(s, LIMITS, "nonsense", "wang", actor=SYSTEM, now=now)
    assert bad.value.code == "invalid_value"
