"""Middleware of the lab's own: Django's, hardened where hostile input reached the DB."""

from django.conf import settings
from django.contrib.sessions import middleware

from schemes import registry
from schemes.base import API_PREFIX


class SessionMiddleware(middleware.SessionMiddleware):
    """Django's SessionMiddleware; a session cookie holding NUL counts as no session,
    and a scheme may pick its own session engine under its prefix.

    PostgreSQL text cannot hold NUL, so Django's lookup of such a key raises
    ``DataError`` (a 500); Django only checks a key's length. A browser never
    sends one, so treating it as absent changes nothing for real clients.
    ``SESSION_ENGINE`` is global; ``Scheme.session_engine`` lets one scheme (the
    ``session-cache`` variant) run another engine beside ``session`` in one server.
    """

    def process_request(self, request):
        """Open the session named by the cookie, unless the cookie holds NUL."""
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if session_key and "\x00" in session_key:
            session_key = None
        request.session = self.store_for(request.path_info)(session_key)

    def store_for(self, path: str) -> type:
        """The SessionStore class for ``path``: its scheme's engine, else the global one."""
        if path.startswith(API_PREFIX):
            engine = registry.session_engines().get(path[len(API_PREFIX) :].partition("/")[0])
            if engine is not None:
                return engine.SessionStore
        return self.SessionStore
