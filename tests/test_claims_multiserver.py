"""Claim 5 (sessions across two servers, ``multiserver.json``) and claim 10 (a token
carries the user; the servers' header limits) on synthetic runs: each verdict follows
its evidence, flips when the evidence flips, and names the figures it rests on."""

from __future__ import annotations

import copy
import json

from reports.claims import CONFIRMED, DEPENDS, NOT_MEASURED, REFUTED
from reports.claims_evidence import MULTISERVER_FILE
from reports.claims_notes import ALL_CLAIMS
from tests.synthetic_run import all_builtin, summary, write_run
from tests.test_claims_evidence import EVIDENCE, changed

CLAIM = {claim.key: claim for claim in ALL_CLAIMS}


def result(scheme, engine, cache, served, propagates, logout_status=200):
    """One engine's entry as benchmarks/multiserver.py writes it: 50 requests, 25 per
    server; ``served`` of each server's 25 authenticated; login on a, logout on b."""
    by_backend = {name: {"requests": 25, "authenticated": n} for name, n in served.items()}
    authenticated = sum(served.values())
    after = {"a": 403 if propagates else 200, "b": 403 if propagates else 200}
    return {
        "scheme": scheme,
        "setup": "db",
        "session_engine": f"django.contrib.sessions.backends.{engine}",
        "cache": cache,
        "requests": 50,
        "authenticated": authenticated,
        "authenticated_pct": 100 * authenticated / 50,
        "by_backend": by_backend,
        "login_backend": "a",
        "logout_backend": "b",
        "logout_status": logout_status,
        "after_logout": after,
        "logout_propagates": propagates,
        "still_accepted_by": [] if propagates else ["a", "b"],
    }


BOTH = {"a": 25, "b": 25}
#: multiserver.json as the lab measured it (benchmarks/multiserver.py, make multiserver).
MULTI = {
    "engines": {
        "db": result("session", "db", "locmem", BOTH, True),
        "cache-locmem": result("session", "cache", "locmem", {"a": 25, "b": 0}, False, 403)
        | {"still_accepted_by": ["a"], "after_logout": {"a": 200, "b": 403}},
        "cache-redis": result("session", "cache", "redis", BOTH, True),
        "signed_cookies": result("session-signed", "signed_cookies", "locmem", BOTH, False),
    },
    "schemes": {
        "token": result("token", "db", "locmem", BOTH, True),
        "jwt": result("jwt", "db", "locmem", BOTH, False),
    },
    "provenance": {"balancer": "HAProxy 2.6.12", "requests": 50},
}


def finding(tmp_path, key, multiserver=None, evidence=EVIDENCE, servers=None):
    """The claim's finding on a synthetic run with these evidence files and sections."""
    run_dir = tmp_path / f"run-{len(list(tmp_path.iterdir()))}"
    dimensions = {"servers": servers} if servers is not None else {}
    run = write_run(run_dir, summary(all_builtin(), evidence=evidence, dimensions=dimensions))
    if multiserver is not None:
        (run_dir / MULTISERVER_FILE).write_text(json.dumps(multiserver))
    return CLAIM[key].test(run)


def test_sessions_multiserver__absent_names_make_multiserver(tmp_path):
    got = finding(tmp_path, "sessions-multiserver")
    assert got.verdict == NOT_MEASURED
    assert "`make multiserver`" in " ".join(got.evidence)


def test_sessions_multiserver__depends_on_the_engine_with_the_numbers(tmp_path):
    got = finding(tmp_path, "sessions-multiserver", MULTI)
    assert got.verdict == DEPENDS
    text = "\n".join(got.evidence)
    assert "cache-locmem (session, cache engine, cache locmem; login served by a): " in text
    assert "25/50 (50%) authenticated through the balancer (a 25/25, b 0/25)" in text
    assert "still accepted by a, replayable until it expires (14 days" in text  # locmem
    assert "signed_cookies (session-signed, signed_cookies engine" in text
    assert "keep up across both servers: db, cache-redis; do not: cache-locmem, signed_cookies" in (
        text
    )
    assert "for comparison, token (login served by a)" in text


