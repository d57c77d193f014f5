"""Seeding for ``make scale``: grow the credential tables in bulk on Django's default DB.

SQLite: ``executemany`` in one transaction; PostgreSQL: ``COPY``.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from collections.abc import Iterable, Iterator
from datetime import timedelta

CHUNK = 50_000
#: A stand-in for the text column of filler outstanding tokens (a refresh JWT's length).
FILLER_JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "f" * 190 + ".sig"


class Seeder:
    """Grow the credential tables to ``n`` rows each, in bulk, on Django's default DB.

    Filler rows look like real ones (key lengths, one token of each kind per user,
    every filler refresh token blacklisted) but their secrets are random: only the
    users logged in by :func:`sample_credentials` hold usable credentials.
    """

    def __init__(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.contrib.sessions.models import Session
        from knox.models import get_token_model
        from rest_framework.authtoken.models import Token
        from rest_framework_simplejwt.token_blacklist.models import (
            BlacklistedToken,
            OutstandingToken,
        )

        from lab.seed import SEED_PASSWORD

        self.models = {
            "users": get_user_model(),
            "sessions": Session,
            "drf_tokens": Token,
            "knox_tokens": get_token_model(),
            "jwt_outstanding": OutstandingToken,
            "jwt_blacklisted": BlacklistedToken,
        }
        self.password = make_password(SEED_PASSWORD)  # hashed once, reused for every row
        self.filled = 0
        self.seconds: dict[str, float] = {}

    def tables(self) -> dict[str, str]:
        """Kind of row -> database table."""
        return {kind: model._meta.db_table for kind, model in self.models.items()}

    def counts(self) -> dict[str, int]:
        """Rows in each table right now (filler and real)."""
        return {kind: model._default_manager.count() for kind, model in self.models.items()}

    def grow_to(self, n: int) -> dict[str, float]:
        """Insert filler rows until each table holds ``n`` of them; seconds per table."""
        from django.db import transaction
        from django.utils import timezone

        start, now = self.filled + 1, timezone.now()
        if n < start:
            return {}
        seconds: dict[str, float] = {}
        with seeding_mode(), transaction.atomic():
            skip_fk_triggers()
            user_ids = self._insert_new(
                "users",
                seconds,
                (
                    "password",
                    "is_superuser",
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_staff",
                    "is_active",
                    "date_joined",
                ),
                (
                    (
                        self.password,
                        False,
                        f"user{i}",
                        "",
                        "",
                        f"user{i}@example.com",
                        False,
                        True,
                        now,
                    )
                    for i in range(start, n + 1)
                ),
            )
            self._insert(
                "sessions",
                seconds,
                ("session_key", "session_data", "expire_date"),
                ((secrets.token_hex(16), "filler", now + timedelta(days=14)) for _ in user_ids),
            )
            self._insert(
                "drf_tokens",
                seconds,
                ("key", "user_id", "created"),
                ((secrets.token_hex(20), uid, now) for uid in user_ids),
            )
            self._insert(
                "knox_tokens",
                seconds,
                ("digest", "token_key", "user_id", "created", "expiry"),
                (
                    (
                        secrets.token_hex(64),
                        secrets.token_hex(8)[:15],
                        uid,
                        now,
                        now + timedelta(hours=10),
                    )
                    for uid in user_ids
                ),
            )
            jwt_ids = self._insert_new(
                "jwt_outstanding",
                seconds,
                ("user_id", "jti", "token", "created_at", "expires_at"),
                (
                    (uid, secrets.token_hex(16), FILLER_JWT, now, now + timedelta(days=1))
                    for uid in user_ids
                ),
            )
            self._insert(
                "jwt_blacklisted",
                seconds,
                ("token_id", "blacklisted_at"),
                ((jid, now) for jid in jwt_ids),
            )
        self.filled = n
        for kind, s in seconds.items():
            self.seconds[kind] = self.seconds.get(kind, 0.0) + s
        return seconds

    def _insert_new(self, kind, seconds, columns, rows) -> list[int]:
        """Insert rows of an auto-id table; return the new ids in insertion order."""
        model = self.models[kind]
        before = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
        self._insert(kind, seconds, columns, rows)
        new = model._default_manager.filter(pk__gt=before or 0).order_by("pk")
        return list(new.values_list("pk", flat=True))

    def _insert(self, kind: str, seconds: dict, columns: tuple[str, ...], rows: Iterable):
        started = time.perf_counter()
        bulk_insert(self.models[kind]._meta.db_table, columns, rows)
        seconds[kind] = time.perf_counter() - started

    def settle(self) -> None:
        """Refresh planner statistics (and PostgreSQL's visibility map) after seeding."""
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in self.tables().values():
                    cursor.execute(f'VACUUM ANALYZE "{table}"')
            else:
                cursor.execute("ANALYZE")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@contextlib.contextmanager
def seeding_mode(mib: int = 512) -> Iterator[None]:
    """SQLite, outside the seeding transaction: foreign keys unchecked (the filler is
    consistent by construction: ids are read back from the table) and a large page
    cache (random-key index inserts thrash the default 2 MiB); both restored after,
    so lookups are timed as configured."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    with connection.constraint_checks_disabled(), connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        default = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{mib * 1024}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(default)}")


def skip_fk_triggers() -> None:
    """PostgreSQL, inside the seeding transaction: skip the per-row foreign-key
    triggers (the filler is consistent by construction), for this transaction only."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")


def _chunks(rows: Iterable, size: int = CHUNK) -> Iterator[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk_insert(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Insert ``rows`` into ``table``: ``COPY`` on PostgreSQL, ``executemany`` elsewhere."""
    from django.db import connection

    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # cursor.cursor: the psycopg 3 cursor under Django's wrapper (COPY protocol).
            with cursor.cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {qn(table)} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 - quoted identifiers
        for chunk in _chunks(rows):
            cursor.executemany(sql, chunk)
