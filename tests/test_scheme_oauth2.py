"""oauth2 specifics: expiry on a frozen clock, refresh rotation, revocation, tokens at
rest, client authentication, and what DOT does not check (the user's ``is_active``)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import time_machine
from django.contrib.auth import get_user_model
from oauth2_provider.models import AccessToken, RefreshToken

from schemes import registry
from schemes.base import CredentialRefused
from schemes.oauth2 import client_fields
from tests.conftest import PASSWORD

OAUTH2 = registry.get("oauth2")


def access_of(credential) -> str:
    return credential.headers["Authorization"].removeprefix("Bearer ")


def test_expired_access_token_is_refused_and_refresh_still_works(user, transport, call):
    start = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        credential = OAUTH2.obtain(transport, "alice", PASSWORD)
        assert credential.extra["expires_in"] == OAUTH2.properties.expiry_seconds
        assert call(OAUTH2, credential).status_code == 200
    later = start + dt.timedelta(seconds=OAUTH2.properties.expiry_seconds + 1)
    with time_machine.travel(later, tick=False):
        response = call(OAUTH2, credential)
        assert response.status_code == 401
        assert response["WWW-Authenticate"].startswith('Bearer realm="api"')
        renewed = OAUTH2.refresh(transport, credential)
        assert call(OAUTH2, renewed).json()["username"] == "alice"


def test_refresh_rotates_and_a_replayed_refresh_token_revokes_the_family(user, transport, call):
    first = OAUTH2.obtain(transport, "alice", PASSWORD)
    second = OAUTH2.refresh(transport, first)
    assert second.extra["refresh"] != first.extra["refresh"]
    assert call(OAUTH2, first).status_code == 401  # the old access token went with it
    assert call(OAUTH2, second).status_code == 200
    # Replaying the spent refresh token (REFRESH_TOKEN_REUSE_PROTECTION): refused, and
    # the whole family, the live pair included, is revoked.
    with pytest.raises(CredentialRefused) as refused:
        OAUTH2.refresh(transport, first)
    assert refused.value.status == 400
    assert refused.value.body["error"] == "invalid_grant"
    assert refused.value.body["detail"]
    assert call(OAUTH2, second).status_code == 401


def test_revoked_token_is_refused_and_cannot_refresh(user, transport, call):
    credential = OAUTH2.obtain(transport, "alice", PASSWORD)
    assert OAUTH2.revoke(transport, credential).status == 200
    assert call(OAUTH2, credential).status_code == 401
    with pytest.raises(CredentialRefused):
        OAUTH2.refresh(transport, credential)


def test_revoking_an_access_token_leaves_other_logins_alone(user, transport, call):
    first = OAUTH2.obtain(transport, "alice", PASSWORD)
    second = OAUTH2.obtain(transport, "alice", PASSWORD)
    form = {"token": access_of(first), "token_type_hint": "access_token", **client_fields()}
    reply = transport.post(OAUTH2.url("revoke"), form, {}, form=True)
    assert reply.status == 200
    assert call(OAUTH2, first).status_code == 401
    assert call(OAUTH2, second).status_code == 200


def test_only_checksums_are_stored(user, transport):
    credential = OAUTH2.obtain(transport, "alice", PASSWORD)
    access, refresh = access_of(credential), credential.extra["refresh"]
    row = AccessToken.objects.get(user=user)
    assert access not in (row.token, row.token_checksum)
    assert row.token_checksum == hashlib.sha256(access.encode()).hexdigest()
    assert refresh not in {r.token for r in RefreshToken.objects.filter(user=user)}


def test_the_token_endpoint_needs_the_registered_client(user, transport):
    grant = {"grant_type": "password", "username": "alice", "password": PASSWORD}
    for client in ({}, {"client_id": "someone-else"}):
        reply = transport.post(OAUTH2.url("token"), {**grant, **client}, {}, form=True)
        assert reply.status == 401, reply.body
        assert reply.body["error"] == "invalid_client"
        assert reply.body["detail"]


def test_a_json_grant_is_refused_as_rfc6749_requires_a_form(user, transport):
    grant = {"grant_type": "password", "username": "alice", "password": PASSWORD}
    reply = transport.post(OAUTH2.url("token"), {**grant, **client_fields()}, {})
    assert reply.status == 400
    assert reply.body["error"] == "unsupported_grant_type"


def test_deactivated_user_keeps_a_live_token(user, transport, call):
    # Documented DOT behaviour (user_checked_per_request=False): a token is checked for
    # expiry and scope only; deactivation takes effect when the token expires.
    credential = OAUTH2.obtain(transport, "alice", PASSWORD)
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    assert call(OAUTH2, credential).json()["username"] == "alice"
    with pytest.raises(CredentialRefused):  # but no new token
        OAUTH2.obtain(transport, "alice", PASSWORD)
