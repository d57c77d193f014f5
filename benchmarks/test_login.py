"""Login cost: obtaining a credential through each scheme's own flow (password check
with the real hasher included), the SQL writes of a first login, and the bytes of
the login response."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.harness import LOGIN_USER, WSGITransport, assert_whoami
from benchmarks.policy import KNOWN_SLOW
from benchmarks.probes import writes
from benchmarks.records import Kind
from lab.seed import SEED_PASSWORD
from schemes import registry

SCHEMES = [pytest.param(s, id=s.name) for s in registry.all_schemes() if s.has_login]


@pytest.mark.benchmark(group="login: obtain a credential (real hasher)")
@pytest.mark.parametrize("scheme", SCHEMES)
def test_time_login(scheme, wsgi, measure, benchmark):
    transport = WSGITransport(wsgi)
    first: dict = {}

    def obtain():
        credential = scheme.obtain(transport, LOGIN_USER, SEED_PASSWORD)
        if not first:  # the user's first login with this scheme: what it writes
            first.update(
                response=transport.last,
                statements=len(captured.captured_queries),
                credential=credential,
            )
        return credential

    # A password check each time: timed without a probe; the SQL is captured throughout.
    with CaptureQueriesContext(connection) as captured:
        credential = measure(obtain, KNOWN_SLOW)
    # Read before the next request: request_started empties the connection's query log.
    statements = [q["sql"] for q in captured.captured_queries[: first["statements"]]]
    assert_whoami(
        wsgi.request("GET", scheme.url("whoami"), credential.headers_for("GET")), scheme, LOGIN_USER
    )
    changed, login = writes(statements), first["response"]
    benchmark.extra_info.update(
        kind=Kind.LOGIN,
        scheme=scheme.name,
        writes=len(changed),
        write_sql=changed,
        queries=len(statements),
        login_response_bytes=login.total_bytes,
        login_response_headers=login.header_lines(),
        set_cookie_bytes=sum(
            len(f"Set-Cookie: {v}\r\n") for k, v in login.headers if k.lower() == "set-cookie"
        ),
        # A later login handed back the first login's credential (one key per user).
        repeat_same_credential=credential.headers_for("GET")
        == first["credential"].headers_for("GET"),
    )
