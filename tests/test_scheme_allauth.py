"""allauth headless specifics: the two schemes sharing one token strategy, the JWT
pair's refresh and expiry on a frozen clock, logout through headless's session view."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.contrib.sessions.models import Session

from schemes import registry
from schemes.base import Credential
from tests.conftest import PASSWORD

SESSION = registry.get("allauth-session")
JWT = registry.get("allauth-jwt")


def test_session_login_answers_a_session_token_only(user, transport):
    meta = SESSION.login(transport, "alice", PASSWORD).body["meta"]
    assert meta["is_authenticated"] is True
    assert meta["session_token"]
    assert "access_token" not in meta  # the JWT pair is issued under allauth-jwt only
    assert Session.objects.filter(session_key=meta["session_token"]).exists()


def test_jwt_login_answers_the_pair_and_a_session_token(user, transport):
    meta = JWT.login(transport, "alice", PASSWORD).body["meta"]
    assert meta["access_token"].count(".") == meta["refresh_token"].count(".") == 2
    assert Session.objects.filter(session_key=meta["session_token"]).exists()


def test_tokens_do_not_cross_schemes(user, transport, call):
    session = SESSION.obtain(transport, "alice", PASSWORD)
    jwt = JWT.obtain(transport, "alice", PASSWORD)
    assert call(JWT, session).status_code == 401
    assert call(SESSION, jwt).status_code == 403  # no X-Session-Token: no challenge


def test_session_logout_deletes_the_session(user, transport, call):
    credential = SESSION.obtain(transport, "alice", PASSWORD)
    reply = SESSION.revoke(transport, credential)
    assert reply.status == 401 and reply.body["meta"]["is_authenticated"] is False
    assert not Session.objects.exists()


def test_refresh_rotates_the_refresh_token(user, transport, call):
    credential = JWT.obtain(transport, "alice", PASSWORD)
    old = credential.extra["refresh_token"]
    reply = JWT.refresh(transport, credential)
    assert reply.status == 200, reply.body
    assert credential.extra["refresh_token"] != old
    assert call(JWT, credential).json()["username"] == "alice"
    again = transport.post(JWT.url("refresh"), {"refresh_token": old}, {})
    assert again.status == 400  # HEADLESS_JWT_ROTATE_REFRESH_TOKEN: the old one is spent


def test_logout_kills_the_refresh_token_but_not_the_access_token(user, transport, call):
    credential = JWT.obtain(transport, "alice", PASSWORD)
    assert JWT.revoke(transport, credential).status == 401
    assert JWT.refresh(transport, credential).status == 400
    # Stateful validation is off: the access token lives until it expires (declared).
    assert call(JWT, credential).status_code == 200


def test_expired_access_token_is_refused_and_refresh_renews_it(user, transport, call):
    start = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        credential = JWT.obtain(transport, "alice", PASSWORD)
    lifetime = JWT.properties.expiry_seconds
    with time_machine.travel(start + dt.timedelta(seconds=lifetime - 1), tick=False):
        assert call(JWT, credential).status_code == 200
    with time_machine.travel(start + dt.timedelta(seconds=lifetime + 1), tick=False):
        assert call(JWT, credential).status_code == 401
        assert JWT.refresh(transport, credential).status == 200
        assert call(JWT, credential).json()["username"] == "alice"


def test_a_token_signed_with_another_key_is_refused(user, transport, call):
    credential = JWT.obtain(transport, "alice", PASSWORD)
    header, payload, signature = credential.headers["Authorization"].split(".")
    forged = Credential(headers={"Authorization": f"{header}.{payload}.{'A' * len(signature)}"})
    assert call(JWT, forged).status_code == 401


def test_token_of_a_deleted_user_is_refused_not_a_500(user, transport, call):
    credential = JWT.obtain(transport, "alice", PASSWORD)
    user.delete()
    assert call(JWT, credential).status_code == 401
