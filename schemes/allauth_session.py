"""``allauth-session``: django-allauth headless, "app" client. ``login/`` is headless's
own login; it answers a session token, sent as ``X-Session-Token`` and checked by
headless's DRF class. ``logout/`` is headless's session DELETE: the session row goes."""

from allauth.headless.contrib.rest_framework.authentication import XSessionTokenAuthentication
from django.conf import settings
from django.urls import URLPattern, path

from schemes.allauth_headless import login_view, logout_view
from schemes.base import (
    Carrier,
    Credential,
    CredentialRefused,
    Properties,
    Reply,
    Scheme,
    Transport,
)

#: The header the app client sends its session token in.
TOKEN_HEADER = "X-Session-Token"


class AllauthSessionScheme(Scheme):
    """allauth headless's ``XSessionTokenAuthentication`` (the session key as a token)."""

    login_field = "meta.session_token"

    name = "allauth-session"
    title = "allauth headless session token"
    summary = "allauth headless app client: the session key as an X-Session-Token header."
    family = "server-state"
    login_writes = ("sessions.Session",)  # headless keeps a Django session per login
    authentication_classes = (XSessionTokenAuthentication,)
    # headless answers a logout with 401 and is_authenticated false: "no longer logged in".
    logout_statuses = (401,)
    properties = Properties(
        stateless=False,
        expiry_seconds=settings.SESSION_COOKIE_AGE,
        expiry=f"{settings.SESSION_COOKIE_AGE // 86400} days (SESSION_COOKIE_AGE)",
        revocation="logout/ (headless's session DELETE) deletes the session",
        stored_at_rest="session key and data, in plain text (db engine)",
        stored_credential_usable=True,
        csrf_on_unsafe=False,
        carriers=(Carrier("header", TOKEN_HEADER, "session"),),
        # The session row (headless's exists() check and load share one read), the user.
        queries_per_request=2,
        crypto_per_request="",
        # headless filters on is_active itself; it does not check the session hash.
        user_checked_per_request=True,
        revocation_delay_s=0,
        revoked_by_password_change=True,
        password_change="the session ends (its hash of the password no longer matches)",
    )

    def session_carrier(self, credential: Credential) -> tuple[dict[str, str], str] | None:
        """The session token is the session key (headless's sessionkit, SESSION_ENGINE)."""
        return (credential.headers, TOKEN_HEADER) if TOKEN_HEADER in credential.headers else None

    def flow_urls(self) -> list[URLPattern]:
        """``login/`` and ``logout/`` (headless's own views, app client)."""
        return [
            path("login/", login_view(), name=f"{self.name}-login"),
            path("logout/", logout_view(), name=f"{self.name}-logout"),
        ]

    def login(self, transport: Transport, username: str, password: str) -> Reply:
        """POST to headless's login; it answers 200 with the tokens under ``meta``."""
        reply = transport.post(self.url("login"), {"username": username, "password": password}, {})
        if reply.status != 200:
            raise CredentialRefused(reply.status, reply.body)
        return reply

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Log in and send the session token as ``X-Session-Token``."""
        meta = self.login(transport, username, password).body["meta"]
        return Credential(headers={TOKEN_HEADER: meta["session_token"]})
