"""``api-key``: djangorestframework-api-key. A key per client, ``<prefix>.<secret>``,
sent as ``Authorization: Api-Key <key>``; the server stores the prefix and a SHA-512
hash, looks the key up by its prefix and compares hashes.

The library is built around a *permission* class (``HasAPIKey``): a request "has a
key" or not, and ``request.user`` stays anonymous, because its keys identify client
programs, not people. The lab needs "which user is this": its key model adds the
documented foreign key to the user (``schemes.apps.apikey``), and
:class:`APIKeyAuthentication` is a DRF authentication class that does what
``HasAPIKey`` does, through the library's own parser (``KeyParser``) and manager
(``get_from_key``: prefix lookup + ``is_valid`` hash check), then returns
``(key.user, key)``. So the permission design maps onto authentication one to one:
``HasAPIKey`` allowed <=> this class authenticated, plus the user behind the key.
"""

from django.urls import URLPattern, path
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_api_key.crypto import KeyGenerator
from rest_framework_api_key.permissions import KeyParser

from schemes.apps.apikey.models import UserAPIKey
from schemes.auth import refuse_nul
from schemes.base import Carrier, Credential, Properties, Scheme, Transport
from schemes.views import PasswordLoginView

#: The library's header keyword (``KeyParser.keyword``).
KEYWORD = KeyParser.keyword


class APIKeyAuthentication(BaseAuthentication):
    """Authenticate ``Authorization: Api-Key <prefix>.<secret>`` as the key's user."""

    key_parser = KeyParser()

    def authenticate(self, request):
        """Return ``(user, api_key)``; ``None`` when no ``Api-Key`` header is sent."""
        key = self.key_parser.get(request)
        if key is None:
            return None
        refuse_nul(key)  # PostgreSQL text cannot hold NUL: the prefix lookup would 500
        try:
            api_key = UserAPIKey.objects.get_from_key(key)
        except UserAPIKey.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed("Invalid API key.") from exc
        if api_key.has_expired:
            raise exceptions.AuthenticationFailed("API key expired.")
        if not api_key.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        return api_key.user, api_key

    def authenticate_header(self, request):
        """The 401 challenge names the keyword."""
        return KEYWORD


class APIKeyLoginView(PasswordLoginView):
    """Issue a new key for a username and password (one key per login: per client)."""

    def credential_for(self, user) -> dict:
        """``{"key", "prefix"}``; the key is shown once, only its hash is kept."""
        api_key, key = UserAPIKey.objects.create_key(name="login", user=user)
        return {"key": key, "prefix": api_key.prefix}


class APIKeyLogoutView(APIView):
    """Revoke the key that authenticated this request (the library's one-way flag)."""

    authentication_classes = (APIKeyAuthentication,)

    def post(self, request):
        """Set ``revoked``; the key stops working at once."""
        request.auth.revoked = True
        request.auth.save(update_fields=["revoked"])
        return Response({"detail": "API key revoked."})


class APIKeyScheme(Scheme):
    """djangorestframework-api-key with user-linked keys and an authentication class."""

    login_field = "key"

    name = "api-key"
    title = "API key (drf-api-key)"
    family = "server-state"
    summary = "Per-client key looked up by prefix; only a SHA-512 hash is stored."
    authentication_classes = (APIKeyAuthentication,)
    properties = Properties(
        stateless=False,
        expiry_seconds=None,
        expiry="never (the model's expiry_date is left empty)",
        revocation="logout/ revokes this key (revoked=True, cannot be undone)",
        stored_at_rest="key prefix + unsalted SHA-512 of the key (high-entropy keys)",
        stored_credential_usable=False,
        csrf_on_unsafe=False,
        carriers=(Carrier("header", "Authorization", "token", KEYWORD),),
        # One SELECT: the unrevoked key by prefix, joined to its user.
        queries_per_request=1,
        # The library's Sha512ApiKeyHasher (3.x): one SHA-512 of ~41 bytes, not a
        # password hasher (pre-1.4 keys used Django's; they are rehashed on use).
        crypto_per_request=(
            f"SHA-512 of the key ({type(KeyGenerator.preferred_hasher).__name__})"
            " + constant-time compare"
        ),
        revocation_delay_s=0,  # the key row is read on every request
        revoked_by_password_change=True,
        password_change="every key of the user is revoked",
    )

    def on_password_change(self, user) -> None:
        """Revoke every key of the user (a key is a password-derived credential here)."""
        UserAPIKey.objects.filter(user=user, revoked=False).update(revoked=True)

    def flow_urls(self) -> list[URLPattern]:
        """``login/`` and ``logout/``."""
        return [
            path("login/", APIKeyLoginView.as_view(), name="api-key-login"),
            path("logout/", APIKeyLogoutView.as_view(), name="api-key-logout"),
        ]

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Log in and send the key as ``Authorization: Api-Key <key>``."""
        key = self.login(transport, username, password).body["key"]
        return Credential(headers={"Authorization": f"{KEYWORD} {key}"})
