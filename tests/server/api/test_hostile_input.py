"""Input a hostile client sends, through a real server: each gets its coded refusal, none a
500 or a dropped connection, and the same answer on SQLite and PostgreSQL."""

from __future__ import annotations

import httpx
import pytest
from hallq.server.models import Department

from tests.support.live import start_live_hall


def error(response: httpx.Response) -> str:
    return response.json()["error"]["code"]


@pytest.mark.parametrize("path", ["/static/%00", "/static/a%00.js", "/api/v1/services%00", "/t/%00"])
def test_a_nul_in_the_path_is_not_found(live, path):
    answer = httpx.get(live.url + path)
    assert (answer.status_code, error(answer)) == (404, "not_found")


def test_a_nul_in_the_query_or_the_body_is_refused_the_same_on_every_database(live):
    with live.client("kiosk") as kiosk, live.client("admin") as admin:
        query = kiosk.get("/services", params={"q": "食品\x00"})
        assert (query.status_code, error(query)) == (422, "invalid_value")
        body = admin.post("/departments", json={"code": "nul-dept", "name_zh": "窗口\x00部门"})
        assert (body.status_code, error(body)) == (422, "invalid_request")
        assert body.json()["error"]["details"]["problems"][0]["field"] == "name_zh"
        ticket = kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"], "phone": "1380013\x008000"})
        assert ticket.status_code == 422
    with live.hall.db.read() as s:
        assert s.query(Department).filter(Department.code == "nul-dept").count() == 0


@pytest.mark.parametrize("q", ["%", "%%", "_", "__", "\\"])
def test_search_wildcards_are_matched_as_text(live, q):
    with live.client("kiosk") as kiosk:
        assert kiosk.get("/services", params={"q": q}).json() == []
        assert kiosk.get("/departments", params={"q": q}).json() == []


def test_a_chunked_body_over_the_limit_is_413_and_one_under_it_is_read(live):
    def chunks(total_kib: int):
        yield b'{"username": "clerk", "password": "'
        for _ in range(total_kib):
            yield b"x" * 1024
        yield b'"}'

    big = httpx.post(live.url + "/api/v1/auth/login", content=chunks(1100), headers={"Content-Type": "application/json"})
    assert (big.status_code, error(big)) == (413, "body_too_large")
    small = httpx.post(live.url + "/api/v1/auth/login", content=chunks(1), headers={"Content-Type": "application/json"})
    assert (small.status_code, error(small)) == (422, "invalid_request")   # the password is too long: read, then refused


@pytest.mark.parametrize("query", [{"to": "0"}, {"from": "1700000000"}, {"from": "٢٠٢٦-٠١-٠١"}, {"from": "2026-1-1"},
                                   {"from": "2026-02-30"}])
def test_a_day_is_written_yyyy_mm_dd_in_ascii_digits(live, query):
    with live.client("manager") as manager:
        answer = manager.get("/reports/summary", params=query)
        assert (answer.status_code, error(answer)) == (422, "invalid_request")
        assert manager.get("/reports/summary", params={"from": "2026-01-01"}).status_code == 200


@pytest.mark.parametrize("number", ["A٠٠١", "A００１", "A¹"])
def test_a_ticket_number_in_other_digits_is_422_not_503(live, number):
    with live.client("display") as display:
        answer = display.get("/announcements", params={"number": number, "window": 1})
    assert (answer.status_code, error(answer)) == (422, "invalid_value")


def test_an_id_number_in_other_digits_or_with_no_province_is_refused(live):
    with live.client("kiosk") as kiosk:
        for id_number, reason in (("١١٠١٠٥١٩٤٩١٢٣١٠٠٢X", "shape"), ("990105194912310021", "region")):
            answer = kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"], "id_number": id_number})
            assert (answer.status_code, error(answer)) == (422, "invalid_id_number")
            assert answer.json()["error"]["details"]["reason"] == reason


def test_metrics_are_read_from_allowed_addresses_or_with_the_token(db, tmp_path):
    hall = start_live_hall(db, tmp_path, metrics_addresses=["10.9.9.0/24"], metrics_token="scrape-me")
    try:
        refused = httpx.get(hall.url + "/metrics")
        assert (refused.status_code, error(refused)) == (403, "forbidden")
        assert httpx.get(hall.url + "/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
        scraped = httpx.get(hall.url + "/metrics", headers={"Authorization": "Bearer scrape-me"})
        assert scraped.status_code == 200 and "hallq_request_seconds" in scraped.text
    finally:
        hall.server.stop()


def test_metrics_default_to_the_server_itself(live):
    assert httpx.get(live.url + "/metrics").status_code == 200   # 127.0.0.1 is allowed by default


@pytest.mark.parametrize("body", [b"[" * 200_000 + b"]" * 200_000, b'{"a":' * 100_000 + b"1" + b"}" * 100_000],
                         ids=["arrays", "objects"])
def test_json_nested_too_deep_is_refused_and_the_server_goes_on(live, body):
    """A body under the size limit whose nesting would exhaust the parser's stack."""
    for path, role in (("/api/v1/services", "admin"), ("/api/v1/appointments", None)):
        headers = {"Content-Type": "application/json"}
        if role:
            headers["Authorization"] = f"Bearer {live.tokens[role]}"
        answer = httpx.post(live.url + path, content=body, headers=headers, timeout=20)
        assert (answer.status_code, answer.json()["error"]["code"]) == (400, "malformed_json")
    assert httpx.get(live.url + "/api/v1/health", timeout=10).status_code == 200
