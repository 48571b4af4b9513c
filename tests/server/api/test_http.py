"""The API through a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import httpx
from hallq.server.models import Ticket
from sqlalchemy import func, select


def test_health_needs_no_token(live):
    with live.client() as http:
        answer = http.get("/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok" and answer.json()["database"] == "ok"


def test_issue_and_call_over_http(live):
    service = live.hall.services["amr-001"]
    with live.client("kiosk") as kiosk, live.client("clerk") as clerk:
        first = kiosk.post("/tickets", json={"service_id": service, "priority": "normal"})
        second = kiosk.post("/tickets", json={"service_id": service})
        assert first.status_code == 201
        body = first.json()
        assert {"id", "number", "queue", "ahead", "estimated_wait_s", "status_url"} <= set(body)
        assert body["number"] == "A001" and body["queue"]["prefix"] == "A"
        assert body["status_url"].endswith("/t/" + body["token"])
        assert second.json()["ahead"] == 1
        called = clerk.post("/windows/1/call-next")
        assert called.status_code == 200 and called.json()["number"] == "A001"
        assert called.json()["window"]["number"] == 1
        assert clerk.post("/windows/1/finish", json={}).json()["status"] == "done"
        assert clerk.post("/windows/1/call-next").json()["number"] == "A002"
        clerk.post("/windows/1/finish")
        assert clerk.post("/windows/1/call-next").status_code == 204


def test_public_status_shows_only_that_ticket(live):
    with live.client("kiosk") as kiosk, live.client() as anyone:
        issued = kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"], "phone": "13812345678"}).json()
        status = anyone.get(f"/tickets/status/{issued['token']}")
        assert status.status_code == 200
        assert set(status.json()) == {"number", "status", "queue_name_zh", "queue_name_en", "issued_at", "ahead",
                                      "estimated_wait_s", "window", "called_at"}
        assert anyone.get("/tickets/status/not-a-token").status_code == 404
        assert anyone.get(f"/tickets/{issued['id']}").status_code == 401


def test_idempotent_retry_returns_the_same_ticket(live):
    with live.client("kiosk") as kiosk:
        body = {"service_id": live.hall.services["amr-002"]}
        first = kiosk.post("/tickets", json=body, headers={"Idempotency-Key": "retry-1"})
        again = kiosk.post("/tickets", json=body, headers={"Idempotency-Key": "retry-1"})
        other = kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]},
                           headers={"Idempotency-Key": "retry-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and again.json()["replayed"] is True
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    with live.hall.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 1


def test_call_next_twice_with_one_key_calls_once(live):
    service = live.hall.services["amr-001"]
    with live.client("kiosk") as kiosk, live.client("clerk") as clerk:
        kiosk.post("/tickets", json={"service_id": service})
        kiosk.post("/tickets", json={"service_id": service})
        a = clerk.post("/windows/1/call-next", headers={"Idempotency-Key": "key-press-7"})
        b = clerk.post("/windows/1/call-next", headers={"Idempotency-Key": "key-press-7"})
    assert a.json()["id"] == b.json()["id"] and a.json()["number"] == "A001"


def error(answer: httpx.Response) -> str:
    return answer.json()["error"]["code"]


def test_bad_input_gets_a_4xx_with_a_json_error(live):
    with live.client("kiosk") as kiosk, live.client("clerk") as clerk:
        malformed = kiosk.post("/tickets", content=b'{"service_id": ', headers={"content-type": "application/json"})
        assert (malformed.status_code, error(malformed)) == (400, "malformed_json")
        wrong_type = kiosk.post("/tickets", json={"service_id": "seven"})
        assert (wrong_type.status_code, error(wrong_type)) == (422, "invalid_request")
        assert wrong_type.json()["error"]["details"]["problems"][0]["field"] == "service_id"
        extra = kiosk.post("/tickets", json={"service_id": 1, "vip": True})
        assert extra.status_code == 422
        unknown = kiosk.post("/tickets", json={"service_id": 424242})
        assert (unknown.status_code, error(unknown)) == (404, "unknown_service")
        priority = kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"], "priority": "green"})
        assert (priority.status_code, error(priority)) == (403, "priority_not_allowed")
        big = kiosk.post("/tickets", content=b"{" + b" " * 2_000_000 + b"}",
                         headers={"content-type": "application/json"})
        assert (big.status_code, error(big)) == (413, "body_too_large")
        window = clerk.post("/windows/99/call-next")
        assert window.status_code in (403, 404)
        finish = clerk.post("/windows/1/finish")
        assert (finish.status_code, error(finish)) == (409, "window_idle")
        assert kiosk.get("/nowhere").status_code == 404
    with live.hall.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 0


def test_missing_and_revoked_tokens(live):
    with live.client() as anyone:
        answer = anyone.post("/tickets", json={"service_id": 1})
        assert (answer.status_code, error(answer)) == (401, "unauthenticated")
        assert answer.headers["www-authenticate"] == "Bearer"
        bad = anyone.post("/tickets", json={"service_id": 1}, headers={"Authorization": "Bearer hqd_nonsense"})
        assert bad.status_code == 401
    with live.client("admin") as admin:
        devices = admin.get("/devices").json()
        kiosk_id = next(d["id"] for d in devices if d["name"] == "test-kiosk")
        assert admin.post(f"/devices/{kiosk_id}/revoke").status_code == 200
    with live.client("kiosk") as kiosk:
        answer = kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]})
        assert (answer.status_code, error(answer)) == (401, "unauthenticated")


def test_login_logout_and_card_sign_in(live):
    with live.client() as http:
        wrong = http.post("/auth/login", json={"username": "clerk", "password": "nope nope"})
        assert (wrong.status_code, error(wrong)) == (401, "unauthenticated")
        card = http.post("/auth/login", json={"card": "card-clerk", "window_number": 2})
        assert card.status_code == 200 and card.json()["window_number"] == 2
        token = card.json()["token"]
        me = http.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["role"] == "clerk"
        assert http.post("/auth/logout", headers={"Authorization": f"Bearer {token}"}).status_code == 200
        assert http.get("/auth/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_every_mutation_is_audited_with_its_actor(live):
    from hallq.server.models import AuditEntry, TicketEvent

    with live.client("kiosk") as kiosk, live.client("clerk") as clerk:
        kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]})
        clerk.post("/windows/1/call-next")
        clerk.post("/windows/1/pause", json={"reason": "取材料"})
    with live.hall.db.read() as s:
        events = s.scalars(select(TicketEvent).order_by(TicketEvent.id)).all()
        assert [(e.action, e.actor_kind) for e in events] == [("issue", "device"), ("call", "staff")]
        pause = s.scalars(select(AuditEntry).where(AuditEntry.action == "window.pause")).one()
        assert pause.actor_kind == "staff" and pause.detail["reason"] == "取材料"


def test_metrics_in_prometheus_format(live):
    with live.client("kiosk") as kiosk:
        kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]})
    text = httpx.get(live.url + "/metrics").text
    assert 'hallq_tickets_issued_total{queue="amr-reg"} 1.0' in text
    assert 'hallq_waiting_tickets{queue="amr-reg"} 1.0' in text
    assert "hallq_request_seconds_bucket" in text


def test_held_tickets_of_a_window(live):
    with live.client("kiosk") as kiosk, live.client("clerk") as clerk:
        kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]})
        clerk.post("/windows/1/call-next")
        clerk.post("/windows/1/hold")
        held = clerk.get("/windows/1/held").json()
        assert [h["number"] for h in held] == ["A001"]
        assert clerk.get("/windows/2/held").json() == []
        clerk.post("/windows/1/resume", json={"number": "A001"})
        assert clerk.get("/windows/1/held").json() == []


def test_every_ticket_action_at_a_window_replays_under_its_key(live):
    with live.client("kiosk") as kiosk, live.client("clerk") as clerk:
        kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]})
        clerk.post("/windows/1/call-next")
        first = clerk.post("/windows/1/finish", json={}, headers={"Idempotency-Key": "finish-1"})
        lost_answer_retry = clerk.post("/windows/1/finish", json={}, headers={"Idempotency-Key": "finish-1"})
        unkeyed_retry = clerk.post("/windows/1/finish", json={})
    assert first.status_code == lost_answer_retry.status_code == 200
    assert first.json()["id"] == lost_answer_retry.json()["id"] and lost_answer_retry.json()["status"] == "done"
    assert unkeyed_retry.json()["error"]["code"] == "window_idle"


def test_one_kiosk_cannot_drain_a_queue_past_its_issue_limit(live):
    from concurrent.futures import ThreadPoolExecutor

    service = live.hall.services["amr-001"]

    def issue(_: int) -> httpx.Response:
        with live.client("kiosk") as kiosk:
            return kiosk.post("/tickets", json={"service_id": service})

    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(issue, range(40)))
    codes = [a.status_code for a in answers]
    assert codes.count(201) == 30 and codes.count(429) == 10   # the default kiosk_issues_per_minute
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.json()["error"]["code"] == "rate_limited" and 1 <= int(refused.headers["Retry-After"]) <= 60
    with live.client("clerk") as clerk:   # staff issuing at a counter are not limited
        assert clerk.post("/tickets", json={"service_id": service}).status_code == 201
    with live.hall.db.read() as s:
        assert s.scalar(select(func.count()).select_from(Ticket)) == 31
