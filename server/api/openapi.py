"""The refusals in the OpenAPI document: every operation lists the error statuses it can
answer, each with the coded body every 4xx/5xx carries and the codes that status stands for.

What can be told from an operation itself is: signing in (401, 403) where it declares a
security scheme; a body (400 malformed JSON, 413 too large); the unknown things its path
names (404); state conflicts on changes (409); bad values (422); the limits (429, with
Retry-After) and a busy or restarting database (503, Retry-After).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ..engine.errors import CODES, http_status

# Codes the HTTP layer answers itself (server/api/errors.py, server/app.py).
WIRE: dict[str, int] = {
    "malformed_json": 400, "invalid_request": 422, "not_found": 404, "method_not_allowed": 405,
    "body_too_large": 413, "database_unavailable": 503, "database_error": 503,
}
ALL: dict[str, int] = {**CODES, **WIRE}

# Which unknown-thing codes a path parameter can give.
_UNKNOWN = {
    "ticket_id": ("unknown_ticket",), "window_number": ("unknown_window",), "window_id": ("unknown_window",),
    "queue_id": ("unknown_queue",), "service_id": ("unknown_service",), "department_id": ("unknown_department",),
    "staff_id": ("unknown_staff",), "device_id": ("unknown_device",), "code": ("unknown_appointment",),
    "follow_up_id": ("unknown_follow_up",), "case_id": ("unknown_case",), "token": ("unknown_ticket",),
    "credit_code": ("unknown_company",), "company": ("unknown_company",),
}
_DESCRIPTIONS = {400: "The request cannot be read", 401: "No valid sign-in", 403: "Not allowed for this role",
                 404: "Something named does not exist", 409: "The current state does not allow it",
                 413: "The body is too large", 422: "A value is not acceptable", 429: "A limit is reached",
                 503: "The database or the hall's writer is busy; try again"}
_RETRY_AFTER = {"Retry-After": {"description": "Seconds to wait before trying again.",
                                "schema": {"type": "integer", "minimum": 0}}}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object", "title": "Error", "required": ["error"], "additionalProperties": False,
    "properties": {"error": {
        "type": "object", "required": ["code", "message"], "additionalProperties": False,
        "properties": {
            "code": {"type": "string", "enum": sorted(ALL), "description": "The stable machine code."},
            "message": {"type": "string", "description": "For people reading logs; not for matching."},
            "details": {"type": "object", "additionalProperties": True},
        }}},
}


def refusals(method: str, path: str, operation: dict[str, Any]) -> dict[int, list[str]]:
    """The codes, by status, an operation can answer."""
    found: dict[int, set[str]] = defaultdict(set)
    params = {p.get("name") for p in operation.get("parameters", []) if p.get("in") == "path"}
    if path.endswith("/auth/login"):
        found[401].add("unauthenticated")   # wrong credentials
    if operation.get("security"):
        found[401].add("unauthenticated")
        found[403] |= {c for c, s in CODES.items() if s == 403}
    if "requestBody" in operation:
        found[400] |= {"malformed_json", "invalid_command"}
        found[413].add("body_too_large")
    if operation.get("requestBody") or operation.get("parameters"):
        found[422] |= {c for c, s in ALL.items() if s == 422}
    found[404].add("not_found")
    for name in params:
        found[404] |= set(_UNKNOWN.get(str(name), ()))
    if method != "get":
        found[409] |= {c for c, s in CODES.items() if s == 409}
        found[404] |= {c for c, s in CODES.items() if s == 404}
        found[422] |= {c for c, s in ALL.items() if s == 422}
    found[429].add("rate_limited")
    found[503] |= {"database_unavailable", "database_error", "writer_unavailable", "sign_in_busy", "voice_unavailable",
                   "credit_unavailable"}
    return {status: sorted(codes) for status, codes in sorted(found.items())}


def _response(status: int, codes: list[str]) -> dict[str, Any]:
    body: dict[str, Any] = {
        "description": f"{_DESCRIPTIONS.get(status, 'Refused')}. Codes: " + ", ".join(codes),
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status in (429, 503):
        body["headers"] = _RETRY_AFTER
    return body


def document(schema: dict[str, Any]) -> dict[str, Any]:
    """Add the Error component and every operation's refusals to a generated document."""
    schema.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, codes in refusals(method, path, operation).items():
                assert all(http_status(c) == status or WIRE.get(c) == status for c in codes), (path, status)
                mine = _response(status, codes)
                if str(status) in responses and status != 422:
                    # A route's own description stays, followed by the codes; the body is ours.
                    own = responses[str(status)]
                    own["description"] = own.get("description", "").rstrip(".") + ". Codes: " + ", ".join(codes)
                    own.setdefault("content", mine["content"])
                    own.setdefault("headers", mine.get("headers", {}))
                else:
                    responses[str(status)] = mine
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)
    return schema


def install(app: FastAPI) -> None:
    """Make the app's /openapi.json carry the refusals (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes))
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
