"""``token-cached``: DRF's token, its lookup cached for a minute.

The first request with a key reads the token and its user (one query, as ``token``)
and caches the user row under an HMAC of the key; later requests within the TTL make
no query. Deleting the key (logout, the admin, a cascade) evicts it from this
server's cache at once; other servers with a local-memory cache see it within the TTL.
"""

import functools
from dataclasses import replace

from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.urls import URLPattern, path
from django.utils.functional import SimpleLazyObject
from rest_framework.authtoken.models import Token

from schemes import caching
from schemes.auth import TokenAuthentication, refuse_nul
from schemes.drf_token import TokenLoginView, TokenLogoutView, TokenScheme

CACHE = caching.AuthCache(caching.TTL_S)


def token_cache_key(key: str) -> str:
    """The cache key of a token key: an HMAC, never the key itself."""
    return caching.keyed_hash("token", key)


class CachedTokenAuthentication(TokenAuthentication):
    """DRF's ``TokenAuthentication``; a verified key's user is cached for the TTL."""

    def authenticate_credentials(self, key):
        """A cached user for ``key``, else DRF's lookup (then cached)."""
        refuse_nul(key)
        cache_key = token_cache_key(key)
        snapshot = CACHE.get(cache_key)
        if snapshot is not None:
            user = caching.restore_user(snapshot)
            # request.auth: the Token, built (without a query) only when something uses
            # it, as logout does (request.auth.delete()); most requests never do, and
            # building it was a tenth of a hit's instructions.
            return user, SimpleLazyObject(functools.partial(_token, key, user))
        user, token = super().authenticate_credentials(key)
        caching.remember(CACHE, cache_key, caching.snapshot_user(user), user.pk)
        return user, token


def _token(key: str, user) -> Token:
    """The Token row for ``key`` of ``user``, built from the cache hit, no query."""
    token = Token.from_db(None, ["key", "user_id"], [key, user.pk])
    token.user = user
    return token


@receiver(post_delete, sender=Token, dispatch_uid="authlab-evict-deleted-token")
def _evict_deleted_token(sender, instance, **kwargs) -> None:
    """A deleted key stops working on this server at once (logout, admin, cascade)."""
    caching.evict_now_and_on_commit(CACHE.delete, token_cache_key(instance.key))


class CachedTokenLogoutView(TokenLogoutView):
    """The token scheme's logout, authenticated through the cache (the deletion evicts)."""

    authentication_classes = (CachedTokenAuthentication,)


class TokenCachedScheme(TokenScheme):
    """``token`` with the key's lookup cached for :data:`~schemes.caching.TTL_S`."""

    name = "token-cached"
    title = "DRF Token, cached lookup"
    summary = "DRF's key; its user cached for 60 s under an HMAC of the key: no SQL on a hit."
    variant_of = "token"
    authentication_classes = (CachedTokenAuthentication,)
    properties = replace(
        TokenScheme.properties,
        # A password change revokes, as in the stock scheme: a user save evicts the entries.
        revocation=(
            "logout/ deletes the key and evicts it from this server's cache; "
            f"other servers within the TTL ({caching.TTL_S} s)"
        ),
        stored_at_rest=(
            "the token key in plain text (database, as token); in the cache, per key used "
            f"in the last {caching.TTL_S} s: HMAC(server secret, key) -> the user's row "
            "without the password hash"
        ),
        queries_per_request=0,
        queries_first_request=1,  # a miss: the token + user join, as token
        crypto_per_request="HMAC-SHA256 of the key (the cache key)",
        revocation_delay_s=caching.TTL_S,
        user_checked_per_request=False,  # a deactivation by save() evicts; update() waits
        security_cost=(
            "A cache dump holds no key and no password hash, only user rows under keyed "
            "hashes: useless for logging in without SECRET_KEY. Whoever can write the cache "
            "(an open Redis) can put any user's row under their own key's entry and act as "
            "that user. Eviction reaches only this server's local memory (Redis: every "
            "server), and a key deleted by raw SQL (no signal) is not evicted at all: "
            f"a revoked key works up to {caching.TTL_S} s on other servers."
        ),
    )

    def flow_urls(self) -> list[URLPattern]:
        """``login/`` (the token scheme's) and ``logout/`` (through the cache)."""
        return [
            path("login/", TokenLoginView.as_view(), name="token-cached-login"),
            path("logout/", CachedTokenLogoutView.as_view(), name="token-cached-logout"),
        ]
