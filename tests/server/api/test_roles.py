"""The role matrix: every role against every mutating route of the API.

Each route declares who may call it. A route missing from this table fails the test, so a
new route cannot go out without its permissions being decided here.
"""

from __future__ import annotations

import pytest
from hallq.server.app import create_app
from hallq.server.settings import Settings

ROLES = ("admin", "manager", "clerk", "kiosk", "display", "counter")
PUBLIC = "public"
WINDOW = ("admin", "manager", "clerk", "counter")
STAFF = ("admin", "manager", "clerk")
MANAGERS = ("admin", "manager")

# (method, path) -> roles allowed, or PUBLIC
MATRIX: dict[tuple[str, str], tuple[str, ...] | str] = {
    ("POST", "/api/v1/tickets"): ("admin", "manager", "clerk", "kiosk"),
    ("POST", "/api/v1/tickets/{ticket_id}/cancel"): MANAGERS,
    ("POST", "/api/v1/tickets/status/{token}/cancel"): PUBLIC,
    ("POST", "/api/v1/tickets/{ticket_id}/reactivate"): STAFF,
    ("POST", "/api/v1/tickets/{ticket_id}/transfer"): MANAGERS,
    ("PUT", "/api/v1/windows/{window_number}/routing"): MANAGERS,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/window"): STAFF,
    ("POST", "/api/v1/auth/logout"): ROLES,
    ("POST", "/api/v1/auth/lockouts/lift"): MANAGERS,
    ("POST", "/api/v1/auth/window/release"): MANAGERS,
    ("POST", "/api/v1/devices/me/status"): ("kiosk", "display", "counter"),
    ("POST", "/api/v1/help"): ("kiosk",),
    ("POST", "/api/v1/staff"): ("admin",),
    ("POST", "/api/v1/devices"): ("admin",),
    ("POST", "/api/v1/devices/{device_id}/revoke"): ("admin",),
}
ADMIN = ("admin",)
for path in ("/departments", "/queues", "/services", "/windows"):
    MATRIX[("POST", f"/api/v1{path}")] = ADMIN
for path in ("/departments/{department_id}", "/queues/{queue_id}", "/services/{service_id}",
             "/windows/{window_number}", "/hall"):
    MATRIX[("PATCH", f"/api/v1{path}")] = ADMIN
MATRIX.update({
    ("POST", "/api/v1/appointments"): PUBLIC,
    ("POST", "/api/v1/appointments/{code}/cancel"): PUBLIC,
    ("POST", "/api/v1/appointments/check-in"): ("admin", "manager", "clerk", "kiosk"),
    ("PUT", "/api/v1/appointments/config"): ADMIN,
    ("POST", "/api/v1/evaluations"): ("admin", "manager", "clerk", "counter"),
    ("POST", "/api/v1/follow-ups/{follow_up_id}/assign"): MANAGERS,
    ("POST", "/api/v1/follow-ups/{follow_up_id}/notes"): MANAGERS,
    ("POST", "/api/v1/follow-ups/{follow_up_id}/resolve"): MANAGERS,
    ("POST", "/api/v1/cases/{ticket_id}/close"): MANAGERS,
})
for action in ("call-next", "call-number", "recall", "start", "finish", "no-show", "hold", "resume", "transfer",
               "open", "pause", "close"):
    MATRIX[("POST", f"/api/v1/windows/{{window_number}}/{action}")] = WINDOW

BODIES = {
    "/api/v1/tickets": {"service_id": 1},
    "/api/v1/tickets/{ticket_id}/transfer": {"queue_id": 1},
    "/api/v1/windows/{window_number}/routing": {"queue_ids": [1]},
    "/api/v1/windows/{window_number}/call-number": {"number": "A001"},
    "/api/v1/windows/{window_number}/resume": {"number": "A001"},
    "/api/v1/windows/{window_number}/transfer": {"queue_id": 3},
    "/api/v1/windows/{window_number}/pause": {"reason": "break"},
    "/api/v1/auth/login": {"username": "nobody", "password": "nothing at all"},
    "/api/v1/auth/window": {"window_number": 1},
    "/api/v1/auth/lockouts/lift": {"scope": "sign-in:account", "subject": "nobody"},
    "/api/v1/auth/window/release": {"window_number": 3},
    "/api/v1/devices/me/status": {"printer": "ok"},
    "/api/v1/staff": {"username": "x", "password": "short", "role": "clerk"},
    "/api/v1/devices": {"kind": "kiosk", "name": ""},
}
OWN_WINDOW = {"clerk": 1, "counter": 2, "admin": 1, "manager": 1}


def mutating_routes() -> set[tuple[str, str]]:
    app = create_app(Settings(database_url="sqlite:///unused.sqlite3"))
    out = set()
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            if path.startswith("/api/v1") and method.upper() in ("POST", "PUT", "PATCH", "DELETE"):
                out.add((method.upper(), path))
    return out


def test_every_mutating_route_is_in_the_matrix():
    routes = mutating_routes()
    assert len(routes) >= len(MATRIX)
    assert routes - set(MATRIX) == set()


def fill(path: str, role: str) -> str:
    return (path.replace("{window_number}", str(OWN_WINDOW.get(role, 1))).replace("{ticket_id}", "1")
            .replace("{device_id}", "999").replace("{token}", "no-such-token").replace("{code}", "NOSUCHCD")
            .replace("{follow_up_id}", "999").replace("{queue_id}", "999").replace("{service_id}", "999")
            .replace("{department_id}", "999"))


@pytest.mark.slow
def test_role_matrix(live):
    refused, allowed_but_refused = [], []
    for (method, path), allowed in sorted(MATRIX.items()):
        if path == "/api/v1/auth/logout":
            continue  # signing out would end the sign-ins the rest of the matrix uses
        for role in ROLES:
            with live.client(role) as http:
                answer = http.request(method, fill(path, role).removeprefix("/api/v1"), json=BODIES.get(path))
            permitted = allowed == PUBLIC or role in allowed
            # a public route may still answer 401 for wrong credentials: only 403 is a refusal there
            refusal = (403,) if allowed == PUBLIC else (401, 403)
            if permitted and answer.status_code in refusal:
                allowed_but_refused.append((method, path, role, answer.status_code, answer.text[:120]))
            if not permitted and answer.status_code != 403:
                refused.append((method, path, role, answer.status_code))
            assert answer.status_code < 500, (method, path, role, answer.text)
        if allowed != PUBLIC:
            with live.client() as anonymous:
                answer = anonymous.request(method, fill(path, "admin").removeprefix("/api/v1"), json=BODIES.get(path))
            assert answer.status_code == 401, (method, path)
    assert allowed_but_refused == []
    assert refused == []


def test_a_clerk_acts_only_at_the_window_signed_in_to(live):
    with live.client("kiosk") as kiosk:
        kiosk.post("/tickets", json={"service_id": live.hall.services["amr-001"]})
    with live.client("clerk") as clerk:
        other = clerk.post("/windows/2/call-next")
        assert (other.status_code, other.json()["error"]["code"]) == (403, "forbidden")
        assert clerk.post("/windows/1/call-next").status_code == 200
    with live.client("counter") as counter:
        assert counter.post("/windows/1/recall").status_code == 403
