"""jwt-cookie specifics: HttpOnly cookies and no tokens in the body, CSRF on unsafe
methods, refresh from the cookie, logout, expiry on a frozen clock; and dj-rest-auth's
own login/ still answering a DRF token."""

from __future__ import annotations

import datetime as dt

import time_machine
from allauth.account.models import EmailAddress
from rest_framework.authtoken.models import Token

from schemes import registry
from tests.conftest import PASSWORD

JWT_COOKIE = registry.get("jwt-cookie")
ACCESS, REFRESH = "jwt-access", "jwt-refresh"


def login(call):
    return call(
        JWT_COOKIE, method="POST", action="login", data={"username": "alice", "password": PASSWORD}
    )


def test_login_sets_httponly_token_cookies_and_keeps_tokens_out_of_the_body(user, call):
    response = login(call)
    assert response.status_code == 200
    assert response.json() == {"username": "alice"}
    for name in (ACCESS, REFRESH):
        cookie = response.cookies[name]
        assert cookie.value.count(".") == 2  # a JWT
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Lax"
    assert response.cookies[REFRESH]["path"] == JWT_COOKIE.prefix
    # The CSRF cookie is read by scripts (to send X-CSRFToken): not HttpOnly.
    assert response.cookies["csrftoken"].value
    assert not response.cookies["csrftoken"]["httponly"]


def test_post_without_csrf_header_is_forbidden(user, transport, call):
    credential = JWT_COOKIE.obtain(transport, "alice", PASSWORD)
    credential.unsafe_headers.clear()
    response = call(JWT_COOKIE, credential, "POST", data={"x": 1})
    assert response.status_code == 403
    assert response.json()["detail"].startswith("CSRF Failed")


def test_post_with_wrong_csrf_header_is_forbidden(user, transport, call):
    credential = JWT_COOKIE.obtain(transport, "alice", PASSWORD)
    credential.unsafe_headers["X-CSRFToken"] = "x" * 32
    assert call(JWT_COOKIE, credential, "POST", data={}).status_code == 403


def test_logout_needs_csrf_too(user, transport, call):
    credential = JWT_COOKIE.obtain(transport, "alice", PASSWORD)
    credential.unsafe_headers.clear()
    assert call(JWT_COOKIE, credential, "POST", action="logout").status_code == 403


def test_refresh_reads_the_cookie_and_rotates_both(user, transport, call):
    credential = JWT_COOKIE.obtain(transport, "alice", PASSWORD)
    old_access, old_refresh = credential.cookies[ACCESS], credential.cookies[REFRESH]
    reply = JWT_COOKIE.refresh(transport, credential)
    assert reply.status == 200, reply.body
    assert "refresh" not in reply.body  # JWT_AUTH_HTTPONLY: kept out of scripts' reach
    assert credential.cookies[REFRESH] != old_refresh
    assert credential.cookies[ACCESS] != old_access
    assert call(JWT_COOKIE, credential).json()["username"] == "alice"
    # BLACKLIST_AFTER_ROTATION: the old refresh cookie is dead.
    again = transport.post(JWT_COOKIE.url("refresh"), {}, {"Cookie": f"{REFRESH}={old_refresh}"})
    assert again.status == 401


def test_logout_blacklists_the_refresh_cookie_and_clears_both(user, transport, call):
    credential = JWT_COOKIE.obtain(transport, "alice", PASSWORD)
    reply = JWT_COOKIE.revoke(transport, credential)
    assert reply.status == 200
    assert reply.cookies[ACCESS] == reply.cookies[REFRESH] == ""
    assert JWT_COOKIE.refresh(transport, credential).status == 401
    # The access token itself lives until it expires (declared: logout_immediate False).
    assert call(JWT_COOKIE, credential).status_code == 200


def test_expired_access_cookie_is_refused(user, transport, call):
    start = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        credential = JWT_COOKIE.obtain(transport, "alice", PASSWORD)
    lifetime = JWT_COOKIE.properties.expiry_seconds
    with time_machine.travel(start + dt.timedelta(seconds=lifetime - 1), tick=False):
        assert call(JWT_COOKIE, credential).status_code == 200
    with time_machine.travel(start + dt.timedelta(seconds=lifetime + 1), tick=False):
        response = call(JWT_COOKIE, credential)
        assert response.status_code == 401
        assert JWT_COOKIE.refresh(transport, credential).status == 200
        assert call(JWT_COOKIE, credential).json()["username"] == "alice"


def test_a_header_token_wins_over_the_cookie(user, transport, call):
    credential = JWT_COOKIE.obtain(transport, "alice", PASSWORD)
    response = call(JWT_COOKIE, credential, headers={"Authorization": "Bearer a.b.c"})
    assert response.status_code == 401


def test_dj_rest_auth_login_still_answers_a_drf_token(user, client):
    EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
    response = client.post(
        "/api/v1/dj-rest-auth/login/",
        {"username": "alice", "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"key": Token.objects.get(user=user).key}
    assert ACCESS not in response.cookies
