"""``manage.py seed_users --count N``: create the lab's deterministic users fast."""

from django.core.management.base import BaseCommand

from lab.seed import SEED_PASSWORD, seed_username, seed_users


class Command(BaseCommand):
    """Create ``user1`` .. ``userN`` (password: ``lab.seed.SEED_PASSWORD``)."""

    help = "Create users user1..userN sharing one password, hashed once. Idempotent."

    def add_arguments(self, parser):
        """``--count N`` (default 10)."""
        parser.add_argument("--count", type=int, default=10, help="how many users (default 10)")

    def handle(self, *args, count: int, **options):
        """Seed and report what was done."""
        if count < 1:
            self.stderr.write("--count must be at least 1")
            raise SystemExit(2)
        created = seed_users(count)
        self.stdout.write(
            f"{created} user(s) created, {count - created} already there. "
            f"Try: {seed_username(1)} / {SEED_PASSWORD}"
        )
