"""``session``: Django sessions. ``login/`` sets the ``sessionid`` and ``csrftoken``
cookies; the browser sends both back, and unsafe methods add ``X-CSRFToken``.

The login itself is CSRF-protected (login CSRF: a foreign page must not log the
browser in as the attacker): like every write, it needs the ``csrftoken`` cookie
echoed in ``X-CSRFToken``, and a foreign ``Origin`` is refused (403).
"""

from django.conf import settings
from django.contrib.auth import login, logout
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.urls import URLPattern, path
from django.utils.crypto import get_random_string
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.views import APIView

from schemes.base import OPEN, Carrier, Credential, Properties, Scheme, Transport
from schemes.views import LoginThrottleMixin

#: The header unsafe methods carry the CSRF token in (``CSRF_HEADER_NAME`` is its WSGI form).
CSRF_HEADER = "X-CSRFToken"


class SessionLoginView(LoginThrottleMixin, APIView):
    """Check the username and password, start a session and set the CSRF cookie.

    DRF exempts its views from CSRF and checks it only for a session that is already
    authenticated, which a login never has: the check is run here explicitly.
    """

    authentication_classes = ()
    permission_classes = OPEN
    serializer_class = AuthTokenSerializer

    def post(self, request):
        """Log the user in; the response sets ``sessionid`` and ``csrftoken``."""
        SessionAuthentication().enforce_csrf(request)  # 403 JSON: no token, foreign Origin
        serializer = self.serializer_class(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        login(request._request, user)
        get_token(request._request)  # login() rotated it; make sure the cookie is sent
        return Response({"username": user.get_username()})


class SessionLogoutView(APIView):
    """Flush the session: its row (or cookie) stops authenticating at once."""

    authentication_classes = (SessionAuthentication,)

    def post(self, request):
        """Log out; CSRF is enforced because this is an unsafe method."""
        logout(request._request)
        return Response({"detail": "Logged out."})


class SessionScheme(Scheme):
    """DRF's ``SessionAuthentication`` over Django's session framework."""

    name = "session"
    stored_models = ("sessions.Session",)
    login_writes = ("sessions.Session",)
    title = "Django session"
    family = "server-state"
    summary = "A session cookie set at login; CSRF token required for unsafe methods."
    authentication_classes = (SessionAuthentication,)
    properties = Properties(
        stateless=False,
        expiry_seconds=settings.SESSION_COOKIE_AGE,
        expiry=f"{settings.SESSION_COOKIE_AGE // 86400} days (SESSION_COOKIE_AGE)",
        revocation="logout/ deletes the session",
        stored_at_rest="session key and data, in plain text (db engine)",
        stored_credential_usable=True,
        csrf_on_unsafe=True,
        carriers=(
            Carrier("cookie", settings.SESSION_COOKIE_NAME, "session"),
            Carrier("cookie", settings.CSRF_COOKIE_NAME, "csrf"),
            Carrier("header", CSRF_HEADER, "csrf", unsafe_only=True),
        ),
        queries_per_request=2,
        crypto_per_request="HMAC of the session hash against the user's password hash",
        revoked_by_password_change=True,
        password_change="every session ends (its hash no longer matches the password's)",
        revocation_delay_s=0,
    )

    def flow_urls(self) -> list[URLPattern]:
        """``login/`` and ``logout/``."""
        return [
            path("login/", SessionLoginView.as_view(), name=f"{self.name}-login"),
            path("logout/", SessionLogoutView.as_view(), name=f"{self.name}-logout"),
        ]

    def login_headers(self) -> dict[str, str]:
        """A CSRF double submit: a fresh secret as the ``csrftoken`` cookie and the same
        value as ``X-CSRFToken``.

        A browser gets that cookie from a browsable-API page (e.g. /api-auth/login/); a
        client script may mint it, as here: what protects the login is that a foreign page can
        neither set the lab's cookie nor send the matching header. Still one request.
        """
        secret = get_random_string(CSRF_SECRET_LENGTH, CSRF_ALLOWED_CHARS)
        return {"Cookie": f"{settings.CSRF_COOKIE_NAME}={secret}", "X-CSRFToken": secret}

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Log in and keep both cookies; writes also send the CSRF token as a header."""
        reply = self.login(transport, username, password)
        session_cookie = settings.SESSION_COOKIE_NAME
        csrf_cookie = settings.CSRF_COOKIE_NAME
        cookies = {name: reply.cookies[name] for name in (session_cookie, csrf_cookie)}
        return Credential(cookies=cookies, unsafe_headers={CSRF_HEADER: cookies[csrf_cookie]})
