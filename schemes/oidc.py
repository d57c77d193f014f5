"""``oidc``: a bearer JWT issued by a separate process (infra/issuer.py) and verified by
the lab against the issuer's published keys, as an API verifies Auth0's or Okta's tokens.

The issuer signs RS256 with a private key the lab never holds; the lab fetches the
public keys (JWKS) over HTTP once and caches them (schemes/oidc_keys.py), so a request
costs one RSA signature check, the ``iss``/``aud``/``exp`` checks and the user row (the
token's ``sub`` is the user id). ``login/`` checks the password in the lab's database,
then asks the issuer for the token (the issuer round trip is the login's extra cost).
Nothing revokes a token before it expires: the issuer has no revocation list the lab
could read per request, so a logout or password change leaves it valid for its lifetime.
"""

from __future__ import annotations

import re
import time

import jwt
from django.conf import settings
from django.urls import URLPattern, path
from rest_framework import exceptions

from schemes.auth import BearerAuthentication, active_user
from schemes.base import Carrier, Credential, Properties, Scheme, Transport
from schemes.oidc_keys import KEYS, IssuerUnavailable, config, request_token
from schemes.oidc_protocol import ALGORITHM
from schemes.views import PasswordLoginView

KEYWORD = "Bearer"
#: The only algorithm accepted, whatever the token's header says (no ``none``, no HS256
#: keyed with the public key).
ALGORITHMS = [ALGORITHM]
REQUIRED_CLAIMS = ["exp", "iat", "iss", "aud", "sub"]
#: Longer than any token the issuer signs (~600 bytes): refuse before decoding.
MAX_TOKEN_CHARS = 4096
#: A user id as the issuer's ``sub``: a positive integer that fits a 64-bit column.
SUBJECT = re.compile(r"[1-9][0-9]{0,17}")
#: The 401 detail per PyJWT refusal; any other refusal is "Invalid token."
REFUSALS = {
    jwt.ExpiredSignatureError: "Token has expired.",
    jwt.InvalidAudienceError: "Token is not meant for this API (aud).",
    jwt.InvalidIssuerError: "Token is from another issuer (iss).",
    jwt.MissingRequiredClaimError: "Token lacks a required claim.",
}


def lifetime_seconds() -> int:
    """The access-token lifetime the lab asks the issuer for."""
    return int(settings.AUTHLAB_OIDC["LIFETIME"].total_seconds())


class OIDCAuthentication(BearerAuthentication):
    """Authenticate ``Authorization: Bearer <JWT>`` issued by the configured issuer."""

    keyword = KEYWORD
    max_token_chars = MAX_TOKEN_CHARS

    def authenticate_token(self, token: bytes):
        """Check ``token`` against the issuer's keys; return ``(user, claims)``."""
        claims = self.get_validated_claims(token.decode("latin-1"))
        return self.get_user(claims), claims

    def get_kid(self, token: str) -> str:
        """The token's ``kid``, once its header names the accepted algorithm."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise exceptions.AuthenticationFailed("Invalid token.") from exc
        if header.get("alg") not in ALGORITHMS:
            raise exceptions.AuthenticationFailed(f"Token algorithm must be {ALGORITHM}.")
        kid = header.get("kid")
        if not isinstance(kid, str) or not 0 < len(kid) <= 128:
            raise exceptions.AuthenticationFailed("Token names no signing key (kid).")
        return kid

    def get_key(self, kid: str, conf: dict):
        """The issuer's public key ``kid``, from the cache (fetched when needed)."""
        try:
            return KEYS.key(kid, conf)
        except IssuerUnavailable as exc:
            raise exceptions.AuthenticationFailed(
                "The token issuer's signing keys are unavailable."
            ) from exc
        except KeyError as exc:
            raise exceptions.AuthenticationFailed("Token signed with an unknown key.") from exc

    def get_validated_claims(self, token: str) -> dict:
        """Check the signature, ``iss``, ``aud`` and ``exp``; return the claims."""
        conf = config()
        key = self.get_key(self.get_kid(token), conf)
        try:
            return jwt.decode(
                token,
                key.key,
                algorithms=ALGORITHMS,
                audience=conf["AUDIENCE"],
                issuer=conf["ISSUER"],
                leeway=conf["LEEWAY_S"],
                options={"require": REQUIRED_CLAIMS},
            )
        except jwt.PyJWTError as exc:
            detail = next((m for t, m in REFUSALS.items() if isinstance(exc, t)), None)
            raise exceptions.AuthenticationFailed(detail or "Invalid token.") from exc

    def get_user(self, claims: dict):
        """The lab user the token's ``sub`` names, if active."""
        subject = claims.get("sub")
        if not isinstance(subject, str) or not SUBJECT.fullmatch(subject):
            raise exceptions.AuthenticationFailed("Token subject is not a user id.")
        return active_user(int(subject))


class IssuerDown(exceptions.APIException):
    """The token issuer did not answer: a 503 with a JSON detail, never a 500."""

    status_code = 503
    default_detail = "The token issuer is unavailable."
    default_code = "issuer_unavailable"


class OIDCLoginView(PasswordLoginView):
    """Check a username and password, then get the user's token from the issuer."""

    def credential_for(self, user) -> dict:
        """The issuer's ``{"access_token", "token_type", "expires_in"}``."""
        try:
            answer = request_token(user, int(time.time()))
        except IssuerUnavailable as exc:
            raise IssuerDown() from exc
        return {k: answer[k] for k in ("access_token", "token_type", "expires_in")}


class OIDCScheme(Scheme):
    """A third-party (OIDC-style) RS256 access token, verified against the issuer's JWKS."""

    login_field = "access_token"

    name = "oidc"
    title = "OIDC (third-party JWT, JWKS)"
    family = "third-party"
    summary = "RS256 token from a separate issuer; its JWKS fetched once and cached; user row."
    authentication_classes = (OIDCAuthentication,)
    stored_models = ("auth.User",)
    properties = Properties(
        stateless=True,
        expiry_seconds=lifetime_seconds(),
        expiry=f"{lifetime_seconds() // 60} min access (the issuer's token)",
        revocation="",
        stored_at_rest="nothing in the lab (the private key is the issuer's; public keys cached)",
        stored_credential_usable=False,
        csrf_on_unsafe=False,
        carriers=(
            Carrier("header", "Authorization", "jwt", "Bearer", format=f"<{ALGORITHM} JWT>"),
        ),
        queries_per_request=1,  # the user row by the token's sub
        crypto_per_request=f"JWT signature verify ({ALGORITHM}, issuer's public key from its JWKS)",
        revocation_delay_s=lifetime_seconds(),  # nothing revokes it: it lives until expiry
        logout_immediate=False,
        password_change="issued tokens live until expiry (the issuer signs; the lab cannot revoke)",
        issuer="third-party: a separate issuer process (infra/issuer.py), keys by JWKS over HTTP",
    )

    def flow_urls(self) -> list[URLPattern]:
        """``login/`` only: the lab cannot revoke what another party signed."""
        return [path("login/", OIDCLoginView.as_view(), name="oidc-login")]

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Log in; send the issuer's token as ``Authorization: Bearer``."""
        body = self.login(transport, username, password).body
        return Credential(
            headers={"Authorization": f"{KEYWORD} {body['access_token']}"},
            extra={"expires_in": body["expires_in"]},
        )