def test_sessions_multiserver__flips_with_the_evidence(tmp_path):
    shared = copy.deepcopy(MULTI)
    for label in ("cache-locmem", "signed_cookies"):
        del shared["engines"][label]
    assert finding(tmp_path, "sessions-multiserver", shared).verdict == REFUTED
    # Local memory that somehow kept up (every request, logout seen): refuted as well.
    kept = changed(shared, "engines.cache-locmem", result("session", "cache", "locmem", BOTH, True))
    assert finding(tmp_path, "sessions-multiserver", kept).verdict == REFUTED
    # A logout that stops propagating on db and Redis: no engine keeps up.
    stale = copy.deepcopy(MULTI)
    for label in ("db", "cache-redis"):
        stale["engines"][label]["logout_propagates"] = False
    assert finding(tmp_path, "sessions-multiserver", stale).verdict == CONFIRMED


def test_sessions_multiserver__skipped_engines_are_not_measured(tmp_path):
    skipped = {"engines": {"cache-redis": {"error": "redis-server is not installed"}}}
    got = finding(tmp_path, "sessions-multiserver", skipped)
    assert got.verdict == NOT_MEASURED
    assert "cache-redis: not measured (redis-server is not installed)" in got.evidence
    partial = changed(MULTI, "engines.cache-redis", {"error": "redis-server is not installed"})
    assert finding(tmp_path, "sessions-multiserver", partial).verdict == DEPENDS
    malformed = changed(MULTI, "engines.db", {"requests": 50})  # a truncated entry
    assert "db: not measured" in " ".join(
        finding(tmp_path, "sessions-multiserver", malformed).evidence
    )


#: dimensions.servers' header limits as benchmarks/servers.py measured them.
GUNICORN = {
    "header_max_bytes": 8187,
    "header_token_bytes": 8165,
    "header_accepted_status": 200,
    "header_capped": False,
    "header_beyond": "431 (refused)",
    "header_far_beyond": "431 (refused)",
    "header_limit_sharp": True,
    "header_clear_4xx": True,
}
UVICORN = GUNICORN | {
    "header_max_bytes": 1048598,
    "header_token_bytes": 1048576,
    "header_capped": True,
    "header_beyond": None,
    "header_far_beyond": None,
}
SERVERS = {
    "gunicorn-sync": {"header_limits": GUNICORN, "schemes": {}},
    "uvicorn": {"header_limits": UVICORN, "schemes": {}},
}
JWT_ONLY = changed(EVIDENCE, "token_contents", {"jwt": EVIDENCE["token_contents"]["jwt"]})


def test_token_carries_user__shows_each_servers_largest_jwt_and_beyond(tmp_path):
    got = finding(tmp_path, "token-carries-user", evidence=JWT_ONLY, servers=SERVERS)
    assert got.verdict == CONFIRMED
    assert (
        "gunicorn-sync: largest JWT passed on in Authorization: 8,165 B (header line 8,187 B); "
        "one byte more: 431 (refused), 4x more: 431 (refused)"
    ) in got.evidence
    assert "uvicorn: no header limit up to 1 MiB (a 1,048,576 B JWT in Authorization passed)" in (
        got.evidence
    )
    assert any(
        "256 B) is 3.1% of the tightest limit (gunicorn-sync" in line for line in got.evidence
    )


def test_token_carries_user__flips_with_the_limits(tmp_path):
    unlimited = {"uvicorn": SERVERS["uvicorn"]}
    got = finding(tmp_path, "token-carries-user", evidence=JWT_ONLY, servers=unlimited)
    assert got.verdict == DEPENDS  # carries the user, but no server cared about its size
    assert "no server refused a JWT up to 1 MiB" in got.evidence[-1]
    dropped = changed(SERVERS, "gunicorn-sync.header_limits.header_clear_4xx", False)
    got = finding(tmp_path, "token-carries-user", evidence=JWT_ONLY, servers=dropped)
    assert got.verdict == CONFIRMED and any("(not a clear 4xx)" in line for line in got.evidence)
    # Opaque keys carry nothing whatever the limits; without limits, make bench is named.
    opaque = changed(EVIDENCE, "token_contents", {"token": EVIDENCE["token_contents"]["token"]})
    assert finding(tmp_path, "token-carries-user", evidence=opaque, servers=SERVERS).verdict == (
        REFUTED
    )
    got = finding(tmp_path, "token-carries-user", evidence=JWT_ONLY)
    assert got.verdict == CONFIRMED and "`make bench` (SERVERS=1)" in got.evidence[-1]
