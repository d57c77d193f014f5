"""Where a request's µs go: wall time inside the database driver and inside crypto.

Run untimed after a scheme's timed GET (the clocks cost a little, so they never run
inside timed rounds). SQL: :meth:`django.db.backends.base.base.BaseDatabaseWrapper.
execute_wrapper` around every statement. Crypto: ``sys.monitoring`` start/return
events on the code objects of the crypto entry points :mod:`benchmarks.probes` names
(password hashers' ``verify``, JWT signature checks, Django signing, ``salted_hmac``,
knox's ``hash_token``), so a function imported by name elsewhere is seen too; only
the outermost entry point counts (HMAC ``verify`` calls ``sign``).
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

from benchmarks.records import Kind

#: A sys.monitoring tool id for the crypto clock (ids 0-5 are for tools; 5 is free
#: by convention: 0 debugger, 1 coverage, 2 profiler, 3-4 optimisers).
TOOL_ID = 5


class DbClock:
    """``execute_wrapper`` that adds the seconds spent inside the driver to :attr:`seconds`."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        """Time one statement."""
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - start


class CryptoClock:
    """Seconds spent inside the outermost crypto entry point, summed in :attr:`seconds`."""

    def __init__(self, functions: list[Callable[..., Any]]) -> None:
        self.codes = [f.__code__ for f in functions if hasattr(f, "__code__")]
        self.seconds = 0.0
        self._depth = 0
        self._start = 0.0

    def reset(self) -> None:
        """Zero the clock (and a depth left by an entry point that raised)."""
        self.seconds, self._depth = 0.0, 0

    def _enter(self, code, offset):
        if self._depth == 0:
            self._start = time.perf_counter()
        self._depth += 1

    def _leave(self, code, offset, value):
        self._depth -= 1
        if self._depth == 0:
            self.seconds += time.perf_counter() - self._start

    def __enter__(self) -> CryptoClock:
        mon = sys.monitoring
        mon.use_tool_id(TOOL_ID, "authlab crypto clock")
        mon.register_callback(TOOL_ID, mon.events.PY_START, self._enter)
        mon.register_callback(TOOL_ID, mon.events.PY_RETURN, self._leave)
        for code in self.codes:
            mon.set_local_events(TOOL_ID, code, mon.events.PY_START | mon.events.PY_RETURN)
        return self

    def __exit__(self, *exc) -> None:
        mon = sys.monitoring
        for code in self.codes:
            mon.set_local_events(TOOL_ID, code, mon.events.NO_EVENTS)
        mon.register_callback(TOOL_ID, mon.events.PY_START, None)
        mon.register_callback(TOOL_ID, mon.events.PY_RETURN, None)
        mon.free_tool_id(TOOL_ID)


def attribute(send: Callable[[], Any], rounds: int) -> dict[str, Any]:
    """Send ``rounds`` requests with both clocks on; per-request medians in µs.

    Returns ``attributed_total_us`` (the whole request, clocks included),
    ``sql_us``, ``crypto_us`` and ``attribution_rounds``.
    """
    from django.db import connection

    from benchmarks.probes import entry_functions

    db = DbClock()
    totals, sqls, cryptos = [], [], []
    with CryptoClock(list(entry_functions())) as crypto, connection.execute_wrapper(db):
        for _ in range(max(1, rounds)):
            db.seconds = 0.0
            crypto.reset()
            start = time.perf_counter()
            send()
            totals.append(time.perf_counter() - start)
            sqls.append(db.seconds)
            cryptos.append(crypto.seconds)

    def us(values: list[float]) -> float:
        return round(statistics.median(values) * 1e6, 3)

    return {
        "attributed_total_us": us(totals),
        "sql_us": us(sqls),
        "crypto_us": us(cryptos),
        "attribution_rounds": len(totals),
    }


def rounds_for(seconds_per_request: float, budget_s: float, slow_rounds: int) -> int:
    """Requests to attribute within about ``budget_s`` (a slow request: ``slow_rounds``)."""
    if seconds_per_request >= 0.05:
        return slow_rounds
    return max(5, min(2000, int(budget_s / max(seconds_per_request, 1e-6))))


#: Basic's attributed crypto must agree with its hasher's own verify within this.
CRYPTO_CHECK_TOLERANCE_PCT = 5.0
#: How the split is made, for the ``attribution`` object of summary.json.
METHOD = (
    "extra = request_us - none.request_us; sql and crypto: per-request medians of an "
    "untimed run after the timed rounds (SQL: time inside the DB driver via "
    "connection.execute_wrapper; crypto: time inside the outermost crypto entry point "
    "via sys.monitoring), each minus none's; rest = extra - sql - crypto"
)


def _record(records: list[dict[str, Any]], kind: str, **match: Any) -> dict[str, Any] | None:
    for r in records:
        if r.get("kind") == kind and all(r.get(k) == v for k, v in match.items()):
            return r
    return None


def _diff(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None else round(a - b, 3)


def extra_costs(records: list[dict[str, Any]], scheme: str, baseline: str) -> dict[str, Any]:
    """``extra_sql_us``, ``extra_crypto_us``, ``extra_rest_us`` of ``scheme`` over ``baseline``
    (``None`` where a part was not measured)."""
    get = _record(records, Kind.REQUEST, scheme=scheme, method="GET") or {}
    base = _record(records, Kind.REQUEST, scheme=baseline, method="GET") or {}
    extra = _diff(get.get("median_us"), base.get("median_us"))
    sql = _diff(get.get("sql_us"), base.get("sql_us"))
    crypto = _diff(get.get("crypto_us"), base.get("crypto_us"))
    rest = None if None in (extra, sql, crypto) else round(extra - sql - crypto, 3)
    return {"extra_sql_us": sql, "extra_crypto_us": crypto, "extra_rest_us": rest}


def crypto_check(records: list[dict[str, Any]], scheme: str = "basic") -> dict[str, Any] | None:
    """Basic's attributed crypto against the default hasher's own verify (timed alone).

    ``None`` when either was not measured (a run without Basic or the hashers).
    """
    get = _record(records, Kind.REQUEST, scheme=scheme, method="GET")
    hasher = _record(records, Kind.HASHER_VERIFY, default=True)
    if not get or not hasher or get.get("crypto_us") is None or not hasher.get("median_us"):
        return None
    ratio = get["crypto_us"] / hasher["median_us"]
    return {
        "scheme": scheme,
        "hasher": hasher.get("hasher"),
        "attributed_crypto_us": get["crypto_us"],
        "hasher_verify_us": hasher["median_us"],
        "ratio": round(ratio, 4),
        "tolerance_pct": CRYPTO_CHECK_TOLERANCE_PCT,
        "agrees": abs(ratio - 1) * 100 <= CRYPTO_CHECK_TOLERANCE_PCT,
    }


def attribution_section(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``attribution`` object of summary.json: the method and Basic's crypto check."""
    return {"method": METHOD, "basic_crypto_check": crypto_check(records)}
