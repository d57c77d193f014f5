"""A scheme added from settings alone (``AUTHLAB_EXTRA_SCHEMES`` in test settings).

It proves the registry's promise: this module is the only edit, and the scheme is
served, indexed and run through the contract suite. The credential is a signed,
timestamped username (``django.core.signing``) sent as ``X-Api-Key``.
"""

from django.contrib.auth import get_user_model
from django.core import signing
from django.urls import URLPattern, path
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.response import Response
from rest_framework.views import APIView

from schemes.base import OPEN, Carrier, Credential, Properties, Scheme, Transport

SALT = "authlab.tests.header-key"
MAX_AGE = 3600


class HeaderKeyAuthentication(BaseAuthentication):
    """Authenticate ``X-Api-Key: <signed username>``."""

    def authenticate(self, request):
        """Return ``(user, key)`` for a valid key, ``None`` when the header is absent."""
        key = request.META.get("HTTP_X_API_KEY")
        if key is None:
            return None
        try:
            username = signing.loads(key, salt=SALT, max_age=MAX_AGE)
            user = get_user_model()._default_manager.get_by_natural_key(username)
        except (signing.BadSignature, get_user_model().DoesNotExist, TypeError) as exc:
            raise exceptions.AuthenticationFailed("Invalid API key.") from exc
        if not user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return user, key

    def authenticate_header(self, request):
        """Challenge for a 401."""
        return "X-Api-Key"


class HeaderKeyLoginView(APIView):
    """Issue a signed key for a username and password."""

    authentication_classes = ()
    permission_classes = OPEN

    def post(self, request):
        """Return ``{"key": ...}``."""
        serializer = AuthTokenSerializer(data=request.data, context={"request": request})
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["user"].get_username()
        return Response({"key": signing.dumps(username, salt=SALT)})


class HeaderKeyScheme(Scheme):
    """A user's own scheme, registered by dotted path."""

    name = "header-key"
    title = "Signed header key (test scheme)"
    family = "token"
    authentication_classes = (HeaderKeyAuthentication,)
    properties = Properties(
        stateless=True,
        expiry_seconds=MAX_AGE,
        expiry="1 h",
        revocation="",
        stored_at_rest="nothing",
        stored_credential_usable=False,
        csrf_on_unsafe=False,
        carriers=(Carrier("header", "X-Api-Key", "signed"),),
        queries_per_request=1,
        crypto_per_request="HMAC-SHA256 signature verify",
        revocation_delay_s=None,  # a signed key: nothing to revoke before it expires
    )

    def flow_urls(self) -> list[URLPattern]:
        """``login/`` only: the key cannot be revoked."""
        return [path("login/", HeaderKeyLoginView.as_view(), name="header-key-login")]

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Log in and send the key as ``X-Api-Key``."""
        key = self.login(transport, username, password).body["key"]
        return Credential(headers={"X-Api-Key": key})
