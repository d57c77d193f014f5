"""JWT: sign and verify cost and token length per algorithm (HS256, HS512, RS256,
ES256, EdDSA, keys generated here), and token length as claims are added.

The payload is the lab's own access token (simplejwt's claims plus ``username``).
"""

import secrets

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from rest_framework_simplejwt.backends import TokenBackend
from rest_framework_simplejwt.tokens import AccessToken

from benchmarks.harness import CLAIMS_USER
from benchmarks.probes import timed_once
from benchmarks.records import Kind

ALGORITHMS = ("HS256", "HS512", "RS256", "ES256", "EdDSA")
#: Claims added step by step, cumulatively, after simplejwt's own.
CLAIM_STEPS = (
    ("simplejwt", ()),
    ("+username", ("username",)),
    ("+email", ("email",)),
    ("+names", ("first_name", "last_name")),
    ("+flags", ("is_staff", "is_superuser", "is_active")),
    ("+groups", ("groups",)),
    ("+permissions", ("permissions",)),
)
GROUPS = ("lab-readers", "lab-writers", "lab-admins")
#: Apps whose permissions the claims user holds through ``lab-admins``.
PERMISSION_APPS = ("auth", "authtoken", "knox")


def _pem(private_key) -> tuple[str, str]:
    private = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public = (
        private_key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


def backend_for(algorithm: str) -> TokenBackend:
    """A simplejwt token backend for ``algorithm``, with a newly generated key."""
    if algorithm.startswith("HS"):  # RFC 7518: a key at least as long as the hash
        return TokenBackend(algorithm, secrets.token_urlsafe(64))
    key = {
        "RS256": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
        "ES256": lambda: ec.generate_private_key(ec.SECP256R1()),
        "EdDSA": ed25519.Ed25519PrivateKey.generate,
    }[algorithm]()
    private, public = _pem(key)
    return TokenBackend(algorithm, private, public)


@pytest.fixture(scope="module")
def backends():
    """One backend per algorithm (key generation is not what is measured)."""
    return {algorithm: backend_for(algorithm) for algorithm in ALGORITHMS}


@pytest.fixture
def claims_user(bench_db):
    """A user with names, an email, three groups and the permissions of three apps."""
    user = get_user_model()._default_manager.get(username=CLAIMS_USER)
    user.first_name, user.last_name = "Ada", "Lovelace-Byron"
    user.save(update_fields=["first_name", "last_name"])
    groups = [Group.objects.get_or_create(name=name)[0] for name in GROUPS]
    groups[-1].permissions.set(
        Permission.objects.filter(content_type__app_label__in=PERMISSION_APPS)
    )
    user.groups.set(groups)
    return get_user_model()._default_manager.get(pk=user.pk)  # no cached permissions


def lab_payload(user) -> dict:
    """The claims of the lab's access token (see schemes.jwt_user)."""
    token = AccessToken.for_user(user)
    token["username"] = user.get_username()
    return dict(token.payload)


def payload_for(user, step: int) -> dict:
    """simplejwt's claims plus every claim of :data:`CLAIM_STEPS` up to ``step``."""
    token = AccessToken.for_user(user)
    claims = dict(token.payload)
    for _, names in CLAIM_STEPS[1 : step + 1]:
        for name in names:
            if name == "groups":
                claims[name] = sorted(user.groups.values_list("name", flat=True))
            elif name == "permissions":
                claims[name] = sorted(user.get_all_permissions())
            else:
                claims[name] = getattr(user, name)
    return claims


@pytest.mark.benchmark(group="JWT: sign (encode) the lab's access token")
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_time_jwt_sign(algorithm, backends, claims_user, measure, benchmark):
    backend, payload = backends[algorithm], lab_payload(claims_user)
    token, seconds = timed_once(lambda: backend.encode(payload))
    benchmark.extra_info.update(kind=Kind.JWT_SIGN, algorithm=algorithm, token_bytes=len(token))
    assert backend.decode(measure(lambda: backend.encode(payload), seconds))["username"]


@pytest.mark.benchmark(group="JWT: verify (decode) the lab's access token")
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_time_jwt_verify(algorithm, backends, claims_user, measure, benchmark):
    backend, payload = backends[algorithm], lab_payload(claims_user)
    token = backend.encode(payload)
    claims, seconds = timed_once(lambda: backend.decode(token, verify=True))
    assert claims == payload
    benchmark.extra_info.update(kind=Kind.JWT_VERIFY, algorithm=algorithm, token_bytes=len(token))
    assert measure(lambda: backend.decode(token, verify=True), seconds) == payload


@pytest.mark.benchmark(group="JWT: token size as claims are added (sign, configured algorithm)")
@pytest.mark.parametrize("step", range(len(CLAIM_STEPS)), ids=[s[0] for s in CLAIM_STEPS])
def test_time_jwt_sign_by_claims(step, claims_user, measure, benchmark):
    from rest_framework_simplejwt.state import token_backend

    payload = payload_for(claims_user, step)
    token, seconds = timed_once(lambda: token_backend.encode(payload))
    assert token_backend.decode(token) == payload
    benchmark.extra_info.update(
        kind=Kind.JWT_CLAIMS,
        step=CLAIM_STEPS[step][0],
        claims=list(payload),
        algorithm=settings.SIMPLE_JWT["ALGORITHM"],
        token_bytes=len(token),
        header_bytes=len(f"Authorization: Bearer {token}\r\n".encode()),
        groups=len(payload.get("groups", ())),
        permissions=len(payload.get("permissions", ())),
    )
    measure(lambda: token_backend.encode(payload), seconds)
