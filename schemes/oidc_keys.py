"""The ``oidc`` scheme's side of the issuer: where it is, its JWKS cached, its token endpoint.

Why not PyJWT's ``PyJWKClient``: it refetches the JWKS for every unknown ``kid`` (a
hostile token naming random kids makes the lab hammer the issuer) and reads the body
without a size limit. :class:`KeyCache` keeps PyJWT's key parsing (``PyJWKSet``) and adds
the bounds: a total deadline and a byte cap on each fetch, at most one unknown-kid
refetch per ``REFETCH_MIN_S``, and stale keys kept while the issuer is unreachable.
Its clock is ``time.time`` (the tests move it with time-machine).
"""

from __future__ import annotations

import base64
import json
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import jwt
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from schemes import oidc_protocol as protocol

#: No proxy: the issuer is on loopback, and a proxy would blur the fetch being measured.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class IssuerUnavailable(Exception):
    """The issuer did not answer in time, answered too much, or answered nonsense."""


def config() -> dict[str, Any]:
    """``AUTHLAB_OIDC`` with ``URL`` resolved: when none is named, the callable the
    ``START`` setting names (by dotted path: the issuer service is the project's, not
    the scheme's) starts one and returns its URL."""
    conf = dict(settings.AUTHLAB_OIDC)
    conf["URL"] = conf["URL"] or import_string(conf["START"])()
    conf["ISSUER"] = conf["ISSUER"] or protocol.public_url(conf["URL"])
    return conf


def fetch(url: str, *, timeout: float, limit: int, data: bytes | None = None, headers=None):
    """GET (or POST ``data`` to) ``url``; the JSON answer, read within ``timeout`` seconds
    in all and at most ``limit`` bytes; :class:`IssuerUnavailable` otherwise."""
    # http:// only: the URL is the lab's own setting plus a fixed path.
    request = urllib.request.Request(url, data=data, headers=headers or {})  # noqa: S310
    deadline = time.monotonic() + timeout
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            raw = b""
            while chunk := response.read(min(16384, limit + 1 - len(raw))):
                raw += chunk
                if len(raw) > limit:
                    raise IssuerUnavailable(f"answer over {limit} bytes")
                if time.monotonic() > deadline:
                    raise IssuerUnavailable(f"answer not read within {timeout} s")
            return json.loads(raw)
    except urllib.error.HTTPError as exc:
        raise IssuerUnavailable(f"HTTP {exc.code}") from exc
    except (OSError, ValueError) as exc:  # refused, timed out, reset, not JSON
        raise IssuerUnavailable(f"{type(exc).__name__}: {exc}") from exc


@dataclass
class Fetched:
    """What one JWKS fetch gave: keys by kid and when."""

    keys: dict[str, jwt.PyJWK]
    at: float


class KeyCache:
    """The issuer's public keys by ``kid``, fetched when needed and bounded (see module)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.fetched: Fetched | None = None
        self.last_attempt: float | None = None
        #: JWKS fetches attempted by this process (the evidence counts them).
        self.fetches = 0

    def clear(self) -> None:
        """Forget every key (the next token fetches the JWKS)."""
        with self.lock:
            self.fetched, self.last_attempt = None, None

    def key(self, kid: str, conf: dict[str, Any]) -> jwt.PyJWK:
        """The key named ``kid``; :class:`IssuerUnavailable` when there is no usable key
        set, ``KeyError`` when the issuer does not publish ``kid``."""
        now = time.time()
        ttl, usable = conf["KEYS_TTL_S"], conf["KEYS_TTL_S"] + conf["STALE_S"]
        with self.lock:
            got = self.fetched
            wanted = got is None or not 0 <= now - got.at < ttl or kid not in got.keys
            if wanted and self._may_fetch(now, conf):
                self.last_attempt = now
                try:
                    self.fetched = got = self._fetch(conf, now)
                except IssuerUnavailable:
                    if got is None or not 0 <= now - got.at < usable:
                        raise
            if got is None or not 0 <= now - got.at < usable:
                raise IssuerUnavailable("no usable key set: the issuer was not reachable")
            return got.keys[kid]

    def _may_fetch(self, now: float, conf: dict[str, Any]) -> bool:
        """At most one fetch attempt per ``REFETCH_MIN_S`` (a clock moved back allows one)."""
        last = self.last_attempt
        return last is None or not 0 <= now - last < conf["REFETCH_MIN_S"]

    def _fetch(self, conf: dict[str, Any], now: float) -> Fetched:
        self.fetches += 1
        url = protocol.public_url(conf["URL"]) + "/jwks.json"
        body = fetch(url, timeout=conf["TIMEOUT_S"], limit=conf["MAX_JWKS_BYTES"])
        try:
            keys = jwt.PyJWKSet.from_dict(body).keys
        except (jwt.PyJWTError, AttributeError, TypeError) as exc:
            raise IssuerUnavailable(f"not a usable JWKS: {exc}") from exc
        return Fetched({k.key_id: k for k in keys if k.key_id}, now)


#: One cache per process, shared by its threads.
KEYS = KeyCache()


@receiver(setting_changed)
def _reset(*, setting: str, **kwargs) -> None:
    if setting == "AUTHLAB_OIDC":
        KEYS.clear()


def request_token(user, auth_time: int) -> dict[str, Any]:
    """Ask the issuer for ``user``'s access token (the lab has checked the password);
    its answer ``{"access_token", "token_type", "expires_in"}``."""
    conf = config()
    secret = protocol.client_secret(conf["URL"])
    basic = base64.b64encode(f"{protocol.CLIENT_ID}:{secret}".encode()).decode()
    form = {
        "grant_type": protocol.GRANT,
        "subject": str(user.pk),
        "username": user.get_username(),
        "audience": conf["AUDIENCE"],
        "auth_time": str(auth_time),
        "expires_in": str(int(conf["LIFETIME"].total_seconds())),
    }
    return fetch(
        protocol.public_url(conf["URL"]) + "/token",
        data=urlencode(form).encode(),
        headers={"Authorization": f"Basic {basic}"},
        timeout=conf["TIMEOUT_S"],
        limit=conf["MAX_JWKS_BYTES"],
    )
