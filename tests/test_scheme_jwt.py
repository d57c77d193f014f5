"""simplejwt specifics: expiry on a frozen clock, tampering, ``alg: none``, token
types, refresh rotation and blacklisting — for every JWT scheme of the registry."""

from __future__ import annotations

import base64
import datetime as dt
import json

import pytest

from schemes import registry
from schemes.base import Credential
from tests.conftest import PASSWORD, answer_after

JWT_SCHEMES = [pytest.param(registry.get(n), id=n) for n in ("jwt", "jwt-stateless", "jwt-short")]


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(token_part: str) -> dict:
    return json.loads(base64.urlsafe_b64decode(token_part + "=" * (-len(token_part) % 4)))


def bearer(token: str) -> Credential:
    return Credential(headers={"Authorization": f"Bearer {token}"})


def access_token(credential: Credential) -> str:
    return credential.headers["Authorization"].removeprefix("Bearer ")


@pytest.mark.parametrize("scheme", JWT_SCHEMES)
def test_expired_access_token_is_refused(scheme, user, transport, call):
    fresh, response = answer_after(scheme, transport, call, dt.timedelta(minutes=5))
    assert fresh == 200
    assert response.status_code == 401
    assert response.json()["code"] == "token_not_valid"


@pytest.mark.parametrize("scheme", JWT_SCHEMES)
def test_tampered_payload_is_refused(scheme, user, transport, call):
    header, payload, signature = access_token(scheme.obtain(transport, "alice", PASSWORD)).split(
        "."
    )
    claims = b64url_json(payload)
    claims["user_id"] = str(int(claims["user_id"]) + 1)
    claims["username"] = "mallory"
    forged = f"{header}.{b64url(json.dumps(claims).encode())}.{signature}"
    assert call(scheme, bearer(forged)).status_code == 401


@pytest.mark.parametrize("scheme", JWT_SCHEMES)
def test_wrong_signature_is_refused(scheme, user, transport, call):
    import jwt as pyjwt

    token = access_token(scheme.obtain(transport, "alice", PASSWORD))
    claims = pyjwt.decode(token, options={"verify_signature": False})
    forged = pyjwt.encode(claims, "a-key-that-is-not-the-lab-signing-key-0123456789", "HS256")
    assert call(scheme, bearer(forged)).status_code == 401


@pytest.mark.parametrize("scheme", JWT_SCHEMES)
def test_alg_none_is_refused(scheme, user, transport, call):
    token = access_token(scheme.obtain(transport, "alice", PASSWORD))
    claims = b64url_json(token.split(".")[1])
    unsigned = f"{b64url(b'{"alg":"none","typ":"JWT"}')}.{b64url(json.dumps(claims).encode())}."
    assert call(scheme, bearer(unsigned)).status_code == 401


@pytest.mark.parametrize("scheme", JWT_SCHEMES)
def test_refresh_token_is_not_an_access_token(scheme, user, transport, call):
    credential = scheme.obtain(transport, "alice", PASSWORD)
    response = call(scheme, bearer(credential.extra["refresh"]))
    assert response.status_code == 401


@pytest.mark.parametrize("scheme", JWT_SCHEMES)
def test_refresh_rotates_and_blacklists_the_old_refresh_token(scheme, user, transport, call):
    credential = scheme.obtain(transport, "alice", PASSWORD)
    old_refresh = credential.extra["refresh"]
    reply = transport.post(scheme.url("refresh"), {"refresh": old_refresh}, {})
    assert reply.status == 200
    assert reply.body["refresh"] != old_refresh
    # The rotated access token works and still names the user (claims copied).
    response = call(scheme, bearer(reply.body["access"]))
    assert response.status_code == 200
    assert response.json()["username"] == "alice"
    # BLACKLIST_AFTER_ROTATION: the old refresh token is dead.
    again = transport.post(scheme.url("refresh"), {"refresh": old_refresh}, {})
    assert again.status == 401


@pytest.mark.parametrize("scheme", JWT_SCHEMES)
def test_logout_blacklists_refresh_but_access_lives_until_expiry(scheme, user, transport, call):
    credential = scheme.obtain(transport, "alice", PASSWORD)
    assert scheme.revoke(transport, credential).status == 200
    refreshed = transport.post(scheme.url("refresh"), {"refresh": credential.extra["refresh"]}, {})
    assert refreshed.status == 401
    assert call(scheme, credential).status_code == 200  # the documented weakness


def test_signing_key_is_not_the_secret_key(settings):
    assert settings.SIMPLE_JWT["SIGNING_KEY"] != settings.SECRET_KEY
    assert len(settings.SIMPLE_JWT["SIGNING_KEY"].encode()) * 8 >= 256
