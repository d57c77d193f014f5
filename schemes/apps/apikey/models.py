"""User-linked API keys, as djangorestframework-api-key documents custom key models.

https://florimondmanca.github.io/djangorestframework-api-key/guide/#api-key-models
"""

from django.conf import settings
from django.db import models
from rest_framework_api_key.models import AbstractAPIKey, BaseAPIKeyManager


class UserAPIKeyManager(BaseAPIKeyManager):
    """The library's manager; usable keys come with their user (one query per lookup)."""

    def get_usable_keys(self) -> models.QuerySet:
        """Unrevoked keys, joined to their user so authentication needs no second query."""
        return super().get_usable_keys().select_related("user")


class UserAPIKey(AbstractAPIKey):
    """An API key that belongs to a user: deleting the user deletes their keys."""

    objects = UserAPIKeyManager()
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_keys"
    )

    class Meta(AbstractAPIKey.Meta):
        verbose_name = "user API key"
        verbose_name_plural = "user API keys"
