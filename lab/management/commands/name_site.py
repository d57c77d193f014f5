"""``manage.py name_site --host H --port P``: name the Site row after the served address."""

from django.core.management.base import BaseCommand

from lab.accounts.site import name_site


class Command(BaseCommand):
    """Set Site 1's domain and name to ``H:P`` (what the account emails print)."""

    help = "Name the current Site after the address the lab serves (host:port)."

    def add_arguments(self, parser):
        """``--host`` and ``--port`` of the server."""
        parser.add_argument("--host", required=True)
        parser.add_argument("--port", type=int, required=True)

    def handle(self, *args, host: str, port: int, verbosity: int = 1, **options):
        """Update the row and say what it is now."""
        site = name_site(host, port)
        if verbosity:
            self.stdout.write(f"site {site.pk}: {site.domain}")
