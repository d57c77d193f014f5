"""Schema-driven testing: schemathesis generates requests from the lab's own OpenAPI
schema (``/api/v1/schema/``, served by the WSGI app in-process) and checks what comes
back: no server error, and no response that contradicts the schema (body, content
type, headers). Run once anonymously and once with a real credential per scheme."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from lab.wsgi import application
from schemes import registry
from schemes.base import Credential
from tests.conftest import PASSWORD

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)

#: "No server error, no response that violates the schema."
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
]
SETTINGS = settings(
    max_examples=10,
    deadline=None,  # not a timing test
    # Each operation's case gets pytest-django's db fixture; the checks are stateless.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


@schema.parametrize()
@SETTINGS
def test_no_server_error_and_responses_match_the_schema(case, raw_wsgi):
    case.call_and_validate(checks=CHECKS)


def credential_for(path: str, transport, obtained: dict) -> Credential | None:
    """alice's real credential for the scheme that serves ``path``, if it has one.

    One login per scheme per test (``obtained``): every example logging in again would
    pile up knox tokens past the per-user limit (a 403 by design).
    """
    for scheme in registry.all_schemes():
        if path.startswith(scheme.prefix) and not scheme.is_baseline:
            if scheme.name not in obtained:
                obtained[scheme.name] = scheme.obtain(transport, "alice", PASSWORD)
            return obtained[scheme.name]
    return None


@pytest.fixture
def obtained() -> dict:
    """Credentials obtained in this test, by scheme name."""
    return {}


@schema.include(path_regex=r"/whoami/$").parametrize()
@SETTINGS
def test_authenticated_whoami_matches_the_schema(case, raw_wsgi, user, transport, obtained):
    credential = credential_for(case.path, transport, obtained)
    headers = credential.headers_for(case.method) if credential else {}
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS)
    if credential and response.status_code == 200 and case.method in ("GET", "POST"):
        body = response.json()
        assert body.get("username") == "alice", (body, case.method, headers)


@schema.parametrize()
@SETTINGS
def test_every_status_is_documented(case, raw_wsgi):
    case.call_and_validate(checks=[status_code_conformance])
