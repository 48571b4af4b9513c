"""Sign-ins as an attacker on the hall's LAN sees them: no cookie or URL carries authority (so
a page on another site cannot act with a clerk's browser), a sign-in always mints its own
token, and an ended sign-in is refused at once."""

from __future__ import annotations

import httpx

from tests.support.live import PASSWORD


def _code(answer: httpx.Response) -> str:
    return answer.json()["error"]["code"]


def test_a_cross_site_request_carries_no_authority(live):
    """The staff pages send their token as a bearer header from the tab's storage; a forged
    form post from another site can only bring cookies, which count for nothing."""
    forged = httpx.post(live.url + "/api/v1/windows/1/call-next",
                        headers={"Origin": "http://evil.example", "Cookie": f"token={live.tokens['clerk']}"},
                        timeout=10)
    assert (forged.status_code, _code(forged)) == (401, "unauthenticated")
    in_query = httpx.post(live.url + f"/api/v1/windows/1/call-next?token={live.tokens['clerk']}", timeout=10)
    assert (in_query.status_code, _code(in_query)) == (401, "unauthenticated")


def test_no_other_origin_may_read_answers(live):
    preflight = httpx.options(live.url + "/api/v1/auth/me", timeout=10,
                              headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "GET",
                                       "Access-Control-Request-Headers": "authorization"})
    assert "access-control-allow-origin" not in preflight.headers
    read = httpx.get(live.url + "/api/v1/auth/me", timeout=10,
                     headers={"Origin": "http://evil.example", "Authorization": f"Bearer {live.tokens['manager']}"})
    assert "access-control-allow-origin" not in read.headers


def test_a_sign_in_never_adopts_a_token_it_was_given(live):
    planted = "hqs_" + "a" * 43
    with live.client() as http:
        answer = http.post("/auth/login", json={"username": "manager", "password": PASSWORD},
                           headers={"Authorization": f"Bearer {planted}", "Cookie": f"token={planted}"})
        assert answer.status_code == 200
        token = answer.json()["token"]
        assert token not in (planted, live.tokens["manager"])
        assert http.get("/auth/me", headers={"Authorization": f"Bearer {planted}"}).status_code == 401
        again = http.post("/auth/login", json={"username": "manager", "password": PASSWORD}).json()["token"]
        assert again != token


def test_a_signed_out_token_is_refused_at_once(live):
    with live.client() as http:
        token = http.post("/auth/login", json={"username": "manager", "password": PASSWORD}).json()["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert http.get("/auth/me", headers=bearer).status_code == 200   # now in the token cache
        assert http.post("/auth/logout", headers=bearer).status_code == 200
        after = http.get("/auth/me", headers=bearer)
        assert (after.status_code, _code(after)) == (401, "unauthenticated")
        assert http.post("/auth/logout", headers=bearer).status_code == 401
