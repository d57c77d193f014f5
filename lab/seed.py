"""Deterministic test users: ``user1`` ... ``userN``, all with :data:`SEED_PASSWORD`.

The password is hashed once and the encoded hash reused for every row, so seeding
10,000 users costs one hash plus bulk inserts: seconds, not hours of PBKDF2.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

#: Password of every seeded user. Public on purpose: these accounts are for the lab.
SEED_PASSWORD = "authlab-seed-password"
BATCH = 5000


def seed_username(index: int) -> str:
    """Username of the ``index``-th seeded user (1-based)."""
    return f"user{index}"


def seed_users(count: int, password: str = SEED_PASSWORD) -> int:
    """Make sure ``user1`` .. ``user<count>`` exist; return how many were created.

    Idempotent: existing users are left untouched (their passwords too).
    """
    User = get_user_model()
    encoded = make_password(password)
    wanted = [seed_username(i) for i in range(1, count + 1)]
    existing: set[str] = set()
    for start in range(0, len(wanted), BATCH):
        chunk = wanted[start : start + BATCH]
        existing.update(
            User._default_manager.filter(username__in=chunk).values_list("username", flat=True)
        )
    missing = [name for name in wanted if name not in existing]
    User._default_manager.bulk_create(
        (User(username=name, email=f"{name}@example.com", password=encoded) for name in missing),
        batch_size=BATCH,
    )
    return len(missing)
