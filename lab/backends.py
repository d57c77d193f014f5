"""Bounds on every credential, checked before a backend queries the database with it
(:class:`BoundedCredentialsMixin`, mixed into the lab's backends in
``lab/accounts/backends.py``).

Every password check in the lab goes through ``django.contrib.auth.authenticate``
(DRF Basic, the schemes' ``login/`` serializers, dj-rest-auth, ``/api-auth/login/``,
``/admin/login/``), so bounding the backends of ``AUTHENTICATION_BACKENDS`` covers
them all. Without it, allauth's case-insensitive lookup becomes a ``LIKE`` on SQLite,
which refuses patterns over 50,000 bytes: a 50 KB username (or 25,001 ``%``, each
escaped to two characters, or 12,501 emoji of four bytes) was a 500 on every login.
"""

from __future__ import annotations

from functools import cache

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

#: Longest password checked, in characters. Django capped passwords at 4096 for the
#: same reason in 1.5.x (CVE-2013-1443: hashing megabytes per guess is a cheap DoS);
#: no password manager generates more, and the hashers pre-hash long keys anyway.
PASSWORD_MAX_LENGTH = 4096


@cache
def credential_bounds() -> dict[str, int]:
    """Longest value each credential name can hold: a column's ``max_length`` for the
    identifiers (a longer one can match no row), :data:`PASSWORD_MAX_LENGTH` for the
    password. ``username`` may also carry an email (allauth logs in by either)."""
    User = get_user_model()
    username = User._meta.get_field(User.USERNAME_FIELD).max_length
    email = User._meta.get_field(User.get_email_field_name()).max_length
    return {
        "username": max(username, email),
        User.USERNAME_FIELD: max(username, email),
        "email": email,
        "password": PASSWORD_MAX_LENGTH,
    }


def oversized(credentials: dict[str, object]) -> str:
    """The first credential name whose value is longer than its bound, or ``""``."""
    bounds = credential_bounds()
    for name, value in credentials.items():
        if isinstance(value, str) and name in bounds and len(value) > bounds[name]:
            return name
    return ""


class BoundedCredentialsMixin:
    """Refuse a login outright (no later backend runs) when a credential is longer
    than any account can hold, before the backend queries anything; otherwise
    authenticate as the backend does.

    ``PermissionDenied`` is Django's "stop here" for ``authenticate()``: the caller
    gets ``None`` (the usual 400/401 "unable to log in") and ``user_login_failed``
    fires as for any failed login.
    """

    def authenticate(self, request, **credentials):
        """Refuse oversized credentials, then run the backend's own check."""
        if oversized(credentials):
            raise PermissionDenied("credential longer than any account holds")
        return super().authenticate(request, **credentials)
