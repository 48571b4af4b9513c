"""The refusals in the OpenAPI document: every operation lists the error statuses it can
answer, each with the one coded body ({"error": {"code", "message", "details"}}) and the
codes that status stands for there.

Two sources, merged per operation and grouped into statuses by the codes' own table:

- what the route itself declares: a sign-in dependency (401 unauthenticated; 403 forbidden
  with ``require(...)``, naming the roles let through), path parameters (404 with the unknown
  thing the path names), parameters and bodies (422 invalid_request, FastAPI's validation
  error in our shape; 400 malformed_json and 413 for bodies), an Idempotency-Key (409, 422),
  a change handed to the hall's writer (503, 500), and the database under every operation
  (503);
- ``DOMAIN``: the codes the use cases behind each operation raise, read off the routers and
  the services they call.
"""

from __future__ import annotations

import inspect
import json
from collections import defaultdict
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from ..engine import CODES
from .deps import current_actor, optional_actor, require, write

# Codes the HTTP layer answers by itself, before or around a use case (server/api/errors.py,
# the request guard in server/app.py).
WIRE: dict[str, int] = {
    "malformed_json": 400, "invalid_request": 422, "not_found": 404, "method_not_allowed": 405,
    "body_too_large": 413, "database_unavailable": 503, "database_error": 503,
}
ALL: dict[str, int] = {**CODES, **WIRE}

ERROR_REF = "#/components/schemas/Error"
_CHECK = require().__code__   # the role check every require(...) builds

# The unknown thing a path parameter names, by the path before it (the longest match wins).
UNKNOWN_IN_PATH: dict[str, str] = {
    "/tickets/": "unknown_ticket", "/tickets/status/": "unknown_ticket", "/cases/": "unknown_case",
    "/windows/": "unknown_window", "/queues/": "unknown_queue", "/services/": "unknown_service",
    "/guides/": "unknown_service", "/departments/": "unknown_department", "/devices/": "unknown_device",
    "/follow-ups/": "unknown_follow_up", "/staff/": "unknown_staff", "/appointments/": "unknown_appointment",
    "/credit/companies/": "unknown_company",
}

# Operations that never answer a database failure: health reports it in its answer, the
# booking question is made from the secret alone.
WITHOUT_DATABASE = frozenset({"GET /api/v1/health", "GET /api/v1/appointments/challenge"})

# What each operation's use cases refuse, beyond what the route declares (sign-in, path,
# parameters, writer). Every operation of the document has an entry; () says it has none.
_ISSUE = ("unknown_service", "queue_inactive", "priority_not_allowed", "quota_reached", "person_limit",
          "invalid_priority", "invalid_id_number", "invalid_phone", "hall_closed")
