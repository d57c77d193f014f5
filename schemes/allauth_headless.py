"""What the two allauth headless schemes share: the token strategy, the login view
mounted under each scheme's prefix, and the session DELETE as ``logout/``.

``HEADLESS_TOKEN_STRATEGY`` is global, so one strategy serves both: allauth's own
JWT strategy, which already finds the session by ``X-Session-Token`` first, issuing
its access/refresh pair only for logins under the ``allauth-jwt`` prefix. A login
under ``allauth-session`` answers a session token alone, as allauth's default
``SessionTokenStrategy`` does (same ``create_session_token`` and ``lookup_session``).
"""

from __future__ import annotations

import json

from allauth.account.adapter import get_adapter as get_account_adapter
from allauth.account.app_settings import EmailVerificationMethod
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.headless.account.inputs import LoginInput
from allauth.headless.account.views import LoginView, SessionView
from allauth.headless.constants import Client
from allauth.headless.internal.restkit import inputs
from allauth.headless.internal.restkit.response import ErrorResponse
from allauth.headless.tokens.strategies.jwt import JWTTokenStrategy
from allauth.headless.tokens.views import RefreshTokenView
from django.http import JsonResponse

from schemes.base import API_PREFIX
from schemes.parsers import find_unrenderable

#: Logins under this prefix get allauth's JWT pair (schemes/allauth_jwt.py).
JWT_PREFIX = f"{API_PREFIX}allauth-jwt/"


class LabTokenStrategy(JWTTokenStrategy):
    """allauth's JWT strategy; access tokens only for the ``allauth-jwt`` scheme."""

    def create_access_token_payload(self, request):
        """The JWT pair under the allauth-jwt prefix, nothing (session token only) elsewhere."""
        if not request.path_info.startswith(JWT_PREFIX):
            return None
        return super().create_access_token_payload(request)

    def lookup_session(self, session_token: str):
        """The session behind ``session_token``; none for a token holding NUL, which
        PostgreSQL text cannot hold (its lookup was a 500; a real token never has one)."""
        if "\x00" in session_token:
            return None
        return super().lookup_session(session_token)


class JSONErrorsMixin:
    """Answer a missing method (405) and a body that is not a JSON object (400) with a
    JSON ``detail``, like every other view of the lab: headless answers both with an
    empty HTML response, and lets deep nesting (``RecursionError``) and lone surrogates
    (``UnicodeEncodeError`` in the user lookup) through as 500s."""

    def dispatch(self, request, *args, **kwargs):
        """headless's answer; a 401/403 also gets the lab's ``detail`` beside headless's
        own fields (a successful logout is headless's 401 "not authenticated")."""
        response = super().dispatch(request, *args, **kwargs)
        if response.status_code in (401, 403) and response["Content-Type"] == "application/json":
            body = json.loads(response.content)
            if isinstance(body, dict) and "detail" not in body:
                body["detail"] = (
                    "Not authenticated." if response.status_code == 401 else "Forbidden."
                )
                response.content = json.dumps(body).encode()
        return response

    def _parse_json(self, request):
        """headless's JSON body parsing, its refusals answered as JSON 400."""
        try:
            data = super()._parse_json(request)
            problem = find_unrenderable(data)  # 1e999, lone surrogates: the lab's parser rule
        except (ImmediateHttpResponse, RecursionError, ValueError):  # ValueError: 5000 digits
            problem = "not a JSON object"
        if problem:
            detail = {"detail": f"JSON parse error - {problem}."}
            raise ImmediateHttpResponse(response=JsonResponse(detail, status=400))
        return data

    def http_method_not_allowed(self, request, *args, **kwargs):
        """405 with ``Allow`` and a JSON ``detail``."""
        response = JsonResponse({"detail": f'Method "{request.method}" not allowed.'}, status=405)
        response["Allow"] = ", ".join(self._allowed_methods())
        return response


class UntrimmedLoginInput(LoginInput):
    """headless's login input with the password as typed: its CharField strips
    whitespace, so ``"secret "`` logged in as ``"secret"`` (simplejwt's form did too)."""

    password = inputs.CharField(strip=False)


class HeadlessLoginView(JSONErrorsMixin, LoginView):
    """allauth headless's app login, without the email-verification stage.

    The lab's accounts are seeded without EmailAddress rows, and every scheme's own
    ``login/`` checks the password only (``ACCOUNT_EMAIL_VERIFICATION`` is mandatory for
    the dj-rest-auth account flow). Everything else is headless's own login.
    """

    input_class = UntrimmedLoginInput

    def post(self, request, *args, **kwargs):
        """Log in as headless does, the verification stage skipped for this login."""
        self.input.login.email_verification = EmailVerificationMethod.NONE
        if not self.input.login.user.is_active:
            # allauth answers an inactive account with a redirect to its headed
            # "account_inactive" page, which a headless-only lab does not mount (a 500).
            error = get_account_adapter().validation_error("account_inactive")
            return ErrorResponse(request, exception=error)
        return super().post(request, *args, **kwargs)


class HeadlessLogoutView(JSONErrorsMixin, SessionView):
    """headless's ``DELETE auth/session`` (ends the session behind the token), also
    answering POST: the lab's transports and ``logout/`` contract speak POST."""

    def post(self, request, *args, **kwargs):
        """headless's session DELETE, unchanged: log out, answer 401 (not authenticated)."""
        return self.delete(request, *args, **kwargs)


class HeadlessRefreshView(JSONErrorsMixin, RefreshTokenView):
    """headless's token refresh (allauth-jwt)."""


def refresh_view():
    """The app-client token refresh view."""
    return HeadlessRefreshView.as_api_view(client=Client.APP)


def login_view():
    """The app-client login view, as headless mounts it."""
    return HeadlessLoginView.as_api_view(client=Client.APP)


def logout_view():
    """The app-client session view (logout is its DELETE)."""
    return HeadlessLogoutView.as_api_view(client=Client.APP)
