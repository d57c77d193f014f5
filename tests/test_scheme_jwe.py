"""jwe specifics: claims unreadable on the wire, tampered ciphertext, another key,
another algorithm, expiry on a frozen clock."""

from __future__ import annotations

import base64
import datetime as dt

import time_machine
from django.conf import settings
from django.test import override_settings
from joserfc import jwe
from joserfc.jwk import OctKey

from schemes import registry
from schemes.base import Credential
from tests.conftest import PASSWORD

JWE = registry.get("jwe")
OTHER_KEY = "b3RoZXItdGVzdC1rZXktb2YtdGhpcnR5LXR3by1ieXQ"


def token_of(credential: Credential) -> str:
    return credential.headers["Authorization"].removeprefix("Bearer ")


def bearer(token: str) -> Credential:
    return Credential(headers={"Authorization": f"Bearer {token}"})


def unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def assert_refused(response):
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert isinstance(response.json()["detail"], str)


def test_claims_are_unreadable_on_the_wire(user, transport, call):
    token = token_of(JWE.obtain(transport, "alice", PASSWORD))
    header, encrypted_key, iv, ciphertext, tag = token.split(".")
    assert encrypted_key == ""  # dir: no wrapped key, the shared key encrypts
    assert b'"enc":"A256GCM"' in unb64(header)
    wire = b"".join(unb64(p) for p in (header, iv, ciphertext, tag))
    assert b"alice" not in wire and b"user_id" not in wire
    assert call(JWE, bearer(token)).json()["username"] == "alice"


def test_tampered_ciphertext_is_refused(user, transport, call):
    token = token_of(JWE.obtain(transport, "alice", PASSWORD))
    header, key, iv, ciphertext, tag = token.split(".")
    raw = bytearray(unb64(ciphertext))
    raw[0] ^= 0x01  # one flipped bit: GCM's tag no longer matches
    flipped = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert_refused(call(JWE, bearer(".".join([header, key, iv, flipped, tag]))))
    assert_refused(call(JWE, bearer(".".join([header, key, iv, ciphertext, tag[::-1]]))))


def test_token_made_with_another_key_is_refused(user, transport, call):
    with override_settings(AUTHLAB_JWE={**settings.AUTHLAB_JWE, "KEY": OTHER_KEY}):
        foreign = JWE.obtain(transport, "alice", PASSWORD)
        assert call(JWE, foreign).status_code == 200  # valid under its own key
    assert_refused(call(JWE, foreign))


def test_other_algorithms_are_refused(user, call):
    from schemes.jwe import content_key

    claims = f'{{"user_id": {user.pk}, "exp": 9999999999}}'.encode()
    for header, key in (
        ({"alg": "dir", "enc": "A128GCM"}, OctKey.generate_key(128)),
        ({"alg": "A256KW", "enc": "A256GCM"}, content_key()),  # the lab's key as a wrap key
    ):
        allowed = jwe.JWERegistry(algorithms=list(header.values()))
        token = jwe.encrypt_compact(header, claims, key, registry=allowed)
        assert_refused(call(JWE, bearer(token)))


def test_expired_token_is_refused(user, transport, call):
    start = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        credential = JWE.obtain(transport, "alice", PASSWORD)
        assert call(JWE, credential).status_code == 200
    lifetime = JWE.properties.expiry_seconds
    with time_machine.travel(start + dt.timedelta(seconds=lifetime - 1), tick=False):
        assert call(JWE, credential).status_code == 200
    with time_machine.travel(start + dt.timedelta(seconds=lifetime + 1), tick=False):
        assert_refused(call(JWE, credential))
