"""The benchmarks' harness: seeded accounts per purpose, the request they send, and the
check before timing. The in-process WSGI client and the cheap logins of seeded accounts
live in :mod:`infra.inprocess` (the load phase's logins made ahead use them too) and are
re-exported here."""

from __future__ import annotations

from typing import Any

from infra.inprocess import FLOW_HASHER as FLOW_HASHER
from infra.inprocess import Response as Response
from infra.inprocess import WSGIClient as WSGIClient
from infra.inprocess import WSGITransport as WSGITransport
from infra.inprocess import environ_for as environ_for
from infra.inprocess import expected_username as expected_username
from infra.inprocess import flow_account as flow_account
from infra.inprocess import flow_credential as flow_credential
from lab.seed import seed_username
from results import verify as verify_rule
from schemes.base import Scheme

#: Seeded accounts, one per purpose, so one benchmark's side effects (knox tokens
#: piling up, sessions) never change another's figures.
REQUEST_USER = seed_username(1)
LOGIN_USER = seed_username(2)
ENGINE_USER = seed_username(3)
KNOX_USER = seed_username(4)
BACKENDS_USER = seed_username(5)
CLAIMS_USER = seed_username(6)
HASHER_USER_BASE = 10  # seed_username(10 + i) for the i-th hasher
SEED_COUNT = 20

#: What a POST to ``whoami/`` sends: a small JSON body the endpoint echoes back.
POST_BODY = {"hello": "world", "n": 1}


def verify(
    client: WSGIClient, scheme: Scheme, credential, username: str
) -> tuple[dict[str, Any], dict[str, tuple[dict[str, Any], float]]]:
    """Check ``whoami/`` before timing (GET and POST with the credential, GET without)
    by the lab's one rule, :func:`results.verify.verdict`.

    Returns the verdict and, per method, the probe facts of the credentialed request
    and its duration (see :func:`probes.probe_request`).
    """
    from benchmarks.probes import probe_request

    url = scheme.url("whoami")
    probed = {
        method: probe_request(
            client.prepare(
                method, url, credential.headers_for(method), POST_BODY if method == "POST" else None
            )
        )
        for method in ("GET", "POST")
    }
    want = expected_username(scheme, username)
    answers = [
        verify_rule.Answer(
            method,
            response.status,
            response.json().get("username") if response.status == 200 else None,
            want,
        )
        for method, (response, _, _) in probed.items()
    ]
    bare = client.request("GET", url)
    verdict = verify_rule.verdict(answers, bare.status, baseline=scheme.is_baseline)
    return verdict, {method: (facts, seconds) for method, (_, facts, seconds) in probed.items()}


def assert_whoami(response: Response, scheme: Scheme, username: str) -> None:
    """``whoami/`` answered 200 naming the expected user (checked before and after timing)."""
    assert response.status == 200, (scheme.name, response.status, response.body[:300])
    assert response.json()["username"] == expected_username(scheme, username), response.body
