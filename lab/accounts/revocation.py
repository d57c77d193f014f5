"""What a password change revokes, scheme by scheme (each scheme's
``Properties.revoked_by_password_change`` states the outcome; the contract tests check it).

- token: the user's DRF key is deleted (one key per user: every client logs in again);
- knox: every knox token of the user is deleted;
- jwt, jwt-stateless: every outstanding refresh token is blacklisted; access tokens
  already issued stay valid until they expire (nothing per request looks at the password);
- session: Django already ends the other sessions (the session holds an HMAC of the
  password hash, checked per request); dj-rest-auth keeps the changing one alive;
- basic: the old password stops by definition.

Hooked on the user's ``post_save`` after ``set_password()``, so every path is covered:
dj-rest-auth's change and reset, the admin, ``manage.py changepassword``.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver
from knox.models import AuthToken
from rest_framework.authtoken.models import Token
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken


def revoke_credentials(user) -> None:
    """Delete the user's DRF and knox tokens and blacklist its outstanding refresh tokens."""
    Token.objects.filter(user=user).delete()
    AuthToken.objects.filter(user=user).delete()
    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="authlab-revoke-on-password")
def revoke_on_password_change(sender, instance, created, update_fields=None, **kwargs) -> None:
    """After ``set_password()`` + ``save()`` of an existing user, revoke its credentials.

    ``AbstractBaseUser.set_password`` keeps the raw password in ``_password`` until
    ``save()`` has run (Django uses it to call the validators' ``password_changed``):
    it is set here exactly when the password was just changed.
    """
    if created or getattr(instance, "_password", None) is None:
        return
    if update_fields is not None and "password" not in update_fields:
        return
    revoke_credentials(instance)
