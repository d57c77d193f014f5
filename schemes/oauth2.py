"""``oauth2``: django-oauth-toolkit. An opaque bearer access token issued by the lab's
own OAuth2 token endpoint (``token/``) through the password grant, with refresh
(``grant_type=refresh_token``, rotating) and revocation (``revoke/``, RFC 7009).

The client is the lab's own *public* application (``AUTHLAB_OAUTH2_CLIENT_ID``, created
on first use), identified by ``client_id`` in the form (RFC 6749 2.3, 4.3.2): a
first-party app that cannot keep a secret, the case the password grant is for. Token
requests are form-encoded as RFC 6749 requires. The
two endpoints are DOT's own token and revocation logic (``OAuthLibMixin``) served as
DRF views, so a refusal carries the lab's ``detail`` beside the RFC's ``error`` and a
hostile body gets DRF's 400 instead of Django's HTML one.

Per request ``OAuth2Authentication`` looks the token up by its SHA-256 checksum (DOT
stores only that: ``COMPLIANT_BCP_RFC9700_TOKEN_STORAGE``) with its user and
application. DOT checks the token's expiry and scopes, not ``user.is_active``: a
deactivated user's live token keeps working until it expires (a property, tested).
"""

from __future__ import annotations

import json

from django.conf import settings
from django.urls import URLPattern, path
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from oauth2_provider.models import get_application_model
from oauth2_provider.views.mixins import OAuthLibMixin
from rest_framework.response import Response
from rest_framework.views import APIView

from schemes.base import (
    OPEN,
    Carrier,
    Credential,
    CredentialRefused,
    Properties,
    Reply,
    Scheme,
    Transport,
)
from schemes.views import LoginThrottleMixin

SCOPE = "read write"


def lab_application():
    """The lab's public password-grant application, created if missing."""
    Application = get_application_model()
    app, _ = Application.objects.get_or_create(
        client_id=settings.AUTHLAB_OAUTH2_CLIENT_ID,
        defaults={
            "name": "authlab",
            "client_type": Application.CLIENT_PUBLIC,
            "authorization_grant_type": Application.GRANT_PASSWORD,
            "redirect_uris": "",
        },
    )
    return app


def client_fields() -> dict[str, str]:
    """What identifies the public client in a token or revocation form."""
    return {"client_id": settings.AUTHLAB_OAUTH2_CLIENT_ID}


class OAuthEndpointView(LoginThrottleMixin, OAuthLibMixin, APIView):
    """Base of the two endpoints: DOT's responses, with a ``detail`` on refusals."""

    authentication_classes = ()
    permission_classes = OPEN

    def answer(self, headers: dict, body: str, status: int) -> Response:
        """DOT's (headers, body, status) as a DRF response; errors gain ``detail``."""
        data = json.loads(body) if body else {}
        if status >= 400 and isinstance(data, dict):
            data["detail"] = data.get("error_description") or data.get("error") or "Refused."
        response = Response(data, status=status)
        for name, value in headers.items():
            if name.lower() != "content-type":
                response[name] = value
        return response


class OAuthTokenView(OAuthEndpointView):
    """The token endpoint: password and refresh_token grants (DOT's TokenView logic)."""

    def post(self, request):
        """Issue ``{"access_token", "refresh_token", "expires_in", ...}``."""
        lab_application()
        _, headers, body, status = self.create_token_response(request)
        return self.answer(headers, body, status)


class OAuthRevokeView(OAuthEndpointView):
    """RFC 7009 revocation: a refresh token takes its access token with it."""

    def post(self, request):
        """Revoke the ``token`` given in the form (the client's own tokens only)."""
        lab_application()
        _, headers, body, status = self.create_revocation_response(request)
        return self.answer(headers, body, status)