_CALLING = ("unknown_window", "forbidden", "window_closed", "window_paused", "window_busy")
_CURRENT = ("unknown_window", "forbidden", "window_idle", "not_served_here", "invalid_transition")
_BY_NUMBER = ("invalid_value", "hall_closed", "unknown_ticket")
_FOLLOW_UP = ("forbidden", "unknown_follow_up", "already_resolved", "invalid_value")
_CATALOG_EDIT = ("forbidden", "invalid_value", "already_exists")
DOMAIN: dict[str, tuple[str, ...]] = {
    # hall
    "GET /api/v1/health": (),
    "GET /api/v1/snapshot": ("invalid_value",),
    "GET /api/v1/statistics": ("hall_closed",),
    "POST /api/v1/devices/me/status": (),
    "GET /api/v1/devices/status": (),
    "POST /api/v1/help": (),
    # catalog
    "GET /api/v1/hall": ("hall_closed",),
    "GET /api/v1/categories": (),
    "GET /api/v1/departments": (),
    "GET /api/v1/departments/{department_id}": ("unknown_department",),
    "GET /api/v1/services": (),
    "GET /api/v1/services/{service_id}": ("unknown_service",),
    "GET /api/v1/queues": (),
    "GET /api/v1/queues/{queue_id}": ("unknown_queue",),
    "GET /api/v1/windows": (),
    "GET /api/v1/windows/{window_number}": ("unknown_window",),
    # tickets
    "POST /api/v1/tickets": (*_ISSUE, "rate_limited"),
    "GET /api/v1/tickets": _BY_NUMBER,
    "GET /api/v1/tickets/status/{token}": ("unknown_ticket",),
    "GET /api/v1/tickets/{ticket_id}": ("unknown_ticket",),
    "POST /api/v1/tickets/{ticket_id}/cancel": ("unknown_ticket", "invalid_transition"),
    "POST /api/v1/tickets/status/{token}/cancel": ("unknown_ticket", "invalid_transition"),
    "POST /api/v1/tickets/{ticket_id}/reactivate": ("unknown_ticket", "invalid_transition", "reactivation_expired",
                                                   "person_limit", "hall_closed"),
    "POST /api/v1/tickets/{ticket_id}/transfer": ("forbidden", "unknown_ticket", "unknown_queue", "same_queue",
                                                 "invalid_transition", "person_limit", "hall_closed"),
    # window actions
    "POST /api/v1/windows/{window_number}/call-next": _CALLING,
    "POST /api/v1/windows/{window_number}/call-number": (*_CALLING, *_BY_NUMBER, "not_served_here",
                                                        "invalid_transition", "reactivation_expired",
                                                        "person_limit"),
    "POST /api/v1/windows/{window_number}/recall": (*_CURRENT, "recall_limit", "hall_closed"),
    "POST /api/v1/windows/{window_number}/start": _CURRENT,
    "POST /api/v1/windows/{window_number}/finish": (*_CURRENT, "hall_closed"),
    "POST /api/v1/windows/{window_number}/no-show": _CURRENT,
    "POST /api/v1/windows/{window_number}/hold": _CURRENT,
    "POST /api/v1/windows/{window_number}/resume": (*_CALLING, *_BY_NUMBER, "not_served_here",
                                                   "invalid_transition"),
    "POST /api/v1/windows/{window_number}/transfer": (*_CURRENT, *_BY_NUMBER, "unknown_queue", "same_queue",
                                                     "person_limit"),
    "POST /api/v1/windows/{window_number}/open": ("unknown_window", "forbidden"),
    "POST /api/v1/windows/{window_number}/pause": ("unknown_window", "forbidden", "window_closed", "invalid_value"),
    "POST /api/v1/windows/{window_number}/close": ("unknown_window", "forbidden", "window_busy"),
    "PUT /api/v1/windows/{window_number}/routing": ("forbidden", "unknown_window", "unknown_queue", "invalid_value",
                                                   "invalid_policy"),
    "GET /api/v1/windows/{window_number}/waiting": ("unknown_window",),
    "GET /api/v1/windows/{window_number}/held": ("unknown_window",),
    # sign-in
    "POST /api/v1/auth/login": ("invalid_value", "unauthenticated", "rate_limited", "sign_in_busy",
                                "unknown_window", "window_held"),
    "POST /api/v1/auth/window": ("unauthenticated", "unknown_window", "window_held"),
    "POST /api/v1/auth/window/release": ("unknown_window",),
    "POST /api/v1/auth/logout": (),
    "GET /api/v1/auth/me": (),
    "GET /api/v1/auth/lockouts": (),
    "POST /api/v1/auth/lockouts/lift": ("invalid_value",),
    # staff and devices
    "GET /api/v1/staff": (),
    "POST /api/v1/staff": ("invalid_value", "unknown_department"),
    "GET /api/v1/devices": (),
    "POST /api/v1/devices": ("invalid_value", "unknown_window"),
    "POST /api/v1/devices/{device_id}/revoke": ("unknown_device",),
    # guides and credit records
    "GET /api/v1/guides/search": ("invalid_value",),
    "GET /api/v1/guides/{service_id}": ("unknown_service",),
    "GET /api/v1/credit/search": ("rate_limited", "invalid_value", "credit_unavailable"),
    "GET /api/v1/credit/companies/{code}": ("rate_limited", "invalid_value", "unknown_company",
                                            "credit_unavailable"),
    # appointments
    "GET /api/v1/appointments/bookable": ("hall_closed", "not_bookable"),
    "GET /api/v1/appointments/challenge": (),
    "GET /api/v1/appointments/slots": ("hall_closed", "unknown_service", "not_bookable"),
    "GET /api/v1/appointments/config": ("hall_closed", "invalid_value"),
    "PUT /api/v1/appointments/config": ("hall_closed", "invalid_value"),
    "POST /api/v1/appointments/check-in": ("invalid_value", "invalid_id_number", "unknown_appointment",
                                           "appointment_cancelled", "already_checked_in", "wrong_day", "too_early",
                                           "too_late", "person_limit", "hall_closed", "unknown_service",
                                           "queue_inactive", "quota_reached"),
    "GET /api/v1/appointments": ("hall_closed",),
    "POST /api/v1/appointments": ("hall_closed", "unknown_service", "not_bookable", "invalid_id_number",
                                  "invalid_phone", "invalid_value", "outside_horizon", "booking_blocked",
                                  "already_booked", "slot_full", "rate_limited", "challenge_required",
                                  "challenge_failed"),
    "GET /api/v1/appointments/{code}": ("unknown_appointment", "rate_limited", "hall_closed"),
    "POST /api/v1/appointments/{code}/cancel": ("unknown_appointment", "rate_limited", "hall_closed",
                                                "appointment_cancelled", "already_checked_in", "too_late_to_cancel"),
    "GET /api/v1/appointments/{code}/qr.svg": ("unknown_appointment", "rate_limited"),
    "GET /api/v1/appointments/{code}/qr.png": ("unknown_appointment", "rate_limited"),
    # ratings, follow-ups, cases
    "POST /api/v1/evaluations": ("invalid_value", "unknown_ticket", "forbidden", "already_evaluated", "not_finished",
                                 "evaluation_closed", "hall_closed"),
    "GET /api/v1/evaluations": (),
    "GET /api/v1/evaluations/summary": ("invalid_value", "hall_closed"),
    "GET /api/v1/follow-ups": ("invalid_value",),
    "GET /api/v1/follow-ups/{follow_up_id}": ("unknown_follow_up",),
    "POST /api/v1/follow-ups/{follow_up_id}/assign": (*_FOLLOW_UP, "unknown_staff"),
    "POST /api/v1/follow-ups/{follow_up_id}/notes": _FOLLOW_UP,
    "POST /api/v1/follow-ups/{follow_up_id}/resolve": _FOLLOW_UP,
    "GET /api/v1/cases": ("invalid_value", "hall_closed"),
    "GET /api/v1/cases/{ticket_id}": ("unknown_case", "hall_closed"),
    "POST /api/v1/cases/{ticket_id}/close": ("forbidden", "unknown_case", "case_closed", "invalid_value",
                                             "hall_closed"),
    # reports
    "GET /api/v1/reports/summary": ("invalid_value", "hall_closed"),
    "GET /api/v1/reports/hourly": ("hall_closed",),
    "GET /api/v1/reports/waits": ("invalid_value", "hall_closed"),
    "GET /api/v1/reports/trend": ("invalid_value", "hall_closed"),
    # administration of the catalog
    "GET /api/v1/admin/catalog": (),
    "POST /api/v1/departments": (*_CATALOG_EDIT, "hall_closed"),
    "PATCH /api/v1/departments/{department_id}": (*_CATALOG_EDIT, "unknown_department"),
    "POST /api/v1/queues": (*_CATALOG_EDIT, "unknown_department"),
    "PATCH /api/v1/queues/{queue_id}": (*_CATALOG_EDIT, "unknown_queue", "unknown_department", "prefix_in_use",
                                        "hall_closed"),
    "POST /api/v1/services": (*_CATALOG_EDIT, "unknown_department", "unknown_queue"),
    "PATCH /api/v1/services/{service_id}": (*_CATALOG_EDIT, "unknown_service", "unknown_department",
                                            "unknown_queue"),
    "POST /api/v1/windows": (*_CATALOG_EDIT, "unknown_queue", "invalid_policy", "hall_closed"),
    "PATCH /api/v1/windows/{window_number}": ("forbidden", "invalid_value", "unknown_window", "invalid_policy"),
    "PATCH /api/v1/hall": ("forbidden", "invalid_value", "hall_closed"),
    # call displays
    "GET /api/v1/announcements": ("invalid_value", "unknown_window", "voice_unavailable"),
    "GET /api/v1/displays/me": (),
}

