"""``session``: Django sessions. ``login/`` sets the ``sessionid`` and ``csrftoken``
cookies; the browser sends both back, and unsafe methods add ``X-CSRFToken``."""

from django.conf import settings
from django.contrib.auth import login, logout
from django.middleware.csrf import get_token
from django.urls import URLPattern, path
from rest_framework.authentication import SessionAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.views import APIView

from lab.views import LoginThrottleMixin
from schemes.base import OPEN, Credential, Properties, Scheme, Transport


class SessionLoginView(LoginThrottleMixin, APIView):
    """Check the username and password, start a session and set the CSRF cookie."""

    authentication_classes = ()
    permission_classes = OPEN
    serializer_class = AuthTokenSerializer

    def post(self, request):
        """Log the user in; the response sets ``sessionid`` and ``csrftoken``."""
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
    title = "Django session"
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
        transport="Cookie: sessionid (+ csrftoken cookie and X-CSRFToken header on writes)",
        queries_per_request=2,
        crypto_per_request="HMAC of the session hash against the user's password hash",
        revocation_delay_s=0,
    )

    def flow_urls(self) -> list[URLPattern]:
        """``login/`` and ``logout/``."""
        return [
            path("login/", SessionLoginView.as_view(), name="session-login"),
            path("logout/", SessionLogoutView.as_view(), name="session-logout"),
        ]

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Log in and keep both cookies; writes also send the CSRF token as a header."""
        reply = self.login(transport, username, password)
        session_cookie = settings.SESSION_COOKIE_NAME
        csrf_cookie = settings.CSRF_COOKIE_NAME
        cookies = {name: reply.cookies[name] for name in (session_cookie, csrf_cookie)}
        return Credential(cookies=cookies, unsafe_headers={"X-CSRFToken": cookies[csrf_cookie]})
