"""App config of the ``api-key`` scheme's key store."""

from django.apps import AppConfig


class ApiKeyConfig(AppConfig):
    """The user-linked API key table (``authlab_apikey_userapikey``)."""

    name = "schemes.apps.apikey"
    label = "authlab_apikey"
    verbose_name = "authlab API keys"
