"""``session-cache``: Django sessions on the ``cached_db`` engine, the user row cached too.

Under this scheme's prefix lab.middleware.SessionMiddleware opens sessions with this
module's :class:`SessionStore` (``cached_db`` on the ``auth`` cache, entries kept at
most the TTL); ``session`` stays on the db engine. The user is read through the
cache as well: per user, their row without the password hash and the session auth
hash Django compares (an HMAC of the password hash). A hit makes no query.
"""

from dataclasses import replace

from django.conf import settings
from django.contrib import auth
from django.contrib.sessions.backends import cached_db
from django.urls import URLPattern, path
from django.utils.crypto import constant_time_compare
from rest_framework.authentication import SessionAuthentication

from schemes import caching
from schemes.session import SessionLoginView, SessionLogoutView, SessionScheme

CACHE = caching.AuthCache(caching.TTL_S)


class SessionStore(cached_db.SessionStore):
    """``cached_db`` on the ``auth`` cache, with every entry's life capped at the TTL.

    Django keeps a cached session for its whole age (two weeks): a session deleted on
    one server would live that long in another's local memory. The cap bounds it.
    """

    cache_key_prefix = "authlab.session-cache:"

    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = CACHE


def session_user(request):
    """The session's user, read through the cache; ``None`` when there is none.

    A hit needs the session's hash to equal the cached one. Anything else (a miss, a
    mismatch) goes through Django's own ``auth.get_user``, which reads the row, checks
    the hash against the current and fallback secrets and flushes a stale session.
    """
    session = request.session
    user_id = session.get(auth.SESSION_KEY)
    backend_path = session.get(auth.BACKEND_SESSION_KEY)
    if user_id is None or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    cache_key = f"session-user:{backend_path}:{user_id}"
    entry = CACHE.get(cache_key)
    if entry is not None and constant_time_compare(
        session.get(auth.HASH_SESSION_KEY) or "", entry[1]
    ):
        return caching.restore_user(entry[0])
    user = auth.get_user(request)
    if not user.is_authenticated:
        return None
    value = (caching.snapshot_user(user), user.get_session_auth_hash())
    caching.remember(CACHE, cache_key, value, user.pk)
    return user


class CachedSessionAuthentication(SessionAuthentication):
    """DRF's ``SessionAuthentication`` with the user read by :func:`session_user`."""

    def authenticate(self, request):
        """The session's user (CSRF enforced, as DRF does), or ``None``."""
        user = session_user(request._request)
        if user is None or not user.is_active:
            return None
        # What AuthenticationMiddleware's lazy request.user returns: no second lookup.
        request._request._cached_user = user
        self.enforce_csrf(request)
        return (user, None)


class CachedSessionLogoutView(SessionLogoutView):
    """Flush the session (its row and this server's cached copy)."""

    authentication_classes = (CachedSessionAuthentication,)


class SessionCacheScheme(SessionScheme):
    """``session`` on ``cached_db`` (this module's store) with the user row cached."""

    name = "session-cache"
    title = "Django session, cached_db + cached user"
    summary = "Session cookie; the session and the user row come from the cache: no SQL on a hit."
    variant_of = "session"
    session_engine = "schemes.session_cache"
    authentication_classes = (CachedSessionAuthentication,)
    properties = replace(
        SessionScheme.properties,
        # A password change revokes, as in the stock scheme: a user save evicts the entries.
        revocation=(
            "logout/ deletes the session (row and this server's cache); other servers' "
            f"cached copies within the TTL ({caching.TTL_S} s)"
        ),
        stored_at_rest=(
            "session key and data in plain text, in the database and (for the TTL) the "
            "cache; per user, their row without the password hash and the session auth "
            "hash (HMAC of the password hash)"
        ),
        queries_per_request=0,
        queries_first_request=1,  # the user row (login cached the session itself)
        crypto_per_request="constant-time compare of the session hash (no HMAC on a hit)",
        revocation_delay_s=caching.TTL_S,
        user_checked_per_request=False,  # a deactivation by save() evicts; update() waits
        security_cost=(
            "A cache dump holds live session keys (as the sessions table does): each one "
            "is a login until logout or the TTL. It holds no password hash: the session "
            "auth hash is an HMAC keyed by SECRET_KEY, not crackable without it. Whoever "
            "can write the cache can forge a session for any user id whose cached auth "
            "hash they copy. Logout and password changes evict only this server's local "
            f"memory (Redis: all servers): elsewhere they take up to {caching.TTL_S} s."
        ),
    )

    def flow_urls(self) -> list[URLPattern]:
        """``login/`` (the session scheme's, on this store) and ``logout/``."""
        return [
            path("login/", SessionLoginView.as_view(), name="session-cache-login"),
            path("logout/", CachedSessionLogoutView.as_view(), name="session-cache-logout"),
        ]
