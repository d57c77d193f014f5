"""``jwt``: simplejwt access/refresh pairs. The access token is a signed JWT sent as
``Authorization: Bearer``; the server verifies the signature and loads the user.
``refresh/`` rotates the pair; ``logout/`` blacklists the refresh token — the access
token stays valid until it expires (a documented property, tested)."""

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import transaction
from django.urls import URLPattern, path
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import (
    PasswordField,
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.tokens import BlacklistMixin, RefreshToken, Token
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
)

from schemes.base import Carrier, Credential, Properties, Reply, Scheme, Transport
from schemes.views import LoginThrottleMixin


class UsernameClaimMixin:
    """Add a ``username`` claim when a token is made for a user, so a stateless
    user has a name. Placed under simplejwt's BlacklistMixin, so the outstanding
    row stores the token exactly as issued (claims included)."""

    @classmethod
    def for_user(cls, user):
        """simplejwt's token for ``user``, plus its username."""
        token = super().for_user(user)
        token["username"] = user.get_username()
        return token


class SingleUseBlacklistMixin:
    """Blacklisting succeeds once per token, even under parallel use.

    simplejwt's ``blacklist()`` is a get_or_create: 20 parallel refreshes that all
    passed the blacklist check each "blacklist" the token and each get a new pair.
    The blacklist row is unique per token (a one-to-one key), so exactly one insert
    creates it; every other caller is refused here (401 "Token is blacklisted").
    """

    def blacklist(self):
        """Blacklist the token; raise TokenError if another request already did."""
        with transaction.atomic():
            blacklisted, created = super().blacklist()
        if not created:
            raise TokenError("Token is blacklisted")
        return blacklisted, created


class UsernameRefreshToken(SingleUseBlacklistMixin, BlacklistMixin, UsernameClaimMixin, Token):
    """simplejwt's RefreshToken with the username claim (access tokens copy it).

    RefreshToken's MRO puts the store-it step (BlacklistMixin.for_user) right above
    Token, so the claim mixin cannot be slotted under it by subclassing; the class
    is rebuilt from the same parts and RefreshToken's attributes instead.
    """

    token_type = RefreshToken.token_type
    lifetime = RefreshToken.lifetime
    no_copy_claims = RefreshToken.no_copy_claims
    access_token_class = RefreshToken.access_token_class
    access_token = RefreshToken.access_token


class UsernameTokenObtainPairSerializer(TokenObtainPairSerializer):
    """simplejwt's login serializer, issuing :class:`UsernameRefreshToken` pairs."""

    token_class = UsernameRefreshToken

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # simplejwt's PasswordField trims whitespace, so "secret " logged in as "secret"
        # (found by tests/test_fuzz.py); DRF's AuthTokenSerializer does not trim.
        self.fields["password"] = PasswordField(trim_whitespace=False)


class JWTLoginView(LoginThrottleMixin, TokenObtainPairView):
    """Exchange a username and password for ``{"access", "refresh"}``."""

    serializer_class = UsernameTokenObtainPairSerializer


class SingleUseRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh, rotating each refresh token once (parallel calls included)
    and refusing a token whose user was deleted with a 401, not a 500.

    simplejwt 5.5 looks the user up with ``objects.get`` unguarded (serializers.py:116).
    """

    token_class = UsernameRefreshToken

    def validate(self, attrs: dict) -> dict:
        """simplejwt's validation; a deleted user is "no active account" (401)."""
        try:
            return super().validate(attrs)
        except ObjectDoesNotExist as exc:
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from exc


class JWTRefreshView(LoginThrottleMixin, TokenRefreshView):
    """Exchange a refresh token for a new pair; the old refresh token is blacklisted."""

    serializer_class = SingleUseRefreshSerializer


class JWTLogoutView(TokenBlacklistView):
    """Blacklist the refresh token given in the body."""


def _lifetimes() -> tuple[int, int]:
    jwt = settings.SIMPLE_JWT
    return (
        int(jwt["ACCESS_TOKEN_LIFETIME"].total_seconds()),
        int(jwt["REFRESH_TOKEN_LIFETIME"].total_seconds()),
    )


def jwt_expiry() -> str:
    """Human summary of the configured access and refresh lifetimes."""
    access, refresh = _lifetimes()
    return f"{access // 60} min access / {refresh // 3600} h refresh"


class JWTFlowMixin:
    """The simplejwt credential flow, shared by every JWT scheme of the lab."""

    login_field = "access"

    name: str
    #: simplejwt's blacklist app records every refresh token issued.
    login_writes = ("token_blacklist.OutstandingToken",)
    #: The views of the flow (a variant issuing other tokens swaps the first two).
    login_view: type = JWTLoginView
    refresh_view: type = JWTRefreshView
    logout_view: type = JWTLogoutView

    def flow_urls(self) -> list[URLPattern]:
        """``login/``, ``refresh/`` and ``logout/``."""
        return [
            path("login/", self.login_view.as_view(), name=f"{self.name}-login"),
            path("refresh/", self.refresh_view.as_view(), name=f"{self.name}-refresh"),
            path("logout/", self.logout_view.as_view(), name=f"{self.name}-logout"),
        ]

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Log in; send the access token as ``Bearer``, keep the refresh token aside."""
        tokens = self.login(transport, username, password).body
        return Credential(
            headers={"Authorization": f"Bearer {tokens['access']}"},
            extra={"refresh": tokens["refresh"]},
        )

    def on_password_change(self, user) -> None:
        """Blacklist every outstanding refresh token of the user; access tokens already
        issued stay valid until they expire (nothing per request looks at the password)."""
        from rest_framework_simplejwt.token_blacklist.models import (
            BlacklistedToken,
            OutstandingToken,
        )

        live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
        BlacklistedToken.objects.bulk_create(
            [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
        )

    def refresh(self, transport: Transport, credential: Credential) -> Reply:
        """Rotate the pair: the new access token goes in the header, the new refresh aside."""
        reply = transport.post(self.url("refresh"), {"refresh": credential.extra["refresh"]}, {})
        if reply.status == 200:
            credential.headers["Authorization"] = f"Bearer {reply.body['access']}"
            credential.extra["refresh"] = reply.body.get("refresh", credential.extra["refresh"])
        return reply

    def revoke(self, transport: Transport, credential: Credential) -> Reply:
        """Blacklist the refresh token (the access token lives on until it expires)."""
        return transport.post(self.url("logout"), {"refresh": credential.extra["refresh"]}, {})


class JWTScheme(JWTFlowMixin, Scheme):
    """simplejwt's ``JWTAuthentication``: verify the signature, then load the user."""

    name = "jwt"
    stored_models = ("auth.User",)
    title = "JWT (simplejwt)"
    family = "token"
    summary = "Signed access token; signature checked and the user row loaded per request."
    authentication_classes = (JWTAuthentication,)
    properties = Properties(
        stateless=False,
        expiry_seconds=_lifetimes()[0],
        expiry=jwt_expiry(),
        revocation="logout/ blacklists the refresh token; access lives until expiry",
        stored_at_rest="outstanding refresh tokens and their blacklist",
        stored_credential_usable=True,
        csrf_on_unsafe=False,
        carriers=(Carrier("header", "Authorization", "jwt", "Bearer"),),
        queries_per_request=1,
        crypto_per_request=f"JWT signature verify ({settings.SIMPLE_JWT['ALGORITHM']})",
        revocation_delay_s=_lifetimes()[0],  # the access token outlives the logout
        logout_immediate=False,
        revoked_by_password_change=False,
        password_change="refresh tokens blacklisted; issued access tokens live until expiry",
    )
