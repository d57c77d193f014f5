"""The ``lab`` Django app: management commands and templates of the lab project."""

from django.apps import AppConfig


class LabConfig(AppConfig):
    """authlab's own app."""

    name = "lab"
    verbose_name = "authlab"

    def ready(self) -> None:
        """Keep the SQLite files private (lab/dbfiles.py) on every new connection, and
        connect the receivers: failed-password counting, revocation on password change."""
        from django.db.backends.signals import connection_created

        from lab import throttles  # noqa: F401
        from lab.accounts import revocation  # noqa: F401
        from lab.dbfiles import private_sqlite_files

        connection_created.connect(private_sqlite_files, dispatch_uid="lab-private-sqlite")
