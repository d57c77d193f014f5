"""The ordered registry of schemes: the built-in ones, then any named in settings.

``AUTHLAB_SCHEMES`` (default: :data:`BUILTIN`) and ``AUTHLAB_EXTRA_SCHEMES`` hold
dotted paths to :class:`~schemes.base.Scheme` subclasses. The registry is built
lazily and rebuilt when either setting changes (``override_settings`` works).
"""

from __future__ import annotations

from functools import cache
from importlib import import_module
from types import ModuleType

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from schemes.base import Scheme

#: The lab's schemes, in report order; ``none`` (the baseline) first.
BUILTIN = (
    "schemes.none.NoneScheme",
    "schemes.basic.BasicScheme",
    "schemes.session.SessionScheme",
    "schemes.drf_token.TokenScheme",
    "schemes.jwt_user.JWTScheme",
    "schemes.jwt_stateless.JWTStatelessScheme",
    "schemes.knox_token.KnoxScheme",
    # tuned variants (issue 17)
    "schemes.token_cached.TokenCachedScheme",
    "schemes.knox_direct.KnoxDirectScheme",
    "schemes.basic_cached.BasicCachedScheme",
    "schemes.session_cache.SessionCacheScheme",
    "schemes.jwt_short.JWTShortScheme",
)
BASELINE = "none"


def _load(dotted_path: str) -> Scheme:
    cls = import_string(dotted_path)
    if not (isinstance(cls, type) and issubclass(cls, Scheme)):
        raise ImproperlyConfigured(f"{dotted_path} is not a schemes.base.Scheme subclass")
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


def get(name: str) -> Scheme:
    """Return the scheme called ``name``; ``KeyError`` if there is none."""
    return _registry()[name]


@cache
def session_engines() -> dict[str, ModuleType]:
    """Scheme name -> the session engine module it asks for under its own prefix."""
    return {s.name: import_module(s.session_engine) for s in all_schemes() if s.session_engine}


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs) -> None:
    if setting in {"AUTHLAB_SCHEMES", "AUTHLAB_EXTRA_SCHEMES"}:
        _registry.cache_clear()
        session_engines.cache_clear()
