"""Property-based requests generated from /openapi.json against a real server, for every
role and for a visitor without sign-in: no 5xx, every status is one the operation documents,
and every response matches the schema documented for it."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.support.fuzzing import count

# Routes whose fuzzing would sign out the role doing the fuzzing or revoke its device.
SKIP = {("POST", "/api/v1/auth/logout"), ("POST", "/api/v1/devices/{device_id}/revoke")}


# Examples per operation: the roles that reach most operations get more.
ROLES = {"admin": 12, "kiosk": 12, "manager": 6, "clerk": 6, "counter": 4, "display": 4, None: 4}


@pytest.mark.slow
@pytest.mark.parametrize("role", list(ROLES), ids=[r or "visitor" for r in ROLES])
def test_openapi_fuzz_finds_no_server_error(live, role):
    schema = schemathesis.openapi.from_url(live.url + "/openapi.json")
    headers = {"Authorization": f"Bearer {live.tokens[role]}"} if role else {}
    failures: list[str] = []
    checked = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIP:
            continue

        @settings(max_examples=ROLES[role], deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            response = case.call(base_url=live.url, headers=headers, timeout=10)
            count("API operations")
            try:
                case.validate_response(response, checks=[not_a_server_error, status_code_conformance,
                                                       response_schema_conformance])
            except Exception as exc:  # collect every operation's failure, report them together
                failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:300]}")
                raise

        try:
            run()
        except Exception:
            pass
        checked += 1
    assert checked > 30
    assert failures == []