_TITLES = {400: "The request cannot be read", 401: "No valid sign-in", 403: "Not allowed",
           404: "Something named does not exist", 405: "Not a method of this path",
           409: "The current state does not allow it", 413: "The body is too large",
           422: "A value is not acceptable", 429: "A limit is reached; see Retry-After",
           500: "The change failed on the server; nothing of it was stored",
           503: "Unavailable for a moment; try again"}
_RETRY_AFTER = {"description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "minimum": 1}}

SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object", "title": "Error", "required": ["error"], "additionalProperties": False,
        "description": "The body of every 4xx and 5xx answer.",
        "properties": {"error": {"$ref": "#/components/schemas/ErrorInfo"}},
    },
    "ErrorInfo": {
        "type": "object", "title": "ErrorInfo", "required": ["code", "message"], "additionalProperties": False,
        "properties": {
            "code": {"type": "string", "enum": sorted(ALL), "description": "The stable machine code."},
            "message": {"type": "string", "description": "For people reading logs; not for matching."},
            "details": {
                "type": "object", "additionalProperties": True,
                "description": "What the refusal is about (a field, a window, the seconds to wait); absent "
                               "when there is nothing to add. A request of the wrong shape lists its problems.",
                "properties": {"problems": {"type": "array", "items": {"$ref": "#/components/schemas/ErrorProblem"}}},
            },
        },
    },
    "ErrorProblem": {
        "type": "object", "title": "ErrorProblem", "required": ["field", "in", "problem"],
        "additionalProperties": False,
        "properties": {"field": {"type": "string"}, "in": {"type": "string", "description": "body, query, path or "
                                                                                              "header"},
                       "problem": {"type": "string"}},
    },
}


