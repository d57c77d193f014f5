"""The records the benchmark suites leave behind, each kind named once.

Every benchmark states what it measured as ``kind=Kind.X`` in pytest-benchmark's
``extra_info`` (from there into benchmark.json); :mod:`benchmarks.summary` reads the
records back by the same :class:`Kind`.
"""

from __future__ import annotations

import enum


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
