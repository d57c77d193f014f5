"""The HTTP contract, written once and run for every scheme in the registry
(including the one test settings add by dotted path)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import override_settings

from schemes import caching, registry
from schemes.base import CredentialRefused
from tests.conftest import PASSWORD, expected_denial, scheme_params

SCHEMES = scheme_params()


def assert_denied(response, scheme):
    """The request was refused the way the scheme refuses: status, JSON detail."""
    assert response.status_code == expected_denial(scheme), response.content
    assert response["Content-Type"].startswith("application/json")
    assert isinstance(response.json()["detail"], str)
    if response.status_code == 401:
        assert response["WWW-Authenticate"]


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_valid_credential_names_the_user(scheme, method, user, transport, call):
    credential = scheme.obtain(transport, "alice", PASSWORD)
    data = {"hello": ["world", 1]} if method == "POST" else None
    response = call(scheme, credential, method, data=data)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["username"] == "alice"
    assert body["scheme"] == scheme.name
    if method == "POST":
        assert body["echo"] == data


def sent_parts(credential, method: str) -> set[tuple[str, str]]:
    """``(location, name)`` of every header and cookie the credential sends for ``method``."""
    headers = credential.headers_for(method)
    headers.pop("Cookie", None)
    return {("header", h.lower()) for h in headers} | {("cookie", c) for c in credential.cookies}


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("scheme", scheme_params(exclude_baseline=False))
def test_declared_carriers_are_what_the_client_sends(scheme, method, user, transport):
    carriers = scheme.properties.carriers
    credential = scheme.obtain(transport, "alice", PASSWORD)
    declared = {
        (c.location, c.name.lower() if c.location == "header" else c.name)
        for c in carriers
        if method == "POST" or not c.unsafe_only
    }
    assert sent_parts(credential, method) == declared
    for carrier in carriers:
        if carrier.auth_scheme:
            value = credential.headers_for(method)[carrier.name]
            assert value.startswith(f"{carrier.auth_scheme} "), value


@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_no_credential_is_refused(scheme, method, db, call):
    assert_denied(call(scheme, method=method), scheme)


def test_basic_challenge_names_the_realm(db, call):
    response = call(registry.get("basic"))
    assert response["WWW-Authenticate"] == 'Basic realm="api"'


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_baseline_serves_anyone(method, db, call):
    response = call(registry.baseline(), method=method, data={"x": 1})
    assert response.status_code == 200
    assert response.json()["username"] is None


@pytest.mark.parametrize(
    ("username", "password"),
    [("alice", "wrong-password"), ("nobody", PASSWORD)],
    ids=["wrong-password", "unknown-user"],
)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_bad_password_or_user_gets_nothing(scheme, username, password, user, transport, call):
    try:
        credential = scheme.obtain(transport, username, password)
    except CredentialRefused as refused:
        # A login step refuses with DRF's 400 + field errors (simplejwt: 401 + detail).
        assert refused.status in (400, 401)
        # allauth headless: 400 + its "errors" list.
        body = refused.body
        assert body.get("non_field_errors") or body.get("detail") or body.get("errors")
        return
    assert_denied(call(scheme, credential), scheme)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_inactive_user(scheme, user, transport, call):
    credential = scheme.obtain(transport, "alice", PASSWORD)
    assert call(scheme, credential).status_code == 200  # in use (a cache is warm)
    # update() sends no signal: what a cache sees of a change made behind its back.
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    response = call(scheme, credential)
    if scheme.properties.user_checked_per_request:
        assert_denied(response, scheme)
    else:
        # Documented property of stateless schemes and caches: the credential outlives
        # the account (caches: until the TTL).
        assert response.status_code == 200
        assert response.json()["username"] == "alice"


HOSTILE_AUTHORIZATION = {
    "bad-base64": "Basic !!!not*base64!!!",
    "no-colon": "Basic " + __import__("base64").b64encode(b"alicepassword").decode(),
    "extra-spaces": "Basic   YWxpY2U6eA==   extra",
    "non-utf8": "Basic " + __import__("base64").b64encode(b"\xff\xfe:\xc3\x28").decode(),
    "raw-non-utf8": "Token \xff\xfe\xfd",
    "nul-in-basic-user": "Basic " + __import__("base64").b64encode(b"al\x00ice:pw").decode(),
    "nul-in-token": "Token abc\x00def",
    "8kb": "Bearer " + "A" * 8192,
    "wrong-keyword": "Digest username=alice",
    "empty-token": "Token ",
    "empty-bearer": "Bearer",
    "control-chars": "Token abc\x00\x01\x1bdef",
    "two-tokens": "Token abc def",
    "jwt-garbage": "Bearer a.b.c",
}


@pytest.mark.parametrize("value", HOSTILE_AUTHORIZATION.values(), ids=HOSTILE_AUTHORIZATION)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_hostile_authorization_is_refused_cleanly(scheme, value, db, call):
    response = call(scheme, headers={"Authorization": value})
    assert response.status_code in (401, 403), response.content
    assert isinstance(response.json()["detail"], str)


HOSTILE_COOKIES = {
    "garbage-session": "sessionid=not-a-session; csrftoken=x",
    "long-session": "sessionid=" + "a" * 4096,
    "non-ascii": "sessionid=\xe9\xe8; csrftoken=\xff",
    "broken-syntax": 'sessionid="unterminated; ;;=;',
}


@pytest.mark.parametrize("value", HOSTILE_COOKIES.values(), ids=HOSTILE_COOKIES)
@pytest.mark.parametrize("method", ["GET", "POST"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_hostile_cookies_are_refused_cleanly(scheme, method, value, db, call):
    response = call(scheme, method=method, headers={"Cookie": value, "X-CSRFToken": "x"})
    assert response.status_code in (401, 403), response.content
    assert isinstance(response.json()["detail"], str)


@pytest.mark.parametrize("scheme", scheme_params(having="logout"))
def test_logout_revokes(scheme, user, transport, call):
    credential = scheme.obtain(transport, "alice", PASSWORD)
    assert call(scheme, credential).status_code == 200
    reply = scheme.revoke(transport, credential)
    assert reply.status in scheme.logout_statuses, reply.body
    response = call(scheme, credential)
    if scheme.properties.logout_immediate:
        assert_denied(response, scheme)
    else:
        # Documented: a JWT access token stays valid until it expires; only the
        # refresh token is blacklisted.
        assert response.status_code == 200


def another_server():
    """Settings of a second server: the same database, local caches of its own."""
    own_cache = {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "authlab-auth-of-another-server",
    }
    return override_settings(CACHES={**settings.CACHES, caching.ALIAS: own_cache})


def revoke(scheme, transport, credential, user) -> None:
    """Revoke the scheme's way: ``logout/``, else a password change."""
    if scheme.has_logout:
        reply = scheme.revoke(transport, credential)
        assert reply.status in scheme.logout_statuses, reply.body
    else:
        user.set_password("an-entirely-new-password-42")
        user.save()


