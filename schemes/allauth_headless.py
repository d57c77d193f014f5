"""What the two allauth headless schemes share: the token strategy, the login view
mounted under each scheme's prefix, and the session DELETE as ``logout/``.

``HEADLESS_TOKEN_STRATEGY`` is global, so one strategy serves both: allauth's own
JWT strategy, which already finds the session by ``X-Session-Token`` first, issuing
its access/refresh pair only for logins under the ``allauth-jwt`` prefix. A login
under ``allauth-session`` answers a session token alone, as allauth's default
``SessionTokenStrategy`` does (same ``create_session_token`` and ``lookup_session``).
"""

from __future__ import annotations

from allauth.account.app_settings import EmailVerificationMethod
from allauth.headless.account.views import LoginView, SessionView
from allauth.headless.constants import Client
from allauth.headless.tokens.strategies.jwt import JWTTokenStrategy

from schemes.base import API_PREFIX

#: Logins under this prefix get allauth's JWT pair (schemes/allauth_jwt.py).
JWT_PREFIX = f"{API_PREFIX}allauth-jwt/"


class LabTokenStrategy(JWTTokenStrategy):
    """allauth's JWT strategy; access tokens only for the ``allauth-jwt`` scheme."""

    def create_access_token_payload(self, request):
        """The JWT pair under the allauth-jwt prefix, nothing (session token only) elsewhere."""
        if not request.path_info.startswith(JWT_PREFIX):
            return None
        return super().create_access_token_payload(request)


class HeadlessLoginView(LoginView):
    """allauth headless's app login, without the email-verification stage.

    The lab's accounts are seeded without EmailAddress rows, and every scheme's own
    ``login/`` checks the password only (``ACCOUNT_EMAIL_VERIFICATION`` is mandatory for
    the dj-rest-auth account flow). Everything else is headless's own login.
    """

    def post(self, request, *args, **kwargs):
        """Log in as headless does, the verification stage skipped for this login."""
        self.input.login.email_verification = EmailVerificationMethod.NONE
        return super().post(request, *args, **kwargs)


class HeadlessLogoutView(SessionView):
    """headless's ``DELETE auth/session`` (ends the session behind the token), also
    answering POST: the lab's transports and ``logout/`` contract speak POST."""

    def post(self, request, *args, **kwargs):
        """headless's session DELETE, unchanged: log out, answer 401 (not authenticated)."""
        return self.delete(request, *args, **kwargs)


def login_view():
    """The app-client login view, as headless mounts it."""
    return HeadlessLoginView.as_api_view(client=Client.APP)


def logout_view():
    """The app-client session view (logout is its DELETE)."""
    return HeadlessLogoutView.as_api_view(client=Client.APP)
