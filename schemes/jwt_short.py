"""``jwt-short``: stateless JWTs whose access token lives 60 s; clients refresh.

The same flow and signing key as ``jwt-stateless``, but the access tokens are of a
type of their own (``access_short``) with their own lifetime (simplejwt's lifetimes
are global settings; a token class carries its own): a logout blacklists the refresh
token and the access token dies within a minute, at zero queries per request. The
stock five-minute access tokens are refused here, and these there.
"""

from dataclasses import replace
from datetime import timedelta

from django.conf import settings
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError
from rest_framework_simplejwt.serializers import TokenRefreshSerializer
from rest_framework_simplejwt.tokens import AccessToken

from schemes.base import Scheme
from schemes.jwt_stateless import JWTStatelessScheme
from schemes.jwt_user import (
    JWTFlowMixin,
    JWTLoginView,
    JWTRefreshView,
    UsernameRefreshToken,
    UsernameTokenObtainPairSerializer,
)

#: The access lifetime: the revocation delay. A minute bounds a stolen or revoked
#: token; clients then refresh once a minute (one DB write each, off the hot path).
ACCESS_LIFETIME = timedelta(seconds=60)


def _refresh_hours() -> int:
    return int(settings.SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds()) // 3600


class ShortAccessToken(AccessToken):
    """An access token of its own type, living :data:`ACCESS_LIFETIME`."""

    token_type = "access_short"
    lifetime = ACCESS_LIFETIME


class ShortRefreshToken(UsernameRefreshToken):
    """The lab's refresh token, minting :class:`ShortAccessToken` access tokens."""

    access_token_class = ShortAccessToken


class ShortTokenObtainPairSerializer(UsernameTokenObtainPairSerializer):
    """Login: a refresh token and a short access token."""

    token_class = ShortRefreshToken


class ShortTokenRefreshSerializer(TokenRefreshSerializer):
    """Refresh: rotates the refresh token (as ``jwt``) and mints a short access token."""

    token_class = ShortRefreshToken


class ShortJWTLoginView(JWTLoginView):
    """``login/`` issuing short access tokens."""

    serializer_class = ShortTokenObtainPairSerializer


class ShortJWTRefreshView(JWTRefreshView):
    """``refresh/`` issuing short access tokens."""

    serializer_class = ShortTokenRefreshSerializer


class ShortJWTAuthentication(JWTStatelessUserAuthentication):
    """simplejwt's stateless class, accepting only :class:`ShortAccessToken`."""

    def get_validated_token(self, raw_token: bytes) -> ShortAccessToken:
        """Verify signature, expiry and type ``access_short``; else 401."""
        try:
            return ShortAccessToken(raw_token)
        except TokenError as exc:
            raise InvalidToken(
                {
                    "detail": "Given token not valid for any token type",
                    "messages": [
                        {
                            "token_class": ShortAccessToken.__name__,
                            "token_type": ShortAccessToken.token_type,
                            "message": exc.args[0],
                        }
                    ],
                }
            ) from exc


class JWTShortScheme(JWTFlowMixin, Scheme):
    """``jwt-stateless`` with a 60-second access token and refresh."""

    name = "jwt-short"
    title = "JWT, stateless, 60 s access"
    summary = "Signed 60 s access token trusted as is (no SQL); clients refresh every minute."
    variant_of = "jwt-stateless"
    family = "token"
    authentication_classes = (ShortJWTAuthentication,)
    login_view = ShortJWTLoginView
    refresh_view = ShortJWTRefreshView
    properties = replace(
        JWTStatelessScheme.properties,
        expiry_seconds=int(ACCESS_LIFETIME.total_seconds()),
        expiry=f"{int(ACCESS_LIFETIME.total_seconds())} s access / {_refresh_hours()} h refresh",
        revocation=(
            "logout/ blacklists the refresh token; the access token lives "
            f"at most {int(ACCESS_LIFETIME.total_seconds())} s more"
        ),
        revocation_delay_s=int(ACCESS_LIFETIME.total_seconds()),
        security_cost=(
            "Nothing cached: a stolen access token works up to 60 s, and a deactivated "
            "user keeps access until then (refresh/ checks the user is active). The price "
            "is paid at refresh/: one signature, a user read and the blacklist/outstanding "
            "writes per client per minute, and clients must handle the 401 and refresh."
        ),
    )