YEAR_S = 365 * 86400


@pytest.mark.parametrize("scheme", SCHEMES)
def test_revocation_delay_matches_the_declared_property(scheme, user, transport, call):
    """Revoked on another server (the worst case: this server's caches are warm and
    nobody evicts them), the credential works until just before the declared delay and
    is refused from it on; ``None``: it still works a year on (or until it expires)."""
    delay = scheme.properties.revocation_delay_s
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        credential = scheme.obtain(transport, "alice", PASSWORD)
        assert call(scheme, credential).status_code == 200
        with another_server():
            revoke(scheme, transport, credential, user)
        if delay is None:
            expiry = scheme.properties.expiry_seconds
            clock.move_to(start + dt.timedelta(seconds=min(YEAR_S, (expiry or YEAR_S + 1) - 1)))
            assert call(scheme, credential).status_code == 200
            return
        if delay > 0:
            clock.move_to(start + dt.timedelta(seconds=delay - 1))
            response = call(scheme, credential)
            assert response.status_code == 200, f"refused before {delay} s: {response.content}"
        clock.move_to(start + dt.timedelta(seconds=delay))
        assert_denied(call(scheme, credential), scheme)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_csrf_on_unsafe_matches_the_declared_property(scheme, user, transport, call):
    credential = scheme.obtain(transport, "alice", PASSWORD)
    if not scheme.properties.csrf_on_unsafe:
        assert not credential.unsafe_headers
        return
    credential.unsafe_headers.clear()
    assert call(scheme, credential).status_code == 200  # safe methods need no token
    response = call(scheme, credential, "POST", data={"x": 1})
    assert response.status_code == 403, response.content
    assert "CSRF" in response.json()["detail"]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_queries_per_request_match_the_declared_property(
    scheme, user, transport, call, django_assert_num_queries
):
    credential = scheme.obtain(transport, "alice", PASSWORD)
    declared = scheme.properties
    first = declared.queries_per_request
    if declared.queries_first_request is not None:
        first = declared.queries_first_request
    with django_assert_num_queries(first):  # a cache, if any, misses
        assert call(scheme, credential).status_code == 200
    with django_assert_num_queries(declared.queries_per_request):
        assert call(scheme, credential).status_code == 200


def test_baseline_makes_no_query(db, call, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert call(registry.baseline()).status_code == 200


@pytest.mark.parametrize("scheme", scheme_params(having="login"))
def test_login_rejects_malformed_bodies(scheme, db, call):
    for body in ({}, {"username": ["a"], "password": {"b": 1}}, {"username": "a" * 10_000}):
        response = call(
            scheme,
            method="POST",
            action=scheme.login_action,
            data=body,
            headers=scheme.login_headers(),
        )
        assert response.status_code == 400, (body, response.content)


@pytest.mark.parametrize("scheme", SCHEMES)
def test_password_change_revokes_as_declared(scheme, user, transport, call):
    credential = scheme.obtain(transport, "alice", PASSWORD)
    assert call(scheme, credential).status_code == 200
    user.set_password("a-new-password-entirely")
    user.save()
    response = call(scheme, credential)
    if scheme.properties.revoked_by_password_change:
        assert_denied(response, scheme)
    else:
        # Declared: the credential outlives the change (a JWT access token until expiry).
        assert response.status_code == 200, response.content


@pytest.mark.parametrize("scheme", scheme_params(having="login"))
def test_login_does_not_trim_the_password(scheme, user, transport):
    """``"secret "`` is not ``"secret"`` (simplejwt's login trimmed it; fuzz-found)."""
    with pytest.raises(CredentialRefused):
        scheme.obtain(transport, "alice", PASSWORD + " ")
