"""``token``: DRF's authtoken. One random key per user, stored as is in the database,
sent as ``Authorization: Token <key>``; it never expires and logout deletes it."""

from django.urls import URLPattern, path
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from schemes.auth import TokenAuthentication
from schemes.base import OPEN, Carrier, Credential, Properties, Scheme, Transport
from schemes.views import LoginThrottleMixin


class TokenLoginView(LoginThrottleMixin, ObtainAuthToken):
    """DRF's ``obtain_auth_token``: returns the user's one key, creating it if needed."""

    authentication_classes = ()
    permission_classes = OPEN
    # ObtainAuthToken pins DRF's stock parsers; use the lab's (strict JSON: deep
    # nesting, 1e999 and lone surrogates get a 400 instead of a 500).
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES


class TokenLogoutView(APIView):
    """Delete the user's key; every client holding it is logged out."""

    authentication_classes = (TokenAuthentication,)

    def post(self, request):
        """Revoke the key that authenticated this request."""
        request.auth.delete()
        return Response({"detail": "Logged out."})


class TokenScheme(Scheme):
    """DRF's ``TokenAuthentication`` with ``rest_framework.authtoken``."""

    login_field = "token"

    name = "token"
    stored_models = ("authtoken.Token",)
    title = "DRF Token"
    family = "server-state"
    summary = "One long-lived random key per user, stored in plain text, looked up per request."
    authentication_classes = (TokenAuthentication,)
    properties = Properties(
        stateless=False,
        expiry_seconds=None,
        expiry="never",
        revocation="logout/ deletes the key (one key per user: all clients)",
        stored_at_rest="the token key itself, in plain text",
        stored_credential_usable=True,
        csrf_on_unsafe=False,
        carriers=(Carrier("header", "Authorization", "token", "Token"),),
        queries_per_request=1,
        crypto_per_request="",
        revoked_by_password_change=True,
        password_change="the user's key is deleted",
        revocation_delay_s=0,  # the key is looked up on every request
    )

    def flow_urls(self) -> list[URLPattern]:
        """``login/`` and ``logout/``."""
        return [
            path("login/", TokenLoginView.as_view(), name="token-login"),
            path("logout/", TokenLogoutView.as_view(), name="token-logout"),
        ]

    def on_password_change(self, user) -> None:
        """Delete the user's key (one key per user: every client logs in again)."""
        Token.objects.filter(user=user).delete()

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Log in and send the key as ``Authorization: Token <key>``."""
        key = self.login(transport, username, password).body["token"]
        return Credential(headers={"Authorization": f"Token {key}"})
