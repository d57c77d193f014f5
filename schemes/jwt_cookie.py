"""``jwt-cookie``: simplejwt access and refresh tokens kept in HttpOnly cookies, the
way dj-rest-auth sets them; dj-rest-auth's ``JWTCookieAuthentication`` reads the
access cookie and enforces CSRF on unsafe methods (``JWT_AUTH_COOKIE_USE_CSRF``)."""

from contextlib import suppress
from dataclasses import replace

from dj_rest_auth.app_settings import api_settings as rest_auth_settings
from dj_rest_auth.jwt_auth import (
    CookieTokenRefreshSerializer,
    JWTCookieAuthentication,
    get_refresh_view,
    set_jwt_cookies,
    unset_jwt_cookies,
)
from django.conf import settings
from django.middleware.csrf import get_token
from django.urls import URLPattern, path
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from schemes.base import Carrier, Credential, Reply, Scheme, Transport
from schemes.jwt_user import JWTLoginView, JWTScheme
from schemes.views import LoginThrottleMixin


class JWTCookieLoginView(JWTLoginView):
    """simplejwt's login (the ``jwt`` scheme's tokens), answered with dj-rest-auth's
    cookies instead of a body: HttpOnly tokens a script cannot read, plus ``csrftoken``."""

    def get_serializer(self, *args, **kwargs):
        """simplejwt's serializer, kept: it knows which user logged in."""
        self.serializer = super().get_serializer(*args, **kwargs)
        return self.serializer

    def finalize_response(self, request, response, *args, **kwargs):
        """Move the pair into cookies (``set_jwt_cookies``) and set the CSRF cookie."""
        if response.status_code == 200 and "access" in response.data:
            set_jwt_cookies(response, response.data["access"], response.data["refresh"])
            get_token(request._request)
            response.data = {"username": self.serializer.user.get_username()}
        return super().finalize_response(request, response, *args, **kwargs)


class JWTCookieRefreshSerializer(CookieTokenRefreshSerializer):
    """dj-rest-auth's cookie refresh serializer, under a name of its own in the OpenAPI
    schema (drf-spectacular names it as simplejwt's ``TokenRefresh``, a clash)."""


class JWTCookieRefreshView(LoginThrottleMixin, get_refresh_view()):
    """dj-rest-auth's refresh: the refresh cookie in, both cookies rotated out."""

    serializer_class = JWTCookieRefreshSerializer


class JWTCookieLogoutView(APIView):
    """Blacklist the refresh cookie's token and clear both cookies (CSRF enforced)."""

    authentication_classes = (JWTCookieAuthentication,)

    def post(self, request):
        """Log out; the access token itself stays valid until it expires."""
        raw = request.COOKIES.get(rest_auth_settings.JWT_AUTH_REFRESH_COOKIE, "")
        # No or a dead refresh token: nothing left to revoke; still log out.
        with suppress(TokenError):
            RefreshToken(raw).blacklist()
        response = Response({"detail": "Logged out."})
        unset_jwt_cookies(response)
        return response


def _cookie_names() -> tuple[str, str]:
    return rest_auth_settings.JWT_AUTH_COOKIE, rest_auth_settings.JWT_AUTH_REFRESH_COOKIE


class JWTCookieScheme(Scheme):
    """dj-rest-auth's ``JWTCookieAuthentication`` over simplejwt tokens in cookies."""

    name = "jwt-cookie"
    title = "JWT in HttpOnly cookies"
    summary = "simplejwt tokens in HttpOnly cookies (dj-rest-auth); CSRF token on writes."
    family = "token"
    login_writes = JWTScheme.login_writes
    authentication_classes = (JWTCookieAuthentication,)
    properties = replace(
        JWTScheme.properties,
        revocation="logout/ blacklists the refresh cookie's token; access lives until expiry",
        csrf_on_unsafe=True,
        # HttpOnly token cookies (the refresh one scoped to the scheme's prefix), then
        # the CSRF cookie and, on writes, its header.
        carriers=(
            Carrier("cookie", settings.REST_AUTH["JWT_AUTH_COOKIE"], "jwt"),
            Carrier("cookie", settings.REST_AUTH["JWT_AUTH_REFRESH_COOKIE"], "jwt"),
            Carrier("cookie", settings.CSRF_COOKIE_NAME, "csrf"),
            Carrier("header", "X-CSRFToken", "csrf", unsafe_only=True),
        ),
        crypto_per_request=(
            f"JWT signature verify ({settings.SIMPLE_JWT['ALGORITHM']}); "
            "CSRF token compare on writes"
        ),
    )

    def flow_urls(self) -> list[URLPattern]:
        """``login/``, ``refresh/`` and ``logout/``."""
        return [
            path("login/", JWTCookieLoginView.as_view(), name="jwt-cookie-login"),
            path("refresh/", JWTCookieRefreshView.as_view(), name="jwt-cookie-refresh"),
            path("logout/", JWTCookieLogoutView.as_view(), name="jwt-cookie-logout"),
        ]

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Log in and send back what a browser would: the three cookies, and on writes
        the CSRF token as ``X-CSRFToken``."""
        reply = self.login(transport, username, password)
        names = (*_cookie_names(), settings.CSRF_COOKIE_NAME)
        cookies = {name: reply.cookies[name] for name in names}
        csrf = cookies[settings.CSRF_COOKIE_NAME]
        return Credential(cookies=cookies, unsafe_headers={"X-CSRFToken": csrf})

    def refresh(self, transport: Transport, credential: Credential) -> Reply:
        """Send the refresh cookie to ``refresh/``; keep the rotated cookies it sets."""
        access, refresh = _cookie_names()
        cookie = {"Cookie": f"{refresh}={credential.cookies[refresh]}"}
        reply = transport.post(self.url("refresh"), {}, cookie)
        if reply.status == 200:
            credential.cookies[access] = reply.cookies[access]
            credential.cookies[refresh] = reply.cookies.get(refresh, credential.cookies[refresh])
        return reply
