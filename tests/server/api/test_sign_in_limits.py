"""Sign-in limits through a real server: per account, per address and for staff cards, atomic
under parallel attempts, locked out with Retry-After, audited and shown to managers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
from hallq.server.models import AuditEntry
from sqlalchemy import select

LOCKOUT_S = 15 * 60   # the default login_lockout_minutes


def error(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


def test_wrong_passwords_lock_the_account_even_for_the_right_one(live):
    with live.client() as http:
        codes = [http.post("/auth/login", json={"username": "manager", "password": f"guess-{i}"}).status_code
                 for i in range(11)]
        assert codes[:10] == [401] * 10 and codes[10] == 429
        right = http.post("/auth/login", json={"username": "manager", "password": "correct horse battery"})
    assert (right.status_code, error(right)) == (429, "rate_limited")
    assert right.json()["error"]["details"]["limit"] == "sign-in:account"
    assert 0 < int(right.headers["Retry-After"]) <= LOCKOUT_S and int(right.headers["Retry-After"]) > 60


def test_parallel_wrong_passwords_are_checked_no_more_than_the_limit(live):
    # 40 at once against a limit of 10: each attempt is counted before its password is
    # checked, so exactly 10 are checked (401) and 30 refused unchecked (429).
    def attempt(i: int) -> int:
        with live.client() as http:
            return http.post("/auth/login", json={"username": "clerk", "password": f"guess-{i}"}).status_code

    with ThreadPoolExecutor(40) as pool:
        codes = list(pool.map(attempt, range(40)))
    assert codes.count(401) == 10 and codes.count(429) == 30
    with live.hall.db.read() as s:
        failed = s.scalars(select(AuditEntry).where(AuditEntry.action == "auth.login_failed")).all()
    assert len(failed) == 10


def test_guessing_cards_from_one_address_never_reaches_the_right_card(live):
    with live.client() as http:
        codes = [http.post("/auth/login", json={"card": f"guess-{i:04d}"}).status_code for i in range(60)]
        right = http.post("/auth/login", json={"card": "card-manager"})
    assert codes[:30] == [401] * 30 and set(codes[30:]) == {429}
    assert (right.status_code, error(right)) == (429, "rate_limited")


def test_a_spray_over_usernames_locks_the_address_not_the_accounts(live):
    with live.client() as http:
        codes = [http.post("/auth/login", json={"username": f"nobody-{i}", "password": "guess"}).status_code
                 for i in range(31)]
        assert codes[:30] == [401] * 30 and codes[30] == 429
        right = http.post("/auth/login", json={"username": "clerk", "password": "correct horse battery"})
        assert (right.status_code, error(right)) == (429, "rate_limited")
        assert right.json()["error"]["details"]["limit"] == "sign-in:address"
    with live.client("manager") as manager:
        locks = manager.get("/auth/lockouts").json()
    assert [(lock["scope"], lock["subject"]) for lock in locks] == [("sign-in:address", "127.0.0.1")]


def test_successful_sign_ins_do_not_count_against_the_limit(live):
    with live.client() as http:
        for _ in range(15):
            ok = http.post("/auth/login", json={"username": "clerk", "password": "correct horse battery"})
            assert ok.status_code == 200
        assert http.post("/auth/login", json={"card": "card-clerk"}).status_code == 200


def test_a_lockout_is_audited_listed_and_lifted_by_a_manager(live):
    with live.client() as http:
        for i in range(11):
            http.post("/auth/login", json={"username": "clerk", "password": f"guess-{i}"})
    with live.client("clerk") as clerk:
        assert clerk.get("/auth/lockouts").status_code == 403
    with live.client("manager") as manager:
        locks = manager.get("/auth/lockouts").json()
        assert [(lock["scope"], lock["subject"]) for lock in locks] == [("sign-in:account", "clerk")]
        bad = manager.post("/auth/lockouts/lift", json={"scope": "sign-in:everything", "subject": "clerk"})
        assert bad.status_code == 422
        assert manager.post("/auth/lockouts/lift", json={"scope": "sign-in:account", "subject": "clerk"}).status_code == 200
        assert manager.get("/auth/lockouts").json() == []
    with live.client() as http:
        assert http.post("/auth/login", json={"username": "clerk", "password": "correct horse battery"}).status_code == 200
    with live.hall.db.read() as s:
        actions = [a.action for a in s.scalars(select(AuditEntry).where(AuditEntry.action.in_(
            ["auth.locked", "auth.unlock"])).order_by(AuditEntry.id))]
    assert actions == ["auth.locked", "auth.unlock"]