def status_of(code: str) -> int | None:
    """The HTTP status of a code, or None for one this server does not know."""
    return ALL.get(code)


def _calls(dependant: Dependant) -> Iterator[Callable[..., Any]]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _roles(dependant: Dependant) -> list[set[str]]:
    """The roles each ``require(...)`` of the route lets through."""
    found = []
    for call in _calls(dependant):
        if getattr(call, "__code__", None) is _CHECK:
            allowed = inspect.getclosurevars(call).nonlocals["allowed"]
            found.append({role.value for role in allowed})
    return found


def _hands_to_writer(fn: Any, depth: int = 2) -> bool:
    """True when the endpoint calls ``deps.write``, itself or through a helper of its module."""
    code, names = getattr(fn, "__code__", None), getattr(fn, "__globals__", {})
    if code is None:
        return False
    for name in code.co_names:
        found = names.get(name)
        if found is write:
            return True
        if depth and inspect.isfunction(found) and found.__module__ == fn.__module__ \
                and _hands_to_writer(found, depth - 1):
            return True
    return False


def _unknown(path: str, param: str) -> str | None:
    before = path.split("{" + param + "}", 1)[0]
    fits = [prefix for prefix in UNKNOWN_IN_PATH if before.endswith(prefix)]
    return UNKNOWN_IN_PATH[max(fits, key=len)] if fits else None


def api_routes(app: FastAPI) -> Iterator[Any]:
    """Every API route of the app, seen with its full path, however its router was included."""
    try:
        from fastapi.routing import iter_route_contexts  # type: ignore[attr-defined,unused-ignore]
    except ImportError:   # older FastAPI copies included routes into the app's own list
        yield from (route for route in app.routes if isinstance(route, APIRoute))
        return
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute):
            yield context


