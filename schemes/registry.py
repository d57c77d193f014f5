"""The ordered registry of schemes: the built-in ones, then any named in settings.

``AUTHLAB_SCHEMES`` (default: :data:`BUILTIN`) and ``AUTHLAB_EXTRA_SCHEMES`` hold
dotted paths to :class:`~schemes.base.Scheme` subclasses. The registry is built
lazily and rebuilt when either setting changes (``override_settings`` works).
"""

from __future__ import annotations

from functools import cache

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from schemes.base import BASELINE, FAMILIES, Scheme

#: The lab's schemes, in report order; ``none`` (the baseline) first.
BUILTIN = (
    "schemes.none.NoneScheme",
    "schemes.basic.BasicScheme",
    "schemes.session.SessionScheme",
    "schemes.drf_token.TokenScheme",
    "schemes.jwt_user.JWTScheme",
    "schemes.jwt_stateless.JWTStatelessScheme",
    "schemes.knox_token.KnoxScheme",
    "schemes.api_key.APIKeyScheme",
    "schemes.jwe.JWEScheme",
    "schemes.oauth2.OAuth2Scheme",
    "schemes.oidc.OIDCScheme",
    # issue 14 (allauth headless, JWT in cookies, signed-cookie sessions):
    "schemes.allauth_session.AllauthSessionScheme",
    "schemes.allauth_jwt.AllauthJWTScheme",
    "schemes.jwt_cookie.JWTCookieScheme",
    "schemes.session_signed.SignedSessionScheme",
    # tuned variants (issue 17)
    "schemes.token_cached.TokenCachedScheme",
    "schemes.knox_direct.KnoxDirectScheme",
    "schemes.basic_cached.BasicCachedScheme",
    "schemes.session_cache.SessionCacheScheme",
    "schemes.jwt_short.JWTShortScheme",
)
__all__ = ["BASELINE", "BUILTIN", "all_schemes", "baseline", "get", "names"]


def _load(dotted_path: str) -> Scheme:
    cls = import_string(dotted_path)
    if not (isinstance(cls, type) and issubclass(cls, Scheme)):
        raise ImproperlyConfigured(f"{dotted_path} is not a schemes.base.Scheme subclass")
    if getattr(cls, "family", None) not in FAMILIES:
        raise ImproperlyConfigured(
            f"{dotted_path}.family must be one of {', '.join(FAMILIES)}, "
            f"not {getattr(cls, 'family', None)!r}"
        )
    return cls()


@cache
def _registry() -> dict[str, Scheme]:
    paths = [
        *getattr(settings, "AUTHLAB_SCHEMES", BUILTIN),
        *getattr(settings, "AUTHLAB_EXTRA_SCHEMES", ()),
    ]
    registry: dict[str, Scheme] = {}
    for dotted_path in paths:
        scheme = _load(dotted_path)
        if scheme.name in registry:
            raise ImproperlyConfigured(f"two schemes are named {scheme.name!r}")
        registry[scheme.name] = scheme
    return registry


def all_schemes() -> list[Scheme]:
    """Return every registered scheme, in order."""
    return list(_registry().values())


def names() -> list[str]:
    """Return the names of every registered scheme, in order."""
    return list(_registry())


def session_engines() -> dict[str, str]:
    """Scheme name -> its own session engine, for the schemes that name one."""
    return _session_engines()


@cache
def _session_engines() -> dict[str, str]:
    return {s.name: s.session_engine for s in _registry().values() if s.session_engine}


def get(name: str) -> Scheme:
    """Return the scheme called ``name``; ``KeyError`` if there is none."""
    return _registry()[name]


def baseline() -> Scheme:
    """Return the baseline scheme (:attr:`Scheme.is_baseline`)."""
    return get(BASELINE)


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs) -> None:
    if setting in {"AUTHLAB_SCHEMES", "AUTHLAB_EXTRA_SCHEMES"}:
        _registry.cache_clear()
        _session_engines.cache_clear()
