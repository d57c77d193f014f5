"""``knox``: django-rest-knox. Many tokens per user, each with an expiry; only a
SHA-512 digest is stored, so a leaked table holds no usable key."""

from django.conf import settings
from django.urls import URLPattern, path
from knox.models import AuthToken
from knox.views import LoginView, LogoutAllView, LogoutView
from rest_framework.authtoken.serializers import AuthTokenSerializer

from schemes.auth import KnoxTokenAuthentication
from schemes.base import OPEN, Carrier, Credential, Properties, Scheme, Transport
from schemes.views import LoginThrottleMixin


class KnoxLoginView(LoginThrottleMixin, LoginView):
    """knox's login, fed a JSON username and password instead of another auth class."""

    authentication_classes = ()
    permission_classes = OPEN

    def post(self, request, format=None):
        """Check the password, then let knox issue a new token for that user."""
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        request.user = serializer.validated_data["user"]
        response = super().post(request, format=format)
        if response.status_code == 403 and "error" in response.data:
            # knox's refusal past TOKEN_LIMIT_PER_USER says "error"; the lab's say "detail".
            response.data = {"detail": response.data["error"]}
        return response


class KnoxLogoutView(LogoutView):
    """knox's logout (this token), authenticated by the lab's hardened class."""

    authentication_classes = (KnoxTokenAuthentication,)


class KnoxLogoutAllView(LogoutAllView):
    """knox's logout-all (every token of the user), with the hardened class."""

    authentication_classes = (KnoxTokenAuthentication,)


class KnoxScheme(Scheme):
    """django-rest-knox's ``TokenAuthentication``."""

    login_field = "token"

    name = "knox"
    stored_models = ("knox.AuthToken",)
    login_writes = ("knox.AuthToken",)
    title = "Knox token"
    family = "server-state"
    summary = "Per-client tokens with expiry; only a digest is stored; logout one or all."
    authentication_classes = (KnoxTokenAuthentication,)
    properties = Properties(
        stateless=False,
        expiry_seconds=int(settings.REST_KNOX["TOKEN_TTL"].total_seconds()),
        expiry=f"{int(settings.REST_KNOX['TOKEN_TTL'].total_seconds()) // 3600} h (TOKEN_TTL)",
        revocation="logout/ deletes this token, logoutall/ every token of the user",
        stored_at_rest="SHA-512 digest of the token and its first characters",
        stored_credential_usable=False,
        csrf_on_unsafe=False,
        carriers=(Carrier("header", "Authorization", "token", "Token"),),
        # knox reads the matching token, then every token of its user (_cleanup_token,
        # to delete expired ones): 2 queries, and Python work that grows per token.
        queries_per_request=2,
        crypto_per_request="SHA-512 digest of the token + constant-time compare",
        revoked_by_password_change=True,
        password_change="every token of the user is deleted",
        revocation_delay_s=0,
    )

    def flow_urls(self) -> list[URLPattern]:
        """``login/``, ``logout/`` and ``logoutall/``."""
        return [
            path("login/", KnoxLoginView.as_view(), name="knox-login"),
            path("logout/", KnoxLogoutView.as_view(), name="knox-logout"),
            path("logoutall/", KnoxLogoutAllView.as_view(), name="knox-logoutall"),
        ]

    def on_password_change(self, user) -> None:
        """Delete every knox token of the user."""
        AuthToken.objects.filter(user=user).delete()

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Log in and send the token as ``Authorization: Token <token>``."""
        body = self.login(transport, username, password).body
        return Credential(
            headers={"Authorization": f"Token {body['token']}"}, extra={"expiry": body["expiry"]}
        )
