"""What a password change revokes: each scheme says, in
``Scheme.on_password_change`` (and ``Properties.revoked_by_password_change`` states the
outcome; the contract tests check it), so a new scheme carries its own rule.

Hooked on the user's ``post_save`` after ``set_password()``, so every path is covered:
dj-rest-auth's change and reset, the admin, ``manage.py changepassword``.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models.signals import post_save
from django.dispatch import receiver

from schemes import registry


def revoke_credentials(user) -> None:
    """Let every registered scheme revoke what a password change revokes for ``user``."""
    for scheme in registry.all_schemes():
        scheme.on_password_change(user)


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
