"""The lab's hardened authentication classes: DRF's and knox's own, refusing
credentials that would otherwise reach the database as a 500.

Only failure paths change; a valid credential runs the library's code unchanged,
so what is measured is the library. Kept free of view imports so DRF's settings
can name these classes (``DEFAULT_AUTHENTICATION_CLASSES``) without an import cycle.
"""

from allauth.headless.contrib.rest_framework.authentication import JWTTokenAuthentication
from django.core.exceptions import ObjectDoesNotExist
from knox.auth import TokenAuthentication as KnoxAuthentication
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed


def refuse_nul(value: str) -> None:
    """Refuse a credential holding NUL before it reaches the database (401).

    PostgreSQL text cannot hold NUL: the lookup raises ``DataError``, a 500. SQLite
    accepts it, so the hole only shows on PostgreSQL. Django's forms and DRF's
    ``CharField`` refuse NUL for the same reason; header credentials skip both.
    """
    if "\x00" in value:
        raise AuthenticationFailed("Invalid credentials: NUL character.")


def active_user(pk):
    """The active user with primary key ``pk``, for a token that names it; a 401
    (``AuthenticationFailed``) for a missing, malformed or inactive one, never a 500."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    try:
        user = User._default_manager.get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError) as exc:
        raise AuthenticationFailed("User not found.") from exc
    if not user.is_active:
        raise AuthenticationFailed("User inactive or deleted.")
    return user


class BearerAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer <token>`` for the lab's own token schemes (jwe, oidc):
    the header parsed once here, the token checked by :meth:`authenticate_token`."""

    keyword = "Bearer"
    #: A longer token is refused before any decoding (a real one is under 1 KB).
    max_token_chars = 4096

    def authenticate(self, request):
        """Return ``(user, claims)``; ``None`` when no Bearer header is sent."""
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2 or len(parts[1]) > self.max_token_chars:
            raise AuthenticationFailed("Invalid token header.")
        return self.authenticate_token(parts[1])

    def authenticate_token(self, token: bytes):
        """``(user, claims)`` for ``token``, or ``AuthenticationFailed``."""
        raise NotImplementedError

    def authenticate_header(self, request):
        """The 401 challenge (RFC 6750)."""
        return f'{self.keyword} realm="api"'


class BasicAuthentication(authentication.BasicAuthentication):
    """DRF's class; a username holding NUL is refused before the user lookup."""

    def authenticate_credentials(self, userid, password, request=None):
        """Refuse NUL, then verify as DRF does."""
        refuse_nul(userid)
        return super().authenticate_credentials(userid, password, request)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's class; a key holding NUL is refused before the lookup."""

    def authenticate_credentials(self, key):
        """Refuse NUL, then look the key up as DRF does."""
        refuse_nul(key)
        return super().authenticate_credentials(key)


class KnoxTokenAuthentication(KnoxAuthentication):
    """knox's class; non-UTF-8 or NUL token bytes are refused (401), not a 500.

    knox 5.1 calls ``token.decode("utf-8")`` unguarded (``UnicodeDecodeError``).
    """

    def authenticate_credentials(self, token: bytes):
        """Refuse undecodable or NUL bytes, then let knox do the rest."""
        try:
            refuse_nul(token.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed("Invalid token.") from exc
        return super().authenticate_credentials(token)


class AllauthJWTAuthentication(JWTTokenAuthentication):
    """allauth headless's class; a valid token of a deleted user is refused (401).

    allauth 65.22 returns the user as a lazy ``objects.get(pk=...)``; for a deleted
    user, ``DoesNotExist`` surfaces later, in the view, as a 500. It is loaded here
    instead: the same one query the view would run.
    """

    def authenticate_credentials(self, key: str):
        """Validate as allauth does, then load the user now."""
        user, payload = super().authenticate_credentials(key)
        try:
            user.pk  # noqa: B018 -- evaluates the lazy user
        except ObjectDoesNotExist as exc:
            raise AuthenticationFailed("Invalid token.") from exc
        return user, payload
