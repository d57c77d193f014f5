"""Password backends that refuse accounts whose sign-up is not verified yet.

Every place the lab checks a password (the schemes' login/, dj-rest-auth, Basic,
/api-auth/, /admin/) goes through Django's ``authenticate()`` and so through these
backends: one check covers them all. An account is *pending* when it has email
addresses (it signed up through allauth) and none is verified. Seeded and
``createsuperuser`` accounts have no EmailAddress row and are never pending.
"""

from __future__ import annotations

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from allauth.account.models import EmailAddress
from django.contrib.auth import backends, get_user_model
from django.db.models import Exists, OuterRef

from lab.accounts.normalize import normalize_email, normalize_username
from lab.backends import BoundedCredentialsMixin


def with_verification_state(queryset):
    """Annotate users with ``has_address`` and ``has_verified_address`` (subqueries, so
    fetching a user for a password check stays one query)."""
    addresses = EmailAddress.objects.filter(user=OuterRef("pk"))
    return queryset.annotate(
        has_address=Exists(addresses), has_verified_address=Exists(addresses.filter(verified=True))
    )


def is_pending(user) -> bool:
    """The account signed up through allauth and has verified no address yet."""
    if hasattr(user, "has_address"):
        return user.has_address and not user.has_verified_address
    addresses = EmailAddress.objects.filter(user=user)
    return addresses.exists() and not addresses.filter(verified=True).exists()


class VerifiedModelBackend(backends.ModelBackend):
    """Django's ModelBackend, with the username NFKC-normalised (as at sign-up) and
    pending accounts refused; the user and its verification state are one query."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        """Return the user when the password matches and the account may log in."""
        User = get_user_model()
        if username is None:
            username = kwargs.get(User.USERNAME_FIELD)
        if username is None or password is None:
            return None
        users = with_verification_state(User._default_manager.all())
        try:
            user = users.get(**{User.USERNAME_FIELD: normalize_username(username)})
        except User.DoesNotExist:
            User().set_password(password)  # same time as a wrong password (Django's reason)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return None if is_pending(user) else user
        return None


class VerifiedEmailBackend(AllauthBackend):
    """allauth's backend (log in by email), refusing pending accounts and a login by
    an address the account has not verified."""

    def authenticate(self, request, **credentials):
        """allauth's answer, unless the account or the address used is unverified."""
        user = super().authenticate(request, **credentials)
        if user is None or is_pending(user):
            return None
        identifier = credentials.get("email") or credentials.get("username") or ""
        if "@" in identifier:
            used = EmailAddress.objects.filter(user=user, email__iexact=normalize_email(identifier))
            if used.exists() and not used.filter(verified=True).exists():
                return None
        return user


# The bounds come first in the MRO: a subclass's own ``authenticate`` would run before
# a mixin listed beside it, and query with the oversized value.
class ModelBackend(BoundedCredentialsMixin, VerifiedModelBackend):
    """:class:`VerifiedModelBackend` with credentials bounded (lab/backends.py)."""


class EmailBackend(BoundedCredentialsMixin, VerifiedEmailBackend):
    """:class:`VerifiedEmailBackend` with credentials bounded (lab/backends.py)."""
