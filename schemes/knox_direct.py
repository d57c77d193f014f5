"""``knox-direct``: knox's tokens, found by their digest in one indexed query.

knox 5.1 fetches every token sharing the key's first 15 characters, then, for each,
every token of its user (``_cleanup_token``, to delete expired ones): two queries
and Python work that grows with the user's tokens. The digest is the table's primary
key, so the token and its user are one indexed join, whatever the user holds.
Expired tokens are deleted when presented and, for the whole user, at login.
"""

import binascii
from dataclasses import replace

from django.urls import URLPattern, path
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import get_token_model
from knox.settings import knox_settings
from knox.signals import token_expired
from rest_framework.exceptions import AuthenticationFailed

from schemes.auth import KnoxTokenAuthentication
from schemes.knox_token import KnoxLoginView, KnoxLogoutAllView, KnoxLogoutView, KnoxScheme


class DirectKnoxAuthentication(KnoxTokenAuthentication):
    """knox's class; the token is looked up by its SHA-512 digest (the primary key)."""

    def authenticate_credentials(self, token: bytes):
        """Refuse undecodable bytes, then one query: digest -> token and user."""
        try:
            text = token.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed("Invalid token.") from exc
        try:
            digest = hash_token(text)
        except (TypeError, binascii.Error) as exc:
            raise AuthenticationFailed("Invalid token.") from exc
        # Equality on the digest, not compare_digest: the database compares a SHA-512 of
        # the sent value, which an attacker cannot steer byte by byte (what knox's
        # compare guards against when it compares candidates found by a key prefix).
        model = get_token_model()
        try:
            auth_token = model.objects.select_related("user").get(digest=digest)
        except model.DoesNotExist as exc:
            raise AuthenticationFailed("Invalid token.") from exc
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=type(self), username=username, source="auth_token")
            raise AuthenticationFailed("Invalid token.")
        if knox_settings.AUTO_REFRESH and auth_token.expiry:
            self.renew_token(auth_token)
        return self.validate_user(auth_token)


class DirectKnoxLoginView(KnoxLoginView):
    """knox's login; it also deletes the user's expired tokens (off the request path)."""

    def post(self, request, format=None):
        """Issue a token, then drop the user's expired ones in one DELETE."""
        response = super().post(request, format=format)
        if response.status_code == 200:
            get_token_model().objects.filter(user=request.user, expiry__lt=timezone.now()).delete()
        return response


class DirectKnoxLogoutView(KnoxLogoutView):
    """knox's logout (this token), authenticated by digest."""

    authentication_classes = (DirectKnoxAuthentication,)


class DirectKnoxLogoutAllView(KnoxLogoutAllView):
    """knox's logout-all, authenticated by digest."""

    authentication_classes = (DirectKnoxAuthentication,)


class KnoxDirectScheme(KnoxScheme):
    """``knox`` with the token found by its digest: one query, flat in tokens per user."""

    name = "knox-direct"
    title = "Knox token, direct digest lookup"
    summary = "knox's tokens found by digest (the primary key): one query, flat in tokens."
    variant_of = "knox"
    authentication_classes = (DirectKnoxAuthentication,)
    properties = replace(
        KnoxScheme.properties,
        queries_per_request=1,
        crypto_per_request="SHA-512 digest of the token (the lookup key)",
        security_cost=(
            "None beyond knox's at rest (the same digests). Expired tokens of a user's "
            "other clients are no longer deleted on each request, only when presented or "
            "at the user's next login: the table keeps dead rows longer (no live ones)."
        ),
    )

    def flow_urls(self) -> list[URLPattern]:
        """``login/``, ``logout/`` and ``logoutall/``, all by digest."""
        return [
            path("login/", DirectKnoxLoginView.as_view(), name="knox-direct-login"),
            path("logout/", DirectKnoxLogoutView.as_view(), name="knox-direct-logout"),
            path("logoutall/", DirectKnoxLogoutAllView.as_view(), name="knox-direct-logoutall"),
        ]
