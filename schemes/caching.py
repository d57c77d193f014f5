"""What the cached variants share: the ``auth`` cache alias with a hard TTL, keyed
hashes for cache keys, user rows cached without their password hash, and the
eviction of a user's entries when the user row is saved or deleted.

Cache keys are HMACs (what Django's ``salted_hmac`` computes: SHA-256, keyed by
``SECRET_KEY`` and a per-purpose salt), never the credential: whoever can list the cache's keys
(``redis-cli KEYS``, ``MONITOR``, a memory dump, a shared Redis) must not read live
tokens or passwords off them, and without the server secret a key cannot be computed
for a credential, nor a credential recovered from a key by guessing (a plain hash of a
password would be cracked offline at hash speed).

Only successful lookups are cached: a wrong or hostile credential never writes, so
an attacker cannot fill the cache with garbage.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import time
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

#: The cache alias of the variants (lab/settings/base.py: local memory, or Redis).
ALIAS = "auth"
#: TTL of every cached variant: the bound on revocation across servers, the issue's
#: "revocable within a minute". Shorter = fresher but more misses (a DB read each).
TTL_S = 60


def keyed_hash(purpose: str, *parts: str) -> str:
    """Return the cache key for ``parts``: ``<purpose>:<HMAC-SHA256 hex>``.

    Args:
        purpose: names the variant; it is also the HMAC's salt, so one variant's
            key can never equal another's.
        parts: the credential's pieces, JSON-encoded together (unambiguous:
            ``("a:b", "c")`` and ``("a", "b:c")`` differ).
    """
    key = _hmac_key(f"authlab.{purpose}", settings.SECRET_KEY)
    digest = hmac.new(key, json.dumps(parts).encode(), hashlib.sha256)
    return f"{purpose}:{digest.hexdigest()}"


@functools.lru_cache(maxsize=16)
def _hmac_key(salt: str, secret: str) -> bytes:
    """The HMAC key ``salted_hmac(salt, ..., algorithm="sha256")`` derives from the
    secret (SHA-256 of salt + secret), derived once per salt and secret instead of on
    every request: the same digests (tests/test_variants.py checks), one hash less."""
    return hashlib.sha256(salt.encode() + secret.encode()).digest()


class LocalAuthCache(LocMemCache):
    """Django's local-memory cache for the ``auth`` alias, minus the key validation.

    ``validate_key`` only warns about keys memcached would refuse (over 250 characters,
    spaces, control characters) by scanning each key in Python on every ``get``; the
    keys here are this module's own (``<purpose>:<64 hex>``, ``owner:<pk>``), so the
    scan never finds anything and cost a hit about 5 % of its instructions.
    """

    def validate_key(self, key: str) -> None:
        """Nothing to warn about: every key is one of this module's."""


class AuthCache:
    """The ``auth`` alias, every entry stored with its deadline and refused after it.

    The deadline is checked here with ``time.time()`` on each read, so the TTL holds
    exactly (and on a frozen clock) whatever the backend: Redis expires keys on its
    own clock, locmem on the process's. The backend's own timeout is the same TTL,
    so memory is freed. Timeouts asked for (the session store's) are capped at it.
    """

    def __init__(self, ttl_s: float = TTL_S):
        self.ttl_s = ttl_s

    @property
    def backend(self):
        """The configured backend, looked up per call (``override_settings`` works)."""
        return caches[ALIAS]

    def get(self, key: str, default: Any = None) -> Any:
        """The live value under ``key``, else ``default``."""
        entry = self.backend.get(key)
        if entry is None or entry[0] <= time.time():
            return default
        return entry[1]

    def set(self, key: str, value: Any, timeout: float | None = None) -> None:
        """Store ``value`` for the TTL (or ``timeout`` when shorter)."""
        ttl = self.ttl_s if timeout is None else min(timeout, self.ttl_s)
        if ttl > 0:
            self.backend.set(key, (time.time() + ttl, value), ttl)

    def delete(self, key: str) -> None:
        """Forget ``key``."""
        self.backend.delete(key)

    def delete_many(self, keys: list[str]) -> None:
        """Forget every key in ``keys``."""
        self.backend.delete_many(keys)

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None


@functools.cache
def _user_fields(model) -> tuple[str, ...]:
    """The columns a cached user keeps (all but the password hash), once per model."""
    return tuple(f.attname for f in model._meta.concrete_fields if f.name != "password")


def snapshot_user(user) -> tuple:
    """The user's row, minus the password hash, as a picklable tuple."""
    return tuple(getattr(user, name) for name in _user_fields(type(user)))


def restore_user(snapshot: tuple):
    """A user instance from :func:`snapshot_user`, built without a query.

    The password is a deferred field: reading it loads it from the database, and
    ``save()`` writes only the loaded fields, so a cached user cannot blank it.
    """
    model = get_user_model()
    return model.from_db(DEFAULT_DB_ALIAS, _user_fields(model), snapshot)


def _owner_key(user_pk: Any) -> str:
    return f"owner:{user_pk}"


def remember(cache: AuthCache, key: str, value: Any, user_pk: Any) -> None:
    """Cache ``value`` under ``key`` and note ``key`` among the user's entries.

    The per-user list is read, extended and written back (not atomic): two misses
    at once can drop one key from it, and that entry then outlives a password change
    on this server by up to the TTL, like on any other server.
    """
    cache.set(key, value)
    owned = cache.get(_owner_key(user_pk)) or []
    if key not in owned:
        cache.set(_owner_key(user_pk), [*owned[-15:], key])


def evict_user(user_pk: Any) -> None:
    """Forget every cached entry of one user (on this server's cache, or Redis)."""
    cache = AuthCache()
    cache.delete_many([*(cache.get(_owner_key(user_pk)) or []), _owner_key(user_pk)])


def evict_now_and_on_commit(evict, *args) -> None:
    """Evict at once, and again when the transaction commits: a request that read the
    old row before the commit may have cached it in between."""
    evict(*args)
    transaction.on_commit(lambda: evict(*args))


@receiver(post_save, sender=settings.AUTH_USER_MODEL, dispatch_uid="authlab-evict-saved-user")
@receiver(post_delete, sender=settings.AUTH_USER_MODEL, dispatch_uid="authlab-evict-deleted-user")
def _evict_changed_user(sender, instance, update_fields=None, **kwargs) -> None:
    """A saved user (password change, deactivation) or a deleted one: drop their entries.

    A save of ``last_login`` alone (every login, Django's ``update_last_login``) keeps
    them: it changes nothing a credential check reads, and evicting there would make
    each login elsewhere a miss here. ``QuerySet.update()`` sends no signal: such a
    change waits for the TTL.
    """
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    evict_now_and_on_commit(evict_user, instance.pk)
