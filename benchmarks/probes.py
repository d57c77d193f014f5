"""Untimed probes run once beside each benchmark: SQL statements, crypto, bytes.

Crypto is observed, not declared: the call is profiled once and the crypto entry
points that actually ran (password hashers, JWT algorithms, Django signing, HMAC,
digests, constant-time compares) are named and counted.
"""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from results.provenance import hasher_params

WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
COMPARE = "constant-time compare"
#: C-level primitives, matched in the profiler's names of built-in functions.
PRIMITIVES = (
    ("pbkdf2_hmac", "PBKDF2-HMAC"),
    ("_hashlib.scrypt", "scrypt"),
    ("argon2", "Argon2"),
    ("checkpw", "bcrypt"),
    ("hashpw", "bcrypt"),
    ("hmac_new", "HMAC"),
    ("hmac_digest", "HMAC"),
    ("openssl_sha1", "SHA-1"),
    ("openssl_sha256", "SHA-256"),
    ("openssl_sha512", "SHA-512"),
    ("openssl_md5", "MD5"),
    ("compare_digest", "constant-time compare"),  # = COMPARE
    ("'verify' of 'cryptography", "public-key signature verify"),
    ("'sign' of 'cryptography", "public-key signature"),
)


def capture_queries(fn: Callable[[], Any]) -> tuple[Any, list[str]]:
    """Call ``fn`` once and return its result and the SQL statements it ran."""
    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return result, [q["sql"] for q in captured.captured_queries]


def writes(statements: list[str]) -> list[str]:
    """The statements that change data (INSERT, UPDATE, DELETE)."""
    return [s for s in statements if s.lstrip().upper().startswith(WRITE_VERBS)]


def _describe_params(params: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in params.items())


def entry_functions() -> dict[Callable[..., Any], str]:
    """Python-level crypto functions (the entry points) and their labels."""
    import jwt.algorithms
    from django.contrib.auth.hashers import get_hashers
    from django.core import signing
    from django.utils import crypto

    from schemes import caching

    points: dict[Any, str] = {}
    for hasher in get_hashers():
        params = _describe_params(hasher_params(hasher))
        points[type(hasher).verify] = f"password hash verify: {hasher.algorithm} ({params})"
    for name in ("HMACAlgorithm", "RSAAlgorithm", "RSAPSSAlgorithm", "ECAlgorithm", "OKPAlgorithm"):
        cls = getattr(jwt.algorithms, name, None)
        if cls is not None:
            # verify() only: HMAC's verify calls sign() to recompute the MAC.
            points[cls.verify] = f"JWT signature verify ({name.removesuffix('Algorithm')})"
    points[signing.Signer.unsign] = "Django signing: HMAC-SHA256 unsign"
    points[crypto.salted_hmac] = "salted_hmac (HMAC-SHA256)"
    # The cached variants' keyed cache keys: salted_hmac's HMAC with its key derived once.
    points[caching.keyed_hash] = "keyed cache key (HMAC-SHA256)"
    try:
        from knox.crypto import hash_token
    except ImportError:
        pass
    else:
        points[hash_token] = "knox hash_token (SHA-512)"
    return points


def _entry_points() -> dict[tuple[str, int, str], str]:
    """The entry points, keyed the way cProfile names them."""
    keys: dict[tuple[str, int, str], str] = {}
    for fn, label in entry_functions().items():
        code = getattr(fn, "__code__", None)
        if code is not None:
            keys[(code.co_filename, code.co_firstlineno, code.co_name)] = label
    return keys


def observe_crypto(fn: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    """Call ``fn`` once under the profiler; return its result and the crypto that ran.

    The facts: ``crypto`` (the entry points, one line), ``crypto_calls`` (entry
    points and primitives with their call counts).
    """
    profile = cProfile.Profile()
    result = profile.runcall(fn)
    stats = pstats.Stats(profile).stats  # type: ignore[attr-defined]
    entries = _entry_points()
    seen: dict[str, int] = {}
    primitives: dict[str, int] = {}
    for key, (_cc, ncalls, *_rest) in stats.items():
        if key in entries:
            seen[entries[key]] = seen.get(entries[key], 0) + ncalls
        elif key[0] == "~":
            for needle, label in PRIMITIVES:
                if needle in key[2]:
                    primitives[label] = primitives.get(label, 0) + ncalls
                    break
    # Entry points say what ran; the primitives under them only when none matched
    # (a scheme of the user's own), and constant-time compares always.
    names = sorted(seen) or sorted(primitives)
    if seen and COMPARE in primitives:
        names.append(COMPARE)
    return result, {"crypto": "; ".join(names), "crypto_calls": {**seen, **primitives}}


def timed_once(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Call ``fn`` once; return its result and the seconds it took."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def probe_request(send: Callable[[], Any]) -> tuple[Any, dict[str, Any], float]:
    """Send one untimed request: return the response, its facts and its duration.

    Facts: ``queries`` and ``sql`` (statements), ``crypto`` and ``crypto_calls``,
    ``response_headers`` (lines, Content-Length left out) and ``response_head_bytes``.
    The duration includes the profiler's overhead: an upper bound, used only to pick
    the rounds policy.
    """
    start = time.perf_counter()
    (response, crypto), statements = capture_queries(lambda: observe_crypto(send))
    seconds = time.perf_counter() - start
    facts = {
        "queries": len(statements),
        "sql": statements,
        **crypto,
        "response_headers": response.header_lines(skip=frozenset({"content-length"})),
        "response_head_bytes": response.head_bytes,
    }
    return response, facts, seconds


class Counted:
    """Wrap a timed function: count the calls, check and keep the first answer.

    For calls timed without a probe (a password hash each): the first answer is
    verified (the test checks the last one, which the benchmark returns), and
    facts collected over all rounds (SQL) are divided by :attr:`calls`. Checking
    only the first keeps the check's own cost out of fast rounds.
    """

    def __init__(self, fn: Callable[[], Any], check: Callable[[Any], Any] | None = None):
        self.fn, self.check = fn, check
        self.calls = 0
        self.first: Any = None

    def __call__(self) -> Any:
        """Call and count; check the first answer."""
        result = self.fn()
        if self.calls == 0:
            if self.check is not None:
                self.check(result)
            self.first = result
        self.calls += 1
        return result
