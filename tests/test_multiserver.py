"""Claim 5's setup for real, run once: two gunicorn instances behind HAProxy on
127.0.0.1 (round robin, no stickiness), one SQLite file and one secrets file, per
session engine and token scheme (benchmarks/multiserver.py). Skipped with the install
hint when HAProxy is missing (``make test`` installs it through scripts/system-deps)."""

from __future__ import annotations

import pytest

from benchmarks import multiserver
from infra import balancer, services

pytestmark = pytest.mark.slow
REQUESTS = 10


@pytest.fixture(scope="module")
def evidence():
    """``multiserver.json`` as ``make multiserver`` writes it (10 requests per scheme)."""
    if balancer.haproxy_binary() is None:
        pytest.skip(f"haproxy is missing: {balancer.INSTALL_HINT}")
    return multiserver.measure(requests=REQUESTS)


def test_the_balancer_alternates_between_both_servers(evidence):
    none = evidence["schemes"]["none"]
    assert none["authenticated"] == REQUESTS  # no credential needed: every answer is 200
    assert {name: c["requests"] for name, c in none["by_backend"].items()} == {"a": 5, "b": 5}
    assert evidence["provenance"]["balancer"].startswith("HAProxy ")


def test_db_sessions_are_shared_and_a_logout_reaches_both(evidence):
    db = evidence["engines"]["db"]
    assert db["session_engine"] == "django.contrib.sessions.backends.db"
    assert db["authenticated_pct"] == 100.0
    assert db["logout_backend"] != db["login_backend"] and db["logout_status"] == 200
    assert db["after_logout"] == {"a": 403, "b": 403} and db["logout_propagates"]


def test_locmem_cache_sessions_live_on_one_server(evidence):
    local = evidence["engines"]["cache-locmem"]
    assert local["session_engine"] == "django.contrib.sessions.backends.cache"
    holder = local["login_backend"]
    other = local["logout_backend"]
    assert local["by_backend"][holder]["authenticated"] == local["by_backend"][holder]["requests"]
    assert local["by_backend"][other]["authenticated"] == 0
    assert local["authenticated_pct"] == 50.0
    # The logout lands on the server without the session: refused, the session lives on.
    assert local["logout_status"] == 403
    assert local["still_accepted_by"] == [holder] and not local["logout_propagates"]


def test_redis_cache_sessions_are_shared(evidence):
    redis = evidence["engines"]["cache-redis"]
    if "error" in redis:
        with pytest.raises(services.ServiceUnavailable):
            services.redis_binary()
        pytest.skip(redis["error"])
    assert redis["cache"] == "redis" and redis["authenticated_pct"] == 100.0
    assert redis["logout_propagates"]


def test_signed_cookies_work_everywhere_and_survive_a_logout(evidence):
    signed = evidence["engines"]["signed_cookies"]
    assert signed["scheme"] == "session-signed"
    assert signed["authenticated_pct"] == 100.0
    assert signed["logout_status"] == 200  # the logout itself succeeds ...
    assert signed["after_logout"] == {"a": 200, "b": 200}  # ... the copied cookie replays
    assert not signed["logout_propagates"]


def test_tokens_work_on_both_and_only_the_drf_token_is_revoked(evidence):
    token, jwt = evidence["schemes"]["token"], evidence["schemes"]["jwt"]
    assert token["authenticated_pct"] == jwt["authenticated_pct"] == 100.0
    assert token["after_logout"] == {"a": 401, "b": 401} and token["logout_propagates"]
    # simplejwt's logout blacklists the refresh token: the access token lives on.
    assert jwt["logout_status"] == 200 and jwt["still_accepted_by"] == ["a", "b"]
