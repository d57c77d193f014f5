"""Middleware of the lab's own: Django's, hardened where hostile input reached the DB,
and choosing the session engine per scheme."""

from functools import cache
from importlib import import_module

from django.conf import settings
from django.contrib.sessions import middleware

from schemes.base import API_PREFIX


@cache
def _store_class(engine: str):
    return import_module(engine).SessionStore


class SessionMiddleware(middleware.SessionMiddleware):
    """Django's SessionMiddleware, with two changes.

    A session cookie holding NUL counts as no session: PostgreSQL text cannot hold NUL,
    so Django's lookup of such a key raises ``DataError`` (a 500); Django only checks a
    key's length. A browser never sends one, so this changes nothing for real clients.

    Under ``/api/v1/<scheme>/`` the store is the scheme's own ``session_engine`` when it
    names one (``session-signed``: signed cookies while ``session`` keeps the db engine);
    ``SESSION_ENGINE`` is global, and this is where one request's engine is chosen.
    """

    def process_request(self, request):
        """Open the session named by the cookie, unless the cookie holds NUL."""
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if session_key and "\x00" in session_key:
            session_key = None
        request.session = self.store_for(request.path_info)(session_key)

    def store_for(self, path: str):
        """The ``SessionStore`` class for a request to ``path``."""
        if path.startswith(API_PREFIX):
            from schemes import registry

            name = path[len(API_PREFIX) :].partition("/")[0]
            engine = registry.session_engines().get(name)
            if engine:
                return _store_class(engine)
        return self.SessionStore
