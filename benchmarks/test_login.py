"""Login cost: obtaining a credential through each scheme's own flow, the SQL writes of a
first login, and the bytes of the login response.

The flow is timed on an account hashed with ``FLOW_HASHER`` (infra/inprocess.py
``flow_account``: the settings prefer it meanwhile, so nothing is rehashed on login):
the password check is then a few µs, and the flow (its queries, the credential it
issues, the response) gets hundreds of rounds instead of the three a 0.5 s PBKDF2 check
allows, which had left the flows' differences inside the hash's noise. The checks a
login makes are counted (``password_checks``); the summary adds that many of the default
hasher's ``verify()`` (test_hashers.py, timed alone) minus the flow hasher's own, so
``login_us`` is the login as the lab serves it (benchmarks/summary.py ``login_figures``).
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from benchmarks.harness import FLOW_HASHER, LOGIN_USER, WSGITransport, assert_whoami, flow_account
from benchmarks.probes import observe_crypto, timed_once, writes
from benchmarks.records import Kind
from lab.seed import SEED_PASSWORD
from schemes import registry

SCHEMES = [pytest.param(s, id=s.name) for s in registry.all_schemes() if s.has_login]
#: How a password check shows in the crypto observed (benchmarks/probes.py).
CHECK_LABEL = "password hash verify"


@pytest.mark.benchmark(group="login: obtain a credential (flow, on an MD5 account)")
@pytest.mark.parametrize("scheme", SCHEMES)
def test_time_login(scheme, wsgi, measure, benchmark):
    transport = WSGITransport(wsgi)

    def obtain():
        return scheme.obtain(transport, LOGIN_USER, SEED_PASSWORD)

    with flow_account(LOGIN_USER):
        # The user's first login with this scheme: what it writes (SQL captured until
        # the next request, whose request_started empties the connection's query log).
        with CaptureQueriesContext(connection) as captured:
            first, seconds = timed_once(obtain)
            statements = [q["sql"] for q in captured.captured_queries]
        login = transport.last
        _, crypto = observe_crypto(obtain)
        credential = measure(obtain, seconds)
        # Inside: a session remembers the hash it was made under (Django's session auth
        # hash), and the stored one is put back on the way out.
        answer = wsgi.request("GET", scheme.url("whoami"), credential.headers_for("GET"))
        assert_whoami(answer, scheme, LOGIN_USER)
    changed = writes(statements)
    checks = sum(n for label, n in crypto["crypto_calls"].items() if label.startswith(CHECK_LABEL))
    benchmark.extra_info.update(
        kind=Kind.LOGIN,
        scheme=scheme.name,
        flow_hasher=FLOW_HASHER,
        password_checks=checks,
        writes=len(changed),
        write_sql=changed,
        queries=len(statements),
        login_response_bytes=login.total_bytes,
        login_response_headers=login.header_lines(),
        set_cookie_bytes=sum(
            len(f"Set-Cookie: {v}\r\n") for k, v in login.headers if k.lower() == "set-cookie"
        ),
        # A later login handed back the first login's credential (one key per user).
        repeat_same_credential=credential.headers_for("GET") == first.headers_for("GET"),
    )
