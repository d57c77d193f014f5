"""oidc specifics: the JWKS fetched once then cached, an issuer that goes away, key
rotation, bounded fetches, and tokens with the wrong issuer, audience, age or algorithm.

Each test that changes the issuer runs its own (a real process, stopped by PID); the
fetches are counted by the issuer itself (``/admin/stats``) and by the lab's cache.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import socket
import urllib.request

import jwt
import pytest
import time_machine
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.test import override_settings

from infra import issuer as issuer_service
from infra import procs
from schemes import registry
from schemes.base import CredentialRefused
from schemes.oidc_keys import KEYS, config
from tests.conftest import PASSWORD

OIDC = registry.get("oidc")


def admin(url: str, action: str, method: str = "GET") -> dict:
    """Call one of the issuer's admin endpoints as the lab's client."""
    basic = base64.b64encode(
        f"{issuer_service.CLIENT_ID}:{issuer_service.client_secret(url)}".encode()
    ).decode()
    request = urllib.request.Request(
        f"{issuer_service.public_url(url)}/admin/{action}",
        data=b"" if method == "POST" else None,
        headers={"Authorization": f"Basic {basic}"},
    )
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


@contextlib.contextmanager
def lab_uses(url: str, **knobs):
    """The lab pointed at the issuer ``url`` (the key cache starts empty)."""
    with override_settings(AUTHLAB_OIDC={**settings.AUTHLAB_OIDC, "URL": url, **knobs}):
        yield


@pytest.fixture
def own_issuer():
    """A fresh issuer process for one test, with the lab pointed at it."""
    with issuer_service.serve() as server, lab_uses(server.url):
        yield server


def token_of(credential) -> str:
    return credential.headers["Authorization"].partition(" ")[2]


def forged(header: dict, claims: dict, signature: bytes = b"") -> str:
    """A compact JWT with any header, claims and signature bytes."""

    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    head = part(json.dumps(header).encode()) + "." + part(json.dumps(claims).encode())
    return head + "." + part(signature)


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_refused(response, words: str) -> None:
    assert response.status_code == 401, response.content
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert words in response.json()["detail"], response.json()


def test_the_issuer_publishes_discovery_and_signs_what_the_lab_expects(own_issuer, user):
    from schemes.transports import DjangoClientTransport

    public = issuer_service.public_url(own_issuer.url)
    with urllib.request.urlopen(f"{public}/.well-known/openid-configuration") as r:
        discovery = json.loads(r.read())
    assert discovery["issuer"] == public
    assert discovery["jwks_uri"] == f"{public}/jwks.json"
    credential = OIDC.obtain(DjangoClientTransport(), "alice", PASSWORD)
    header = jwt.get_unverified_header(token_of(credential))
    claims = jwt.decode(token_of(credential), options={"verify_signature": False})
    assert header["alg"] == "RS256"
    assert header["kid"] in admin(own_issuer.url, "stats")["kids"]
    assert claims["iss"] == public
    assert claims["aud"] == settings.AUTHLAB_OIDC["AUDIENCE"]
    assert claims["sub"] == str(user.pk)
    assert claims["exp"] - claims["iat"] == OIDC.properties.expiry_seconds
    assert admin(own_issuer.url, "stats")["pid"] != __import__("os").getpid()


def test_first_request_fetches_the_jwks_then_the_cache_serves(own_issuer, user, transport, call):
    credential = OIDC.obtain(transport, "alice", PASSWORD)
    assert admin(own_issuer.url, "stats")["jwks"] == 0  # logging in fetches no keys
    assert call(OIDC, credential).status_code == 200
    assert admin(own_issuer.url, "stats")["jwks"] == 1
    for _ in range(5):
        assert call(OIDC, credential).status_code == 200
    assert admin(own_issuer.url, "stats")["jwks"] == 1
    assert KEYS.fetches >= 1


def test_issuer_down_cached_keys_keep_working_until_stale(user, transport, call):
    conf = settings.AUTHLAB_OIDC
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    day = dt.timedelta(days=1)  # tokens outlive the stale period
    with (
        issuer_service.serve() as server,
        lab_uses(server.url, LIFETIME=day),
        time_machine.travel(start, tick=False) as clock,
    ):
        credential = OIDC.obtain(transport, "alice", PASSWORD)
        assert call(OIDC, credential).status_code == 200
        procs.stop(server.proc)  # the issuer goes away, by PID
        assert call(OIDC, credential).status_code == 200
        clock.move_to(start + dt.timedelta(seconds=conf["KEYS_TTL_S"] + 1))
        assert call(OIDC, credential).status_code == 200  # refetch failed: stale keys
        clock.move_to(start + dt.timedelta(seconds=conf["KEYS_TTL_S"] + conf["STALE_S"]))
        assert_refused(call(OIDC, credential), "signing keys are unavailable")


def test_issuer_down_with_an_empty_cache_is_a_clear_401(own_issuer, user, transport, call):
    credential = OIDC.obtain(transport, "alice", PASSWORD)
    dead = f"http://authlab:x@127.0.0.1:{procs.free_port()}"  # nothing listens there
    with lab_uses(dead, ISSUER=issuer_service.public_url(own_issuer.url)):
        assert_refused(call(OIDC, credential), "signing keys are unavailable")
        before = KEYS.fetches
        assert_refused(call(OIDC, credential), "signing keys are unavailable")
        assert KEYS.fetches == before  # no second attempt within REFETCH_MIN_S
        response = call(
            OIDC, method="POST", action="login", data={"username": "alice", "password": PASSWORD}
        )
        assert response.status_code == 503
        assert response.json()["detail"] == "The token issuer is unavailable."


def test_an_issuer_that_never_answers_is_given_up_on(own_issuer, user, transport, call):
    credential = OIDC.obtain(transport, "alice", PASSWORD)
    with socket.socket() as silent:  # accepts connections (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://authlab:x@127.0.0.1:{silent.getsockname()[1]}"
        issuer = issuer_service.public_url(own_issuer.url)
        with lab_uses(url, ISSUER=issuer, TIMEOUT_S=0.2):
            assert_refused(call(OIDC, credential), "signing keys are unavailable")


def test_an_oversized_jwks_is_refused(own_issuer, user, transport, call):
    credential = OIDC.obtain(transport, "alice", PASSWORD)
    with lab_uses(own_issuer.url, MAX_JWKS_BYTES=200):  # one RSA key's JWK is ~450 bytes
        assert_refused(call(OIDC, credential), "signing keys are unavailable")
    assert call(OIDC, credential).status_code == 200


def test_key_rotation_refetches_once_and_retired_keys_are_refused(
    own_issuer, user, transport, call
):
    knobs = {"KEYS_TTL_S": 60, "REFETCH_MIN_S": 10}
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with lab_uses(own_issuer.url, **knobs), time_machine.travel(start, tick=False) as clock:
        old = OIDC.obtain(transport, "alice", PASSWORD)
        assert call(OIDC, old).status_code == 200
        assert admin(own_issuer.url, "stats")["jwks"] == 1
        admin(own_issuer.url, "rotate", "POST")
        new = OIDC.obtain(transport, "alice", PASSWORD)
        assert (
            jwt.get_unverified_header(token_of(new))["kid"]
            != jwt.get_unverified_header(token_of(old))["kid"]
        )
        # Within REFETCH_MIN_S of the last fetch an unknown kid is refused unfetched...
        assert_refused(call(OIDC, new), "unknown key")
        assert admin(own_issuer.url, "stats")["jwks"] == 1
        # ...after it, one refetch finds the new key; the old one is still published.
        clock.move_to(start + dt.timedelta(seconds=knobs["REFETCH_MIN_S"]))
        assert call(OIDC, new).status_code == 200
        assert call(OIDC, old).status_code == 200
        assert admin(own_issuer.url, "stats")["jwks"] == 2
        admin(own_issuer.url, "retire", "POST")
        assert call(OIDC, old).status_code == 200  # the cache still holds the old key
        clock.move_to(start + dt.timedelta(seconds=knobs["REFETCH_MIN_S"] + knobs["KEYS_TTL_S"]))
        assert_refused(call(OIDC, old), "unknown key")
        assert call(OIDC, new).status_code == 200
        assert admin(own_issuer.url, "stats")["jwks"] == 3


def test_hostile_kids_cannot_make_the_lab_hammer_the_issuer(own_issuer, user, transport, call):
    from cryptography.hazmat.primitives.asymmetric import rsa

    assert call(OIDC, OIDC.obtain(transport, "alice", PASSWORD)).status_code == 200
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    claims = {"sub": str(user.pk), "iss": "x", "aud": "authlab", "exp": 2**40, "iat": 0}
    for n in range(20):
        token = jwt.encode(claims, attacker, algorithm="RS256", headers={"kid": f"kid-{n}"})
        assert_refused(call(OIDC, headers=bearer(token)), "unknown key")
    assert admin(own_issuer.url, "stats")["jwks"] == 1


@pytest.mark.parametrize(
    ("knob", "value", "words"),
    [("ISSUER", "https://someone-else.example", "(iss)"), ("AUDIENCE", "other-api", "(aud)")],
)
def test_wrong_issuer_or_audience_is_refused(own_issuer, knob, value, words, user, transport, call):
    credential = OIDC.obtain(transport, "alice", PASSWORD)
    assert call(OIDC, credential).status_code == 200
    with lab_uses(own_issuer.url, **{knob: value}):
        assert_refused(call(OIDC, credential), words)


def test_expired_token_is_refused(user, transport, call):
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    with time_machine.travel(start, tick=False) as clock:
        credential = OIDC.obtain(transport, "alice", PASSWORD)
        assert call(OIDC, credential).status_code == 200
        clock.move_to(start + dt.timedelta(seconds=OIDC.properties.expiry_seconds))
        assert_refused(call(OIDC, credential), "expired")


def test_algorithm_confusion_is_refused(user, transport, call):
    """``alg: none`` and HS256 keyed with the issuer's public key (the classic confusion)."""
    credential = OIDC.obtain(transport, "alice", PASSWORD)
    assert call(OIDC, credential).status_code == 200
    token = token_of(credential)
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert_refused(call(OIDC, headers=bearer(forged({"alg": "none", "kid": kid}, claims))), "RS256")
    public = KEYS.key(kid, config()).key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    signing_input = forged(header, claims).rsplit(".", 1)[0].encode()
    mac = hmac.new(public, signing_input, hashlib.sha256).digest()
    assert_refused(call(OIDC, headers=bearer(forged(header, claims, mac))), "RS256")


def test_a_tampered_or_foreign_subject_is_refused(user, transport, call):
    credential = OIDC.obtain(transport, "alice", PASSWORD)
    header, _payload, signature = token_of(credential).split(".")
    claims = jwt.decode(token_of(credential), options={"verify_signature": False})
    other = forged({}, {**claims, "sub": "1" if claims["sub"] != "1" else "2"}).split(".")[1]
    assert_refused(call(OIDC, headers=bearer(f"{header}.{other}.{signature}")), "Invalid token")


def test_the_issuer_refuses_a_client_without_its_secret(own_issuer):
    public = issuer_service.public_url(own_issuer.url)
    request = urllib.request.Request(f"{public}/token", data=b"grant_type=x")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=5)
    assert refused.value.code == 401
    assert json.loads(refused.value.read())["error"] == "invalid_client"


def test_wrong_password_never_reaches_the_issuer(own_issuer, user, transport):
    with pytest.raises(CredentialRefused):
        OIDC.obtain(transport, "alice", "wrong")
    assert admin(own_issuer.url, "stats")["token"] == 0
