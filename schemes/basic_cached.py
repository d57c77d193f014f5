"""``basic-cached``: HTTP Basic with verified credentials cached for a minute.

The first request with a username and password runs the password hasher (as
``basic``); its user row is then cached under HMAC-SHA256(server secret, username and
password), so later requests within the TTL skip the database and the hasher. A
saved user (password change, deactivation) has its entries evicted at once on this
server; other servers with a local-memory cache stop accepting the old password
within the TTL. Wrong passwords are never cached: each still costs a hash.
"""

from dataclasses import replace

from schemes import caching
from schemes.auth import BasicAuthentication, refuse_nul
from schemes.basic import BasicScheme

CACHE = caching.AuthCache(caching.TTL_S)


class CachedBasicAuthentication(BasicAuthentication):
    """DRF's ``BasicAuthentication``; a verified pair's user is cached for the TTL."""

    def authenticate_credentials(self, userid, password, request=None):
        """A cached user for the pair, else DRF's check (hasher), then cached."""
        refuse_nul(userid)
        cache_key = caching.keyed_hash("basic", userid, password)
        snapshot = CACHE.get(cache_key)
        if snapshot is not None:
            return caching.restore_user(snapshot), None
        user, auth = super().authenticate_credentials(userid, password, request)
        caching.remember(CACHE, cache_key, caching.snapshot_user(user), user.pk)
        return user, auth


class BasicCachedScheme(BasicScheme):
    """``basic`` with verified credentials cached for :data:`~schemes.caching.TTL_S`."""

    name = "basic-cached"
    title = "HTTP Basic, cached verification"
    summary = "Username and password each request; a verified pair is cached 60 s (keyed hash)."
    variant_of = "basic"
    authentication_classes = (CachedBasicAuthentication,)
    properties = replace(
        BasicScheme.properties,
        # A password change revokes, as in the stock scheme: a user save evicts the entries.
        stateless=False,  # the cache is per-credential server state
        revocation=(
            "change the password: evicted from this server's cache at once, "
            f"other servers within the TTL ({caching.TTL_S} s)"
        ),
        stored_at_rest=(
            "the password hash (database); in the cache, per pair verified in the last "
            f"{caching.TTL_S} s: HMAC-SHA256(server secret, username + password) -> the "
            "user's row without the password hash"
        ),
        queries_per_request=0,
        queries_first_request=1,  # a miss: the user row, then the hasher, as basic
        crypto_per_request="HMAC-SHA256 of username + password (the cache key); no hasher",
        revocation_delay_s=caching.TTL_S,
        user_checked_per_request=False,  # a deactivation by save() evicts; update() waits
        security_cost=(
            "The cache turns a deliberately slow password hash into a fast keyed hash: "
            "with SECRET_KEY and a cache dump, the passwords of recently active users can "
            "be guessed offline at HMAC-SHA256 speed (billions a second) instead of the "
            "hasher's; without SECRET_KEY the keys are useless. Whoever can write the "
            "cache can swap user rows between entries. A changed password still works "
            f"up to {caching.TTL_S} s on servers whose local cache was not evicted (or "
            "when the change skipped signals: QuerySet.update); never longer."
        ),
    )
