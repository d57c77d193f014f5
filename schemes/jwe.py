"""``jwe``: an encrypted token (JWE compact, ``dir`` + ``A256GCM``, joserfc). The claims
(user id, username, expiry) are AES-256-GCM ciphertext on the wire: a client, a proxy
or a log sees five base64url parts and nothing it can read. GCM's tag also
authenticates them, so a tampered token or one made with another key is refused.

The key is the lab's own (``AUTHLAB_JWE["KEY"]``, var/secrets.json); the server keeps
no per-token state, so there is no logout: a token lives until it expires. The user
row is read per request (like ``jwt``), so deactivating a user takes effect at once.
"""

from __future__ import annotations

import base64
import time
from functools import cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import URLPattern, path
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwe import JWERegistry
from joserfc.jwk import OctKey
from joserfc.jwt import JWTClaimsRegistry
from rest_framework import exceptions

from schemes.auth import BearerAuthentication, active_user
from schemes.base import Carrier, Credential, Properties, Scheme, Transport
from schemes.views import PasswordLoginView

KEYWORD = "Bearer"
HEADER = {"alg": "dir", "enc": "A256GCM"}
#: Only the one algorithm pair is accepted: a token naming another is refused.
REGISTRY = JWERegistry(algorithms=list(HEADER.values()))
CLAIMS = JWTClaimsRegistry(exp={"essential": True}, user_id={"essential": True})
#: Longer than any token the lab issues (~200 bytes): refuse before decoding.
MAX_TOKEN_CHARS = 4096


@cache
def content_key() -> OctKey:
    """The 256-bit content key, decoded from its base64url setting."""
    raw = settings.AUTHLAB_JWE["KEY"]
    return OctKey.import_key(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))


@receiver(setting_changed)
def _reset_key(*, setting: str, **kwargs) -> None:
    if setting == "AUTHLAB_JWE":
        content_key.cache_clear()


def lifetime_seconds() -> int:
    """The configured token lifetime."""
    return int(settings.AUTHLAB_JWE["LIFETIME"].total_seconds())


def issue(user) -> str:
    """Encrypt a token for ``user``: user id, username, issued-at and expiry."""
    now = int(time.time())
    claims = {
        "user_id": user.pk,
        "username": user.get_username(),
        "iat": now,
        "exp": now + lifetime_seconds(),
    }
    return jwt.encode(HEADER, claims, content_key(), registry=REGISTRY)


class JWEAuthentication(BearerAuthentication):
    """Authenticate ``Authorization: Bearer <JWE>``: decrypt, check expiry, load the user."""

    keyword = KEYWORD
    max_token_chars = MAX_TOKEN_CHARS

    def authenticate_token(self, token: bytes):
        """Decrypt and check ``token``; return ``(user, claims)``."""
        try:
            # Decrypting checks the GCM tag: tampered bytes or another key fail here.
            claims = jwt.decode(token, content_key(), registry=REGISTRY).claims
            CLAIMS.validate(claims)
        except (JoseError, ValueError) as exc:
            raise exceptions.AuthenticationFailed("Invalid or expired token.") from exc
        return active_user(claims["user_id"]), claims


class JWELoginView(PasswordLoginView):
    """Exchange a username and password for an encrypted token."""

    def credential_for(self, user) -> dict:
        """``{"token", "expires_in"}``."""
        return {"token": issue(user), "expires_in": lifetime_seconds()}


class JWEScheme(Scheme):
    """Encrypted, authenticated bearer token (JWE dir + A256GCM) via joserfc."""

    login_field = "token"

    name = "jwe"
    title = "JWE (encrypted token)"
    family = "token"
    summary = "Claims encrypted with AES-256-GCM: unreadable on the wire; user row loaded."
    authentication_classes = (JWEAuthentication,)
    properties = Properties(
        stateless=True,
        expiry_seconds=lifetime_seconds(),
        expiry=f"{lifetime_seconds() // 60} min",
        revocation="",
        stored_at_rest="nothing (the key is the server's only secret)",
        stored_credential_usable=False,
        csrf_on_unsafe=False,
        # A JWT in its encrypted form (RFC 7519 §1: a JWS or a JWE): the token schemes'
        # evidence and the JWT claims select it by this kind.
        carriers=(Carrier("header", "Authorization", "jwt", "Bearer", format="<JWE compact>"),),
        # The user row by primary key (no per-token row exists).
        queries_per_request=1,
        crypto_per_request="AES-256-GCM decrypt + tag check (JWE dir)",
        logout_immediate=False,
        revocation_delay_s=None,  # nothing revokes a token before it expires
    )

    def flow_urls(self) -> list[URLPattern]:
        """``login/`` only: a stateless token has nothing to revoke."""
        return [path("login/", JWELoginView.as_view(), name="jwe-login")]

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Log in and send the token as ``Authorization: Bearer <JWE>``."""
        body = self.login(transport, username, password).body
        return Credential(
            headers={"Authorization": f"{KEYWORD} {body['token']}"},
            extra={"expires_in": body["expires_in"]},
        )
