"""Claim 11's evidence (``summary.json`` ``evidence.third_party_jwt``): a token signed by
a separate issuer process, verified by the lab against the JWKS it fetched, with the
first request (empty key cache: one JWKS fetch) and the cached ones timed beside ``none``.
The fetches are the issuer's own count of the JWKS requests it answered.
"""

from __future__ import annotations

import base64
import urllib.request
from typing import Any

#: The client address of these requests (benchmarks/evidence.py uses 10.77.0.1-14).
ADDRESS = "10.77.0.21"


def _client():
    from django.test import Client

    return Client(enforce_csrf_checks=True, REMOTE_ADDR=ADDRESS)


def _obtain(scheme):
    from lab.seed import SEED_PASSWORD, seed_username
    from schemes.transports import DjangoClientTransport

    return scheme.obtain(DjangoClientTransport(_client()), seed_username(1), SEED_PASSWORD)


#: Rounds of the third-party token timings (each first request starts from an empty cache).
THIRD_PARTY_ROUNDS = 15


def _timed(client, scheme, headers, before=None) -> tuple[list[float], list[int]]:
    """µs and statuses of :data:`THIRD_PARTY_ROUNDS` GETs, ``before()`` run untimed first."""
    import time

    times, statuses = [], []
    for _ in range(THIRD_PARTY_ROUNDS):
        if before:
            before()
        start = time.perf_counter()
        statuses.append(client.get(scheme.url("whoami"), headers=headers).status_code)
        times.append((time.perf_counter() - start) * 1e6)
    return times, statuses


def third_party_jwt() -> dict[str, Any]:
    """Claim 11: per scheme declaring a third-party issuer, a token from it verified by
    the lab: who signed it (the issuer's process), the JWKS fetched on a first request
    (empty cache) and not on the cached ones, each timed beside ``none``."""
    import os

    from results.stats import median_iqr
    from schemes import registry

    out = {}
    for scheme in [s for s in registry.all_schemes() if s.properties.issuer]:
        keys, conf = _issuer_parts(scheme)
        token = _obtain(scheme).headers_for("GET")
        client, none = _client(), registry.baseline()
        stats = _issuer_stats(conf)
        first, first_statuses = _timed(client, scheme, token, keys.clear)
        after_first = _issuer_stats(conf)["jwks"]
        cached, cached_statuses = _timed(client, scheme, token)
        after_cached = _issuer_stats(conf)["jwks"]
        baseline, _ = _timed(client, none, {})
        header = _header(token)

        def figures(times: list[float], statuses: list[int], fetches: int) -> dict[str, Any]:
            median, spread = median_iqr(times)
            return {
                "statuses_ok": all(status == 200 for status in statuses),
                "jwks_fetches_per_request": fetches / len(times),
                "median_us": median,
                "iqr_us": spread,
                "rounds": len(times),
            }

        out[scheme.name] = {
            "issuer_pid": stats["pid"],
            "lab_pid": os.getpid(),
            "separate_process": stats["pid"] != os.getpid(),
            "algorithm": header.get("alg"),
            "token_kid_published": header.get("kid") in stats["kids"],
            "token_bytes": len(token.get("Authorization", "").partition(" ")[2]),
            "first_request": figures(first, first_statuses, after_first - stats["jwks"]),
            "cached_request": figures(cached, cached_statuses, after_cached - after_first),
            "none_request": dict(zip(("median_us", "iqr_us"), median_iqr(baseline), strict=True)),
            "jwks_bytes": _jwks_bytes(conf),
        }
    return out


def _issuer_parts(scheme):
    """The scheme's key cache and resolved settings (schemes/oidc_keys.py)."""
    from schemes import oidc_keys

    return oidc_keys.KEYS, oidc_keys.config()


def _header(headers: dict[str, str]) -> dict[str, Any]:
    import jwt

    return jwt.get_unverified_header(headers.get("Authorization", "").partition(" ")[2])


def _issuer_stats(conf: dict[str, Any]) -> dict[str, Any]:
    """The issuer's own counts, as its client (the JWKS requests it has answered)."""
    from infra import issuer
    from schemes.oidc_keys import fetch

    secret = issuer.client_secret(conf["URL"])
    basic = base64.b64encode(f"{issuer.CLIENT_ID}:{secret}".encode()).decode()
    url = issuer.public_url(conf["URL"]) + "/admin/stats"
    return fetch(url, timeout=5, limit=65536, headers={"Authorization": f"Basic {basic}"})


def _jwks_bytes(conf: dict[str, Any]) -> int:
    """Bytes of the JWKS body (one more fetch, counted by the issuer, not by the figures)."""
    from infra import issuer

    url = issuer.public_url(conf["URL"]) + "/jwks.json"
    with urllib.request.urlopen(url, timeout=5) as response:
        return len(response.read())
