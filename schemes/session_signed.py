"""``session-signed``: Django sessions on the ``signed_cookies`` engine. The session
data travels in the ``sessionid`` cookie itself, signed with SECRET_KEY; the server
stores no row, so ``logout/`` cannot revoke a captured cookie (a tested property)."""

from dataclasses import replace

from django.conf import settings

from schemes.base import Carrier
from schemes.session import SessionScheme

ENGINE = "django.contrib.sessions.backends.signed_cookies"


class SignedSessionScheme(SessionScheme):
    """DRF's ``SessionAuthentication`` over a signed-cookie session (no server state).

    ``SESSION_ENGINE`` is global; this scheme names its own engine and
    ``lab.middleware.SessionMiddleware`` opens it for requests under its prefix.
    """

    name = "session-signed"
    title = "Django session, signed cookie"
    summary = "Session data in a signed cookie: no session row; logout cannot revoke a copy."
    family = "token"
    session_engine = ENGINE
    login_writes = ()  # the session is the cookie: no row
    properties = replace(
        SessionScheme.properties,
        stateless=True,
        revocation=(
            "none server-side: logout/ only clears the client's cookie; a copied cookie "
            "works until it expires or the password (session hash) or SECRET_KEY changes"
        ),
        stored_at_rest="nothing (the session data is the signed cookie)",
        stored_credential_usable=False,
        carriers=(
            Carrier("cookie", settings.SESSION_COOKIE_NAME, "signed"),
            *SessionScheme.properties.carriers[1:],
        ),
        # The user row only: the session is decoded from the cookie.
        queries_per_request=1,
        crypto_per_request=(
            "HMAC-SHA256 verify of the cookie (TimestampSigner, max_age "
            f"{settings.SESSION_COOKIE_AGE} s) + HMAC of the session hash"
        ),
        logout_immediate=False,
        # Nothing server-side to delete: a copied cookie lives until it expires.
        revocation_delay_s=None,
    )