def derived(route: Any, operation: dict[str, Any]) -> set[str]:
    """The codes an operation can answer that its route declares by itself."""
    codes: set[str] = set()
    calls = set(_calls(route.dependant))
    if current_actor in calls or optional_actor in calls:
        codes.add("unauthenticated")
    if _roles(route.dependant):
        codes.add("forbidden")
    params = operation.get("parameters", [])
    for param in params:
        where, name = param.get("in"), str(param.get("name"))
        if where == "path":
            if (unknown := _unknown(route.path_format, name)) is not None:
                codes.add(unknown)
            if param.get("schema", {}).get("type") == "string":
                codes.add("not_found")   # a NUL or a slash in it: no such path
        elif where == "header" and name.lower() == "idempotency-key":
            codes |= {"idempotency_conflict", "invalid_value"}
    if "requestBody" in operation:
        codes |= {"malformed_json", "body_too_large"}
    if params or "requestBody" in operation:
        # The wrong shape, or a value the database cannot hold (or a NUL in the query).
        codes |= {"invalid_request", "invalid_value"}
    if _hands_to_writer(route.endpoint):
        codes |= {"writer_unavailable", "database_unavailable", "internal_error", "invalid_value"}
    return codes


def refusals(route: Any, method: str, operation: dict[str, Any]) -> dict[int, list[str]]:
    """The codes, by status, an operation can answer."""
    key = f"{method.upper()} {route.path_format}"
    codes = derived(route, operation) | set(DOMAIN.get(key, ()))
    if key not in WITHOUT_DATABASE:
        codes |= {"database_unavailable", "database_error"}
    by_status: dict[int, set[str]] = defaultdict(set)
    for code in codes:
        if (status := status_of(code)) is not None:
            by_status[status].add(code)
    return {status: sorted(found) for status, found in sorted(by_status.items())}


def response(status: int, codes: list[str], *, roles: list[set[str]] | None = None,
             own: str = "") -> dict[str, Any]:
    """The response entry of one refusal status."""
    text = f"{status}: {', '.join(codes)}"
    if own:
        text += f". {own}"
    elif status in _TITLES:
        text += f". {_TITLES[status]}."
    if status == 403 and roles:
        allowed = set.intersection(*roles)
        text += f" Allowed roles: {', '.join(sorted(allowed))}."
    narrowed = {"type": "object", "properties": {"error": {"type": "object", "properties": {
        "code": {"type": "string", "enum": codes}}}}}
    entry: dict[str, Any] = {
        "description": text,
        "content": {"application/json": {"schema": {"allOf": [{"$ref": ERROR_REF}, narrowed]}}},
    }
    if status == 429:
        entry["headers"] = {"Retry-After": {**_RETRY_AFTER, "required": True}}
    elif status == 503:
        entry["headers"] = {"Retry-After": _RETRY_AFTER}
    elif status == 401:
        entry["headers"] = {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}
    return entry


def document(app: FastAPI, schema: dict[str, Any]) -> dict[str, Any]:
    """Add the error schemas and every operation's refusals to the generated document."""
    schema.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
    paths = schema.get("paths", {})
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        for method in sorted(route.methods):
            operation = paths.get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            declared = operation.setdefault("responses", {})
            for status, codes in refusals(route, method, operation).items():
                own = declared.get(str(status), {}).get("description", "") if status != 422 else ""
                declared[str(status)] = response(status, codes, roles=_roles(route.dependant),
                                                 own=own.strip().rstrip("."))
            operation["responses"] = dict(sorted(declared.items()))
    text = json.dumps(schema["paths"])
    for unused in ("HTTPValidationError", "ValidationError"):
        if f'"#/components/schemas/{unused}"' not in text:
            schema["components"]["schemas"].pop(unused, None)
    return schema


def install(app: FastAPI) -> None:
    """Make the app's /openapi.json carry the refusals (built once, at the first request)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document(app, generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
