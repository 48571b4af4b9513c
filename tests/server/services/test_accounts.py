"""Sign-in: the password is checked in a read session, the sign-in opened in a short write."""

import threading

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


def _check(db, now, password, **kw):
    with db.read() as s:
        return accounts.check_credentials(s, username="wang", password=password, card=None, address="10.0.0.9",
                                          now=now, limit_per_minute=kw.get("limit", 10))


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


def test_failed_attempts_past_the_limit_are_refused_before_any_check(db, now, clerk):
    for _ in range(3):
        with db.write() as s:
            accounts.record_failed_login(s, username="wang", card=None, address="10.0.0.9", now=now)
    with pytest.raises(QueueError) as limited:
        _check(db, now, "correct horse", limit=3)
    assert limited.value.code == "rate_limited"
    assert _check(db, now, "correct horse", limit=4).staff_id == clerk
