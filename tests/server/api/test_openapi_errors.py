"""Every refusal is in the OpenAPI document, with the coded body and the codes it stands for."""

from __future__ import annotations

import re

import httpx

from hallq.server.api.openapi import ALL
from hallq.server.engine.errors import CODES


def _document(live) -> dict:
    return httpx.get(live.url + "/openapi.json", timeout=10).json()


def _codes(response: dict) -> set[str]:
    return set(re.findall(r"[a-z_]+", response["description"].rsplit("Codes: ", 1)[1]))


def test_every_operation_documents_its_refusals_with_the_error_body(live):
    doc = _document(live)
    assert "Error" in doc["components"]["schemas"]
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    operations = 0
    for path, methods in doc["paths"].items():
        for method, op in methods.items():
            operations += 1
            refusals = {int(s): r for s, r in op["responses"].items() if int(s) >= 400}
            assert {404, 429, 503} <= set(refusals), (method, path)
            if op.get("security"):
                assert {401, 403} <= set(refusals), (method, path)
            for status, response in refusals.items():
                assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
                for code in _codes(response):
                    assert ALL[code] == status, (method, path, code, status)
    assert operations > 80
    named = set().union(*(_codes(r) for ms in doc["paths"].values() for op in ms.values()
                          for s, r in op["responses"].items() if int(s) >= 400))
    assert set(CODES) - {"internal_error"} <= named


def test_spot_checks(live):
    paths = _document(live)["paths"]
    call_next = paths["/api/v1/windows/{window_number}/call-next"]["post"]["responses"]
    assert {"window_busy", "window_closed", "window_paused"} <= _codes(call_next["409"])
    login = paths["/api/v1/auth/login"]["post"]["responses"]
    assert "rate_limited" in _codes(login["429"]) and "Retry-After" in login["429"]["headers"]
    assert "unauthenticated" in _codes(login["401"])
    assert "unknown_ticket" in _codes(paths["/api/v1/tickets/{ticket_id}"]["get"]["responses"]["404"])


def test_real_refusals_are_the_documented_ones(live):
    paths = _document(live)["paths"]
    kiosk, clerk = live.client("kiosk"), live.client("clerk")
    tried = [
        ("get", "/api/v1/tickets/{ticket_id}", kiosk.get("/tickets/999999")),
        ("post", "/api/v1/auth/login", httpx.post(live.url + "/api/v1/auth/login",
                                                   json={"username": "admin", "password": "wrong password"})),
        ("post", "/api/v1/windows/{window_number}/call-next", kiosk.post("/windows/1/call-next")),
        ("post", "/api/v1/windows/{window_number}/call-next", clerk.post("/windows/999/call-next")),
        ("get", "/api/v1/services", httpx.get(live.url + "/api/v1/services")),
        ("post", "/api/v1/appointments", httpx.post(live.url + "/api/v1/appointments", content=b"{not json",
                                                     headers={"Content-Type": "application/json"})),
    ]
    for method, path, answer in tried:
        assert answer.status_code >= 400, (path, answer.status_code)
        documented = paths[path][method]["responses"]
        assert str(answer.status_code) in documented, (path, answer.status_code)
        assert answer.json()["error"]["code"] in _codes(documented[str(answer.status_code)]), (path, answer.text)
