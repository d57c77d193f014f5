"""The records the benchmark suites leave behind: one kind name each, one way to write them.

Every benchmark states what it measured through :func:`record` (its facts go to
pytest-benchmark's ``extra_info`` and from there into benchmark.json);
:mod:`benchmarks.summary` reads them back by the same :class:`Kind`.
"""

from __future__ import annotations

import enum
from typing import Any


class Kind(enum.StrEnum):
    """What a benchmark record measured (its ``kind`` in benchmark.json)."""

    REQUEST = "request"
    FLOOR = "floor"
    BASELINE_END = "baseline_end"
    AUTHENTICATE = "authenticate"
    LOGIN = "login"
    HASHER_VERIFY = "hasher_verify"
    HASHER_BASIC_REQUEST = "hasher_basic_request"
    JWT_SIGN = "jwt_sign"
    JWT_VERIFY = "jwt_verify"
    JWT_CLAIMS = "jwt_claims"
    SESSION_ENGINE = "session_engine"
    KNOX_TOKENS = "knox_tokens"
    CONN_MAX_AGE = "conn_max_age"
    MIDDLEWARE = "middleware"
    BACKENDS = "backends"
    ENUMERATION = "enumeration"


def record(benchmark, kind: Kind, **facts: Any) -> None:
    """Label ``benchmark``'s result as ``kind`` with ``facts`` (scheme, queries, bytes...)."""
    benchmark.extra_info.update(kind=str(kind), **facts)