class OAuth2Scheme(Scheme):
    """django-oauth-toolkit's ``OAuth2Authentication`` on the lab's own token endpoint."""

    name = "oauth2"
    title = "OAuth2 (django-oauth-toolkit)"
    family = "server-state"
    summary = "Opaque bearer token from the lab's OAuth2 server; refresh and revocation."
    authentication_classes = (OAuth2Authentication,)
    login_action = "token"
    logout_action = "revoke"
    properties = Properties(
        stateless=False,
        expiry_seconds=settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"],
        expiry=(
            f"{settings.OAUTH2_PROVIDER['ACCESS_TOKEN_EXPIRE_SECONDS'] // 60} min access"
            f" / {settings.OAUTH2_PROVIDER['REFRESH_TOKEN_EXPIRE_SECONDS'] // 3600} h refresh"
        ),
        revocation="revoke/ (RFC 7009): the refresh token and its access token, at once",
        stored_at_rest="SHA-256 checksums of access and refresh tokens (hashed storage)",
        stored_credential_usable=False,
        csrf_on_unsafe=False,
        carriers=(Carrier("header", "Authorization", "token", "Bearer"),),
        # One SELECT: the access token by checksum, joined to its user and application.
        queries_per_request=1,
        crypto_per_request="SHA-256 of the token (checksum lookup)",
        # DOT checks expiry and scope, never user.is_active (see the module docstring).
        user_checked_per_request=False,
        revocation_delay_s=0,  # the token row is read on every request
        revoked_by_password_change=True,
        password_change="every access and refresh token of the user is revoked",
    )

    def on_password_change(self, user) -> None:
        """Revoke every refresh token (with its access token) and access token of the user."""
        from oauth2_provider.models import get_access_token_model, get_refresh_token_model

        for refresh in get_refresh_token_model().objects.filter(user=user, revoked__isnull=True):
            refresh.revoke()
        get_access_token_model().objects.filter(user=user).delete()

    def flow_urls(self) -> list[URLPattern]:
        """``token/`` and ``revoke/`` (the OAuth2 endpoints: no ``login/``)."""
        return [
            path("token/", OAuthTokenView.as_view(), name="oauth2-token"),
            path("revoke/", OAuthRevokeView.as_view(), name="oauth2-revoke"),
        ]

    def curl_hint(self, base: str, username: str, password: str) -> list[str]:
        """The password grant, form-encoded (RFC 6749 4.3.2), then the Bearer token."""
        form = {"grant_type": "password", "username": username, "password": password}
        fields = " ".join(f"-d {k}={v}" for k, v in {**form, **client_fields()}.items())
        pick = "python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])'"
        return [
            f"V=$(curl -s {fields} -d 'scope={SCOPE}' {base}{self.url('token')} | {pick})",
            f'curl -H "Authorization: Bearer $V" {base}{self.url("whoami")}',
        ]

    def token_request(self, transport: Transport, grant: dict[str, str]) -> Reply:
        """POST one grant to ``token/`` as the lab's client; refuse a non-200."""
        reply = transport.post(self.url("token"), {**grant, **client_fields()}, {}, form=True)
        if reply.status != 200:
            raise CredentialRefused(reply.status, reply.body)
        return reply

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Run the password grant; send the access token as ``Bearer``, keep the refresh."""
        grant = {"grant_type": "password", "username": username, "password": password}
        return self.credential(self.token_request(transport, {**grant, "scope": SCOPE}))

    def refresh(self, transport: Transport, credential: Credential) -> Credential:
        """Run the refresh_token grant: a new pair (the old refresh token is spent)."""
        grant = {"grant_type": "refresh_token", "refresh_token": credential.extra["refresh"]}
        return self.credential(self.token_request(transport, grant))

    def credential(self, reply: Reply) -> Credential:
        """The credential a token response gives."""
        body = reply.body
        return Credential(
            headers={"Authorization": f"Bearer {body['access_token']}"},
            extra={"refresh": body["refresh_token"], "expires_in": body["expires_in"]},
        )

    def revoke(self, transport: Transport, credential: Credential) -> Reply:
        """Log out: revoke the refresh token, which revokes its access token too."""
        form = {"token": credential.extra["refresh"], "token_type_hint": "refresh_token"}
        return transport.post(self.url("revoke"), {**form, **client_fields()}, {}, form=True)
