"""User enumeration by timing: a refused login for an unknown user must cost what a
refused login for a real user with a wrong password costs, or the response time
tells an attacker which usernames exist.

One group per scheme, the two refusals side by side: HTTP Basic on ``whoami/`` and
every scheme's ``login/``. Django's ModelBackend hashes the password once even when
the user does not exist, and allauth's backend (also listed) does the same, so
both paths should run the same number of hashes with the real hasher. Under
``make test`` each runs once, untimed, and only the refusal itself is checked.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.contrib.auth.hashers import get_hasher

from benchmarks.harness import REQUEST_USER, WSGIClient
from benchmarks.probes import timed_once
from benchmarks.records import Kind
from lab.seed import SEED_PASSWORD
from schemes import registry
from schemes.base import Scheme, basic_header

#: The two refusals compared: a username nobody has, and a real one with a bad password.
CASES = {
    "unknown-user": ("no-such-user-here", SEED_PASSWORD),
    "wrong-password": (REQUEST_USER, SEED_PASSWORD + "-wrong"),
}


def targets() -> list:
    """(scheme, case) for Basic and for every scheme with a ``login/`` view."""
    schemes = [s for s in registry.all_schemes() if s.name == "basic" or "login" in s.actions]
    return [
        pytest.param(
            s,
            case,
            id=f"{s.name}-{case}",
            marks=pytest.mark.benchmark(group=f"enumeration: {s.name}"),
        )
        for s in schemes
        for case in CASES
    ]


def refusal(wsgi: WSGIClient, scheme: Scheme, username: str, password: str):
    """A prepared request that presents ``username``/``password`` the scheme's way."""
    if "login" in scheme.actions:
        body = {"username": username, "password": password}
        return wsgi.prepare("POST", scheme.url("login"), scheme.login_headers(), body)
    headers = {"Authorization": basic_header(username, password)}
    return wsgi.prepare("GET", scheme.url("whoami"), headers)


def assert_refused(response, scheme: Scheme) -> None:
    """Refused as the scheme refuses bad credentials: 401 (Basic, simplejwt) or 400
    (DRF's login serializers), never a credential."""
    assert response.status in (400, 401), (scheme.name, response.status, response.body[:300])
    body = response.json()
    assert not {"token", "access", "refresh", "key"} & set(body), body


def count_hashes(send) -> tuple[object, int]:
    """Send once; return the response and how many times the password hasher ran."""
    hasher = type(get_hasher("default"))
    with mock.patch.object(hasher, "encode", autospec=True, side_effect=hasher.encode) as spy:
        response = send()
    return response, spy.call_count


@pytest.mark.parametrize(("scheme", "case"), targets())
def test_time_refused_login(scheme, case, wsgi, measure, benchmark):
    username, password = CASES[case]
    send = refusal(wsgi, scheme, username, password)
    response, hashes = count_hashes(send)
    assert_refused(response, scheme)
    response, seconds = timed_once(send)
    benchmark.extra_info.update(
        kind=Kind.ENUMERATION,
        scheme=scheme.name,
        case=case,
        status=response.status,
        endpoint="whoami" if scheme.name == "basic" else "login",
        password_hashes=hashes,
    )
    assert_refused(measure(send, seconds), scheme)


@pytest.mark.parametrize("scheme", [p.values[0] for p in targets()[::2]], ids=lambda s: s.name)
def test_both_refusals_hash_the_password_alike(scheme, wsgi):
    # The mechanism behind equal times, checked without timing: the same number of
    # password hashes whether or not the user exists (ModelBackend and allauth each
    # hash once for an unknown user, as they would to check a real one).
    counts = {case: count_hashes(refusal(wsgi, scheme, *CASES[case]))[1] for case in CASES}
    assert counts["unknown-user"] == counts["wrong-password"] >= 1, counts
