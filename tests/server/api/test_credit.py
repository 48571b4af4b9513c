"""The credit query terminal's API over real HTTP: contracts, masking, the query log and the
per-device rate limit, with local records and with the simulated city platform."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from hallq.server.credit import demo
from hallq.server.credit.platform import PlatformSimulator
from hallq.server.credit.scrub import leaks
from hallq.server.models import Device
from hallq.server.models.credit import CreditQuery
from sqlalchemy import select

from tests.server.credit.conftest import load
from tests.server.credit.platform_data import records
from tests.support.live import start_live_hall

SUMMARY_KEYS = {"code", "name", "status", "type", "established", "legal_representative", "penalties", "licences",
                "lists", "tax_grade"}
HUARUI = "91110000600037341L"


def demo_with_notices() -> list[dict[str, Any]]:
    """Demo companies, among them some whose penalty notices print ID and mobile numbers."""
    companies = list(demo.companies(150, seed=11))
    assert sum("身份证号" in p["facts"] for c in companies for p in c.get("penalties", ())) >= 3
    return companies


def test_search_and_record_contracts(live):
    companies = demo_with_notices()
    load(live.hall.db, records() + companies)
    answers: list[httpx.Response] = []
    with live.client("kiosk") as kiosk:
        def get(path: str, **params: Any) -> httpx.Response:
            answers.append(kiosk.get(path, params=params))
            return answers[-1]

        by_code = get("/credit/search", q=HUARUI).json()
        assert (by_code["query"], by_code["kind"], by_code["warning"]) == (HUARUI, "code", None)
        [hit] = by_code["results"]
        assert set(hit) == SUMMARY_KEYS
        assert (hit["penalties"], hit["lists"], hit["tax_grade"], hit["status"]) == (1, ["abnormal"], "A", "active")
        warned = get("/credit/search", q=HUARUI[:-1] + "0").json()
        assert (warned["kind"], warned["warning"], warned["results"]) == ("code", "check_character", [])
        by_name = get("/credit/search", q="华瑞").json()
        assert by_name["kind"] == "name" and HUARUI in {r["code"] for r in by_name["results"]}
        by_initials = get("/credit/search", q="hrjc", limit=5).json()
        assert by_initials["kind"] == "initials" and by_initials["results"][0]["code"] == HUARUI
        full = get(f"/credit/companies/{HUARUI}").json()
        assert set(full) == {"registration", "licences", "penalties", "lists", "tax", "sources", "queried_at"}
        assert full["lists"] == [{"list": "abnormal", "reason": "无法联系", "included_on": "2025-01-01",
                                  "removed_on": None, "authority": "", "source": ""}]
        assert full["tax"]["grade"] == "A" and full["registration"]["legal_representative"] == "王伟"
        assert get(f"/credit/companies/{HUARUI.lower()}").json()["registration"]["code"] == HUARUI
        # every company with a penalty, in full: the notices' personal numbers must not come back
        for c in companies:
            if c.get("penalties"):
                assert get(f"/credit/companies/{c['code']}").status_code == 200
        missing = get("/credit/companies/91430100MA4L1PX36W")
        assert (missing.status_code, missing.json()["error"]["code"]) == (404, "unknown_company")
        for bad in ({"q": ""}, {"q": "华" * 61}, {}):
            refused = get("/credit/search", **bad)
            assert (refused.status_code, refused.json()["error"]["code"]) == (422, "invalid_value")
        malformed = get("/credit/companies/not-a-code")
        assert (malformed.status_code, malformed.json()["error"]["code"]) == (422, "invalid_value")
    texts = "\n".join(a.text for a in answers)
    assert leaks(texts) == []
    raw_ids = {c["legal_representative_id"] for c in companies} | {"430105198806121231"}
    assert not any(number in texts for number in raw_ids)
    assert "********" in texts   # masked numbers are there, in their masked form


def test_who_may_ask(live):
    load(live.hall.db, records())
    for role, status in (("kiosk", 200), ("clerk", 200), ("manager", 200), ("admin", 200), ("display", 403),
                         ("counter", 403), (None, 401)):
        with live.client(role) as http:
            assert http.get("/credit/search", params={"q": "华瑞"}).status_code == status, role
            assert http.get(f"/credit/companies/{HUARUI}").status_code == status, role


def test_every_query_is_logged_with_who_where_what_and_how_many(live):
    load(live.hall.db, records())
    with live.client("kiosk") as kiosk, live.client("clerk") as clerk:
        kiosk.get("/credit/search", params={"q": "华瑞"})
        kiosk.get("/credit/search", params={"q": "430105198806121231"})   # an ID number typed by mistake
        kiosk.get("/credit/search", params={"q": ""})
        clerk.get(f"/credit/companies/{HUARUI}")
        clerk.get("/credit/companies/91430100MA4L1PX36W")
    with live.hall.db.read() as s:
        kiosk_id = s.scalars(select(Device.id).where(Device.name == "test-kiosk")).one()
        log = [(q.actor_kind, q.actor_id == kiosk_id, q.role, q.action, q.query, q.kind, q.results, q.outcome,
                q.address, q.source) for q in s.scalars(select(CreditQuery).order_by(CreditQuery.id))]
        window = s.scalars(select(CreditQuery.window_id).where(CreditQuery.role == "clerk")).first()
    assert log == [
        ("device", True, "kiosk", "search", "华瑞", "name", 2, "ok", "127.0.0.1", "local"),
        ("device", True, "kiosk", "search", "430105********1231", "code", 0, "ok", "127.0.0.1", "local"),
        ("device", True, "kiosk", "search", "", "", 0, "invalid", "127.0.0.1", "local"),
        ("staff", False, "clerk", "company", HUARUI, "code", 1, "ok", "127.0.0.1", "local"),
        ("staff", False, "clerk", "company", "91430100MA4L1PX36W", "code", 0, "not_found", "127.0.0.1", "local"),
    ]
    assert window == live.hall.windows[1]


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_rate_limited_per_device_per_minute(db, tmp_path):
    clock = Clock()
    hall = start_live_hall(db, tmp_path, clock=clock, credit_queries_per_minute=3)
    try:
        load(db, records())
        with hall.client("kiosk") as kiosk, hall.client("clerk") as clerk:
            assert [kiosk.get("/credit/search", params={"q": "华瑞"}).status_code for _ in range(3)] == [200] * 3
            refused = kiosk.get(f"/credit/companies/{HUARUI}")
            assert (refused.status_code, refused.json()["error"]["code"]) == (429, "rate_limited")
            assert kiosk.get("/credit/search", params={"q": "华瑞"}).status_code == 429
            assert clerk.get("/credit/search", params={"q": "华瑞"}).status_code == 200   # another actor
            clock.now += timedelta(seconds=61)
            assert kiosk.get("/credit/search", params={"q": "华瑞"}).status_code == 200
    finally:
        hall.server.stop()
    with db.read() as s:
        outcomes = [q.outcome for q in s.scalars(select(CreditQuery).where(CreditQuery.role == "kiosk")
                                                 .order_by(CreditQuery.id))]
    assert outcomes == ["ok", "ok", "ok", "rate_limited", "rate_limited", "ok"]


def test_the_city_platform_behind_the_same_api(db, tmp_path):
    token = "platform-token"
    platform = PlatformSimulator(records(), token=token).start()
    hall = start_live_hall(db, tmp_path, credit_source="http", credit_http_url=platform.url,
                           credit_http_token=token, credit_http_timeout_s=5)
    try:
        with hall.client("kiosk") as kiosk:
            found = kiosk.get("/credit/search", params={"q": "hrjc"})
            assert found.status_code == 200 and [r["code"] for r in found.json()["results"]] == [HUARUI]
            full = kiosk.get(f"/credit/companies/{HUARUI}")
            assert full.status_code == 200 and full.json()["tax"]["grade"] == "A"
            assert leaks(found.text + full.text) == [] and "430105198806121231" not in full.text
            assert kiosk.get("/credit/companies/91430100MA4L1PX36W").status_code == 404
            platform.fail_with = 503
            down = kiosk.get("/credit/search", params={"q": "华瑞"})
            assert (down.status_code, down.json()["error"]["code"]) == (503, "credit_unavailable")
    finally:
        hall.server.stop()
        platform.stop()
    with db.read() as s:
        assert [(q.source, q.outcome) for q in s.scalars(select(CreditQuery).order_by(CreditQuery.id))] == [
            ("http", "ok"), ("http", "ok"), ("http", "not_found"), ("http", "unavailable")]
    assert any(r.startswith("/companies?") for r in platform.requests)
