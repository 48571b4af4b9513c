"""A window is held by one sign-in at a time (through a real server)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import httpx
from hallq.server.models import AuditEntry
from hallq.server.services import accounts
from hallq.server.services.actors import SYSTEM
from sqlalchemy import select

from tests.support.live import PASSWORD


def sign_in(live, username: str, window: int | None = None) -> httpx.Response:
    with live.client() as http:
        return http.post("/auth/login", json={"username": username, "password": PASSWORD, "window_number": window})


def bearer(response: httpx.Response) -> dict[str, str]:
    return {"Authorization": f"Bearer {response.json()['token']}"}


def add_clerks(live, *names: str) -> None:
    with live.hall.db.write() as s:
        for name in names:
            accounts.add_staff(s, name, role="clerk", password=PASSWORD, actor=SYSTEM, now=datetime.now(UTC))


def test_a_second_clerk_cannot_take_a_held_window_until_a_manager_releases_it(live):
    add_clerks(live, "li")
    # the live hall's clerk holds window 1
    taken = sign_in(live, "li", 1)
    assert (taken.status_code, taken.json()["error"]["code"]) == (409, "window_held")
    assert taken.json()["error"]["details"]["holder"] == "C001"
    li = sign_in(live, "li")
    with live.client() as http:
        moved = http.post("/auth/window", json={"window_number": 1}, headers=bearer(li))
        assert (moved.status_code, moved.json()["error"]["code"]) == (409, "window_held")
        # li may not act at window 1 either
        assert http.post("/windows/1/call-next", headers=bearer(li)).status_code == 403
    with live.client("manager") as manager:
        windows = {w["number"]: w for w in manager.get("/snapshot").json()["windows"]}
        assert windows[1]["signed_in_number"] == "C001" and windows[2]["signed_in_number"] == ""
        released = manager.post("/auth/window/release", json={"window_number": 1})
        assert released.json()["released"] == ["C001"]
    with live.client() as http:
        assert http.post("/auth/window", json={"window_number": 1}, headers=bearer(li)).status_code == 200
    with live.client("clerk") as clerk:   # the first clerk's sign-in is valid, at no window
        assert clerk.get("/auth/me").json()["window_id"] is None
        assert clerk.post("/windows/1/call-next").status_code == 403
    with live.hall.db.read() as s:
        assert s.scalars(select(AuditEntry.action).where(AuditEntry.action == "window.release")).all() == \
            ["window.release"]


def test_signing_out_frees_the_window_and_the_same_clerk_may_sign_in_again(live):
    add_clerks(live, "li")
    again = sign_in(live, "clerk", 1)   # the counter PC restarted: the old sign-in lets go
    assert again.status_code == 200 and again.json()["window_number"] == 1
    with live.client("clerk") as old:
        assert old.get("/auth/me").json()["window_id"] is None
    with live.client() as http:
        assert http.post("/auth/logout", headers=bearer(again)).status_code == 200
    assert sign_in(live, "li", 1).status_code == 200


def test_two_clerks_taking_one_window_at_once_one_wins(live):
    names = [f"clerk{i}" for i in range(6)]
    add_clerks(live, *names)
    tokens = [bearer(sign_in(live, name)) for name in names]

    def take(headers: dict[str, str]) -> int:
        with live.client() as http:
            return http.post("/auth/window", json={"window_number": 3}, headers=headers).status_code

    with ThreadPoolExecutor(len(tokens)) as pool:
        codes = list(pool.map(take, tokens))
    assert sorted(codes) == [200] + [409] * (len(names) - 1)
