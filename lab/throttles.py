"""Login throttling that holds across gunicorn workers, proxies and every password check.

Two limits, both at the ``login`` rate, both counted per client IP in the ``throttle``
cache (shared by every worker, see ``CACHES`` in lab/settings/base.py):

- :class:`LoginRateThrottle`: every request to a view that issues a credential or
  sends an email (DRF's ScopedRateThrottle, on the shared cache);
- :class:`PasswordFailureThrottle`: *failed* password checks, wherever Django's
  ``authenticate()`` runs (the schemes' login/, dj-rest-auth, Basic, /api-auth/,
  /admin/). :class:`PasswordGuessingGuard`, the first authentication backend, refuses
  every check from a client past the limit, the right password included, so a guess
  cannot be confirmed during the window. Successful checks are never counted: Basic's
  ordinary requests pay one cache read and are never throttled.

The client IP is DRF's ``get_ident``: ``REMOTE_ADDR`` unless ``NUM_PROXIES`` (default 0)
says how many proxies in front of the lab append to ``X-Forwarded-For``.
"""

from __future__ import annotations

import functools

from django.contrib.auth.signals import user_login_failed
from django.core.cache import caches
from django.dispatch import receiver
from django.http import JsonResponse
from rest_framework.exceptions import Throttled
from rest_framework.throttling import ScopedRateThrottle, SimpleRateThrottle

from schemes.views import THROTTLE_CACHE

#: The cache alias every throttle counts in (one store for all workers).
CACHE_ALIAS = THROTTLE_CACHE


class PasswordGuessingThrottled(Throttled):
    """Too many failed password checks from this client: 429 with ``Retry-After``."""

    default_detail = "Too many failed password checks from this address; try again later."


class PasswordFailureThrottle(SimpleRateThrottle):
    """Failed password checks per client IP, at the ``login`` rate, sliding window."""

    scope = "login"
    cache_format = "throttle_password_failures_%(ident)s"

    @property
    def cache(self):
        """The shared cache, looked up per use so ``override_settings`` applies."""
        return caches[CACHE_ALIAS]

    def get_rate(self) -> str | None:
        """The ``login`` rate, read from ScopedRateThrottle so one patch changes both."""
        return ScopedRateThrottle.THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view=None) -> str:
        """One history per client IP."""
        return self.cache_format % {"ident": self.get_ident(request)}

    def recent_failures(self, request) -> list[float]:
        """Timestamps of this client's failures still inside the window (newest first)."""
        self.key = self.get_cache_key(request)
        self.now = self.timer()
        history = self.cache.get(self.key, [])
        return [t for t in history if t > self.now - self.duration]

    def refusal_wait(self, request) -> float | None:
        """Seconds until this client may try a password again, or ``None`` if it may now."""
        if self.rate is None:
            return None
        self.history = self.recent_failures(request)
        if len(self.history) < self.num_requests:
            return None
        return max(self.duration - (self.now - self.history[-1]), 1.0)

    def record_failure(self, request) -> None:
        """Count one failed password check for this client."""
        if self.rate is None:
            return
        history = self.recent_failures(request)
        self.cache.set(self.key, [self.now, *history], self.duration)


class PasswordGuessingGuard:
    """First authentication backend: refuse any password check from a client past the
    failure limit (raises :class:`PasswordGuessingThrottled`); never authenticates.

    Raising anything but PermissionDenied stops Django's ``authenticate()`` before any
    other backend checks the password; DRF turns it into a 429, and
    :func:`refuse_when_throttled` does the same for Django's own login views.
    """

    def authenticate(self, request, **credentials):
        """Raise when the client is locked out; otherwise let the next backend decide."""
        if request is None:  # manage.py, the shell: no client to count
            return None
        wait = PasswordFailureThrottle().refusal_wait(request)
        if wait is not None:
            raise PasswordGuessingThrottled(wait=wait)
        return None

    # No get_user(): Django's force_login() and login() pick the first backend that has
    # one, and a session must never be attributed to this one.


@receiver(user_login_failed, dispatch_uid="authlab-count-password-failures")
def count_password_failure(sender, credentials, request=None, **kwargs) -> None:
    """Count every failed ``authenticate()`` that came from a client request.

    A check the guard refused sends no signal, so a client hammering past the limit
    does not grow its history without bound.
    """
    if request is None:
        return
    PasswordFailureThrottle().record_failure(request)


def refuse_when_throttled(view):
    """Wrap a Django (non-DRF) login view: a locked-out client gets a 429 JSON answer."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except PasswordGuessingThrottled as exc:
            response = JsonResponse({"detail": str(exc.detail)}, status=exc.status_code)
            response["Retry-After"] = str(int(exc.wait or 1))
            return response

    return wrapped
