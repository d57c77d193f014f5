"""Middleware of the lab's own: Django's, hardened where hostile input reached the DB."""

from django.conf import settings
from django.contrib.sessions import middleware


class SessionMiddleware(middleware.SessionMiddleware):
    """Django's SessionMiddleware; a session cookie holding NUL counts as no session.

    PostgreSQL text cannot hold NUL, so Django's lookup of such a key raises
    ``DataError`` (a 500); Django only checks a key's length. A browser never
    sends one, so treating it as absent changes nothing for real clients.
    """

    def process_request(self, request):
        """Open the session named by the cookie, unless the cookie holds NUL."""
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        if session_key and "\x00" in session_key:
            session_key = None
        request.session = self.SessionStore(session_key)
