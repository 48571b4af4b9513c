"""Every refusal is in the OpenAPI document: each operation lists its error statuses with the
one coded body, the codes each status stands for there, and Retry-After where it is sent; and
what the server really answers is what the document says."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from hallq.server.api.openapi import ALL, DOMAIN, WIRE, WITHOUT_DATABASE
from hallq.server.engine.errors import CODES

ERROR = "#/components/schemas/Error"


@pytest.fixture
def doc(live) -> dict[str, Any]:
    answer = httpx.get(live.url + "/openapi.json", timeout=10)
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


def operations(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f"{method.upper()} {path}": op for path, methods in doc["paths"].items() for method, op in methods.items()}


def refusals(op: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {int(status): r for status, r in op["responses"].items() if int(status) >= 400}


def codes(response: dict[str, Any]) -> list[str]:
    """The codes a refusal documents: the enum its body narrows error.code to."""
    schema = response["content"]["application/json"]["schema"]
    return list(schema["allOf"][1]["properties"]["error"]["properties"]["code"]["enum"])


def conforms(value: Any, schema: dict[str, Any], doc: dict[str, Any]) -> bool:
    """``value`` against the part of JSON Schema the error bodies use."""
    if "$ref" in schema:
        target: Any = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        return conforms(value, target, doc)
    if not all(conforms(value, part, doc) for part in schema.get("allOf", [])):
        return False
    kind = schema.get("type")
    if kind == "object":
        if not isinstance(value, dict) or not set(schema.get("required", [])) <= set(value):
            return False
        props = schema.get("properties", {})
        if schema.get("additionalProperties") is False and not set(value) <= set(props):
            return False
        return all(conforms(value[k], s, doc) for k, s in props.items() if k in value)
    if kind == "array":
        return isinstance(value, list) and all(conforms(v, schema.get("items", {}), doc) for v in value)
    if kind == "string" and not isinstance(value, str):
        return False
    return "enum" not in schema or value in schema["enum"]


def test_every_operation_documents_its_refusals_with_the_error_body(doc):
    ops = operations(doc)
    assert len(ops) > 90
    assert {"Error", "ErrorInfo", "ErrorProblem"} <= set(doc["components"]["schemas"])
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    for key, op in ops.items():
        found = refusals(op)
        params = {p["in"] for p in op.get("parameters", [])}
        expected = set()
        if op.get("security"):
            expected.add(401)
        if "path" in params:
            expected.add(404)
            assert any(c.startswith("unknown_") for c in codes(found[404])), key
        if params or "requestBody" in op:
            expected.add(422)
            assert "invalid_request" in codes(found[422]), key
        if "requestBody" in op:
            expected |= {400, 413}
        if key not in WITHOUT_DATABASE:
            expected.add(503)
            assert "database_unavailable" in codes(found[503]), key
        assert expected <= set(found), (key, sorted(expected - set(found)))
        for status, response in found.items():
            schema = response["content"]["application/json"]["schema"]
            assert schema["allOf"][0] == {"$ref": ERROR}, (key, status)
            assert response["description"].startswith(f"{status}: {', '.join(codes(response))}"), (key, status)
            assert ("Retry-After" in response.get("headers", {})) == (status in (429, 503)), (key, status)
        if 403 in found and "forbidden" in codes(found[403]):
            assert "Allowed roles: " in found[403]["description"], key


def test_every_code_is_known_under_its_own_status(doc):
    assert doc["components"]["schemas"]["ErrorInfo"]["properties"]["code"]["enum"] == sorted(ALL)
    named: set[str] = set()
    for key, op in operations(doc).items():
        for status, response in refusals(op).items():
            for code in codes(response):
                assert code in CODES or code in WIRE, (key, code)
                assert ALL[code] == status, (key, code, status)
                named.add(code)
    # Every code of the use cases is answered by some operation; the table names no others.
    assert set(CODES) - {"invalid_command", "number_exhausted"} <= named
    for key, listed in DOMAIN.items():
        assert set(listed) <= set(CODES), (key, set(listed) - set(CODES))


def test_every_operation_is_in_the_table_of_domain_codes(doc):
    missing = sorted(set(operations(doc)) - set(DOMAIN))
    assert missing == []
    for key in DOMAIN:
        method, path = key.split(" ")
        assert method in {"GET", "POST", "PUT", "PATCH", "DELETE"} and path.startswith("/api/v1/"), key


@pytest.mark.parametrize(("key", "status", "expected"), [
    ("POST /api/v1/windows/{window_number}/call-next", 409,
     {"window_busy", "window_closed", "window_paused", "idempotency_conflict"}),
    ("POST /api/v1/windows/{window_number}/call-next", 403, {"forbidden"}),
    ("POST /api/v1/windows/{window_number}/call-next", 503, {"writer_unavailable", "database_unavailable"}),
    ("POST /api/v1/auth/login", 429, {"rate_limited"}),
    ("POST /api/v1/auth/login", 401, {"unauthenticated"}),
    ("POST /api/v1/auth/login", 503, {"sign_in_busy"}),
    ("GET /api/v1/tickets/{ticket_id}", 404, {"unknown_ticket"}),
    ("GET /api/v1/cases/{ticket_id}", 404, {"unknown_case"}),
    ("POST /api/v1/tickets", 403, {"forbidden", "priority_not_allowed"}),
    ("POST /api/v1/tickets", 429, {"rate_limited"}),
    ("POST /api/v1/appointments", 422, {"challenge_required", "challenge_failed", "invalid_request"}),
    ("POST /api/v1/appointments", 429, {"rate_limited"}),
    ("GET /api/v1/appointments/{code}", 429, {"rate_limited"}),
    ("GET /api/v1/appointments/{code}", 404, {"unknown_appointment", "not_found"}),
])
def test_spot_checks(doc, key, status, expected):
    assert expected <= set(codes(refusals(operations(doc)[key])[status]))


def test_spot_checks_of_what_is_not_there(doc):
    ops = operations(doc)
    assert set(refusals(ops["GET /api/v1/health"])) == set()
    book = refusals(ops["POST /api/v1/appointments"])
    assert 401 not in book and codes(book[403]) == ["booking_blocked"]
    assert 429 not in refusals(ops["GET /api/v1/tickets/{ticket_id}"])
    login = refusals(ops["POST /api/v1/auth/login"])
    assert login[429]["headers"]["Retry-After"]["required"] is True
    assert 403 not in login
    assert "Allowed roles: admin, manager." in refusals(ops["GET /api/v1/devices/status"])[403]["description"]


def test_real_refusals_are_the_documented_ones(live, doc):
    ops = operations(doc)
    clerk, kiosk, manager, anyone = (live.client("clerk"), live.client("kiosk"), live.client("manager"),
                                     live.client())
    wrong = {"username": "nobody", "password": "not the password"}
    assert clerk.post("/windows/1/close").status_code == 200
    tried = [
        ("GET /api/v1/tickets/{ticket_id}", clerk.get("/tickets/999999"), 404, "unknown_ticket"),
        ("GET /api/v1/tickets/{ticket_id}", anyone.get("/tickets/1"), 401, "unauthenticated"),
        ("GET /api/v1/tickets/{ticket_id}", kiosk.get("/tickets/1"), 403, "forbidden"),
        ("POST /api/v1/windows/{window_number}/call-next", clerk.post("/windows/1/call-next"), 409, "window_closed"),
        ("POST /api/v1/windows/{window_number}/pause", clerk.post("/windows/1/pause", json={"reason": "lunch"}),
         409, "window_closed"),
        ("POST /api/v1/windows/{window_number}/call-next", manager.post("/windows/999/call-next"), 404,
         "unknown_window"),
        ("POST /api/v1/windows/{window_number}/call-next", kiosk.post("/windows/1/call-next"), 403, "forbidden"),
        ("PUT /api/v1/windows/{window_number}/routing",
         manager.put("/windows/1/routing", json={"queue_ids": [99999]}), 404, "unknown_queue"),
        ("POST /api/v1/tickets", kiosk.post("/tickets", json={"service_id": "seven"}), 422, "invalid_request"),
        ("POST /api/v1/tickets", kiosk.post("/tickets", content=b'{"service_id": ',
                                            headers={"Content-Type": "application/json"}), 400, "malformed_json"),
        ("POST /api/v1/tickets", kiosk.post("/tickets", content=b"x" * 1_100_000,
                                            headers={"Content-Type": "application/json"}), 413, "body_too_large"),
        ("POST /api/v1/tickets", kiosk.post("/tickets", json={"service_id": 999999}), 404, "unknown_service"),
        ("GET /api/v1/tickets/status/{token}", anyone.get("/tickets/status/not-a-token"), 404, "unknown_ticket"),
        ("GET /api/v1/tickets/status/{token}", anyone.get("/tickets/status/a%00b"), 404, "not_found"),
        ("POST /api/v1/tickets/status/{token}/cancel", anyone.post("/tickets/status/not-a-token/cancel"), 404,
         "unknown_ticket"),
        ("GET /api/v1/appointments/{code}", anyone.get("/appointments/ZZZZZZZZ"), 404, "unknown_appointment"),
        ("GET /api/v1/services", anyone.get("/services?q=a%00"), 422, "invalid_value"),
        ("POST /api/v1/auth/login", anyone.post("/auth/login", json=wrong), 401, "unauthenticated"),
    ]
    for _ in range(12):   # past the account's limit of failed sign-ins
        locked = anyone.post("/auth/login", json=wrong)
    tried.append(("POST /api/v1/auth/login", locked, 429, "rate_limited"))
    for key, answer, status, code in tried:
        body = answer.json()
        assert (answer.status_code, body["error"]["code"]) == (status, code), (key, answer.text)
        documented = refusals(ops[key])
        assert status in documented, (key, status)
        assert code in codes(documented[status]), (key, code)
        schema = documented[status]["content"]["application/json"]["schema"]
        assert conforms(body, schema, doc), (key, body)
        for header, spec in documented[status].get("headers", {}).items():
            if spec.get("required"):
                assert header in answer.headers, (key, header)
    assert int(locked.headers["Retry-After"]) >= 1
    assert "Bearer" in tried[1][1].headers["WWW-Authenticate"]
    problems = tried[8][1].json()["error"]["details"]["problems"]
    assert problems and problems[0]["in"] == "body" and problems[0]["field"] == "service_id"
