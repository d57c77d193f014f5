"""The ``lab`` Django app: management commands and templates of the lab project."""

from django.apps import AppConfig


class LabConfig(AppConfig):
    """authlab's own app."""

    name = "lab"
    verbose_name = "authlab"
