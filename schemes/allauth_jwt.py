"""``allauth-jwt``: django-allauth headless with its JWT token strategy. ``login/`` is
headless's login; the access token goes as ``Authorization: Bearer``, checked by
headless's ``JWTTokenAuthentication``; ``refresh/`` is headless's token refresh.

Stateful validation is off (``HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED = False``,
allauth's default): the access token is trusted on its signature, as ``jwt`` does,
so logout ends the session and its refresh tokens but not an access token already
out. With it on, every request would also load the session: ``allauth-session``
measures that cost already.
"""

from django.conf import settings
from django.urls import URLPattern, path

from schemes.allauth_headless import login_view, logout_view, refresh_view
from schemes.allauth_session import AllauthSessionScheme
from schemes.auth import AllauthJWTAuthentication
from schemes.base import Carrier, Credential, Properties, Reply, Transport


def _lifetimes() -> tuple[int, int]:
    return (
        settings.HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN,
        settings.HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN,
    )


class AllauthJWTScheme(AllauthSessionScheme):
    """allauth headless's ``JWTTokenAuthentication`` (its JWT token strategy)."""

    login_field = "meta.access_token"

    name = "allauth-jwt"
    title = "allauth headless JWT"
    summary = "allauth headless JWT strategy: signed access token, session-backed refresh."
    family = "token"
    # allauth's JWTTokenAuthentication, refusing a deleted user's token (schemes/auth.py).
    authentication_classes = (AllauthJWTAuthentication,)
    properties = Properties(
        stateless=False,
        expiry_seconds=_lifetimes()[0],
        expiry=f"{_lifetimes()[0] // 60} min access / {_lifetimes()[1] // 3600} h refresh",
        revocation="logout/ ends the session and its refresh tokens; access lives until expiry",
        stored_at_rest="the session (key and data, refresh token ids) in plain text",
        stored_credential_usable=True,
        csrf_on_unsafe=False,
        carriers=(Carrier("header", "Authorization", "jwt", "Bearer"),),
        # The user row, loaded lazily by primary key (headless does not check is_active).
        queries_per_request=1,
        crypto_per_request=f"JWT signature verify ({settings.HEADLESS_JWT_ALGORITHM})",
        user_checked_per_request=False,
        logout_immediate=False,
        revocation_delay_s=_lifetimes()[0],  # the access token outlives the logout
        revoked_by_password_change=False,
        password_change="issued access tokens live until expiry",
    )

    def flow_urls(self) -> list[URLPattern]:
        """``login/``, ``refresh/`` and ``logout/`` (headless's views, app client)."""
        refresh = refresh_view()
        return [
            path("login/", login_view(), name=f"{self.name}-login"),
            path("refresh/", refresh, name=f"{self.name}-refresh"),
            path("logout/", logout_view(), name=f"{self.name}-logout"),
        ]

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Log in; send the access token as ``Bearer``; keep the session token (logout)
        and the refresh token aside."""
        meta = self.login(transport, username, password).body["meta"]
        return Credential(
            headers={"Authorization": f"Bearer {meta['access_token']}"},
            extra={"session_token": meta["session_token"], "refresh_token": meta["refresh_token"]},
        )

    def refresh(self, transport: Transport, credential: Credential) -> Reply:
        """headless's token refresh: a new access token (and a rotated refresh token)."""
        body = {"refresh_token": credential.extra["refresh_token"]}
        reply = transport.post(self.url("refresh"), body, {})
        if reply.status == 200:
            data = reply.body["data"]
            credential.headers["Authorization"] = f"Bearer {data['access_token']}"
            credential.extra["refresh_token"] = data.get("refresh_token", body["refresh_token"])
        return reply

    def revoke(self, transport: Transport, credential: Credential) -> Reply:
        """Log out with the session token (the JWT strategy's session)."""
        headers = {"X-Session-Token": credential.extra["session_token"]}
        return transport.post(self.url("logout"), {}, headers)
