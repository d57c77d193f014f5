"""The ``lab`` Django app: management commands and templates of the lab project."""

from django.apps import AppConfig


class LabConfig(AppConfig):
    """authlab's own app."""

    name = "lab"
    verbose_name = "authlab"

    def ready(self) -> None:
        """Connect the receivers: failed-password counting, revocation on password change."""
        from lab import throttles  # noqa: F401
        from lab.accounts import revocation  # noqa: F401
