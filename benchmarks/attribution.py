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
from collections.abc import Callable, Iterable
from typing import Any

from benchmarks.records import Kind

#: The parts of a request's time, in the order of the ``extra_<part>_us`` fields.
PARTS = ("sql", "crypto", "rest")
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


def _timed(call: Callable[[], Any]) -> float:
    start = time.perf_counter()
    call()
    return time.perf_counter() - start


def attribute(
    send: Callable[[], Any],
    rounds: int,
    beside: Callable[[], Any] | None = None,
    baseline: Callable[[], Any] | None = None,
) -> dict[str, Any]:
    """Send ``rounds`` requests with both clocks on; per-request medians in µs.

    Returns ``attributed_total_us`` (the whole request, clocks included), ``sql_us``,
    ``crypto_us``, ``rest_us`` (each request's total minus its SQL and crypto) and
    ``attribution_rounds``. ``baseline``: the ``none`` request, sent (clocks on) beside
    each one, alternately after and before it; then ``extra_sql_us``,
    ``extra_crypto_us`` and ``extra_rest_us`` are the medians of the per-pair
    differences, so a machine whose speed drifts between two schemes' turns (the idle
    runs' ``none`` drifted by a third) cannot turn a part negative. ``beside``: a call
    timed alone beside each request, alternately after and before it (the password
    hasher's own verify, for Basic); then ``crypto_to_beside`` is the median of the
    per-pair ratios (``crypto_pair_ratios``), which a busy machine slows alike on both
    sides.
    """
    from django.db import connection

    from benchmarks.probes import entry_functions

    db = DbClock()
    own: list[tuple[float, float, float]] = []  # (total, sql, crypto) per request
    base: list[tuple[float, float, float]] = []
    besides: list[float] = []
    with CryptoClock(list(entry_functions())) as crypto, connection.execute_wrapper(db):

        def clocked(call: Callable[[], Any]) -> tuple[float, float, float]:
            db.seconds = 0.0
            crypto.reset()
            total = _timed(call)
            return total, db.seconds, crypto.seconds

        for index in range(max(1, rounds)):
            # The companions alternately after and before the request (A B, B A, ...):
            # a machine that speeds up or slows down during a pair tilts both ways.
            first = bool(index % 2)
            if first and baseline is not None:
                base.append(clocked(baseline))
            if first and beside is not None:
                besides.append(_timed(beside))
            own.append(clocked(send))
            if not first and beside is not None:
                besides.append(_timed(beside))
            if not first and baseline is not None:
                base.append(clocked(baseline))

    def us(values: Iterable[float]) -> float:
        return round(statistics.median(values) * 1e6, 3)

    def parts(total: float, sql: float, crypto_s: float) -> tuple[float, float, float]:
        return sql, crypto_s, total - sql - crypto_s

    out = {
        "attributed_total_us": us(t for t, _, _ in own),
        "sql_us": us(q for _, q, _ in own),
        "crypto_us": us(c for _, _, c in own),
        "rest_us": us(parts(*r)[2] for r in own),
        "attribution_rounds": len(own),
    }
    if base:
        pairs = [(parts(*a), parts(*b)) for a, b in zip(own, base, strict=True)]
        out["baseline_total_us"] = us(t for t, _, _ in base)
        for i, part in enumerate(PARTS):
            out[f"extra_{part}_us"] = us(a[i] - b[i] for a, b in pairs)
    if besides:
        out["beside_us"] = us(besides)
        ratios = [c / b for (_, _, c), b in zip(own, besides, strict=True) if b > 0]
        out["crypto_pair_ratios"] = [round(r, 4) for r in ratios]
        out["crypto_to_beside"] = round(statistics.median(ratios), 4) if ratios else None
    return out


def rounds_for(seconds_per_request: float, budget_s: float, slow_rounds: int) -> int:
    """Requests to attribute within about ``budget_s`` (a slow request: ``slow_rounds``)."""
    if seconds_per_request >= 0.05:
        return slow_rounds
    return max(5, min(2000, int(budget_s / max(seconds_per_request, 1e-6))))


#: Basic's attributed crypto must agree with its hasher's own verify within this.
CRYPTO_CHECK_TOLERANCE_PCT = 5.0
#: How the split is made, for the ``attribution`` object of summary.json.
METHOD = (
    "an untimed run after the timed rounds, each request paired with a none request "
    "(alternately after and before it): per part, the median of the per-pair "
    "differences; sql = time inside the DB driver (connection.execute_wrapper), crypto = "
    "time inside the outermost crypto entry point (sys.monitoring), rest = the request's "
    "total minus both; their sum is close to, not equal to, the request's extra over "
    "none in the timed rounds (other rounds, medians of differences)"
)


def _record(records: list[dict[str, Any]], kind: str, **match: Any) -> dict[str, Any] | None:
    for r in records:
        if r.get("kind") == kind and all(r.get(k) == v for k, v in match.items()):
            return r
    return None


def extra_costs(records: list[dict[str, Any]], scheme: str, baseline: str) -> dict[str, Any]:
    """``extra_sql_us``, ``extra_crypto_us``, ``extra_rest_us`` of ``scheme`` over ``baseline``:
    the paired differences :func:`attribute` measured beside ``baseline``'s request (the
    baseline's own: 0); ``None`` where a part was not measured."""
    if scheme == baseline:
        return {f"extra_{part}_us": 0.0 for part in PARTS}
    get = _record(records, Kind.REQUEST, scheme=scheme, method="GET") or {}
    return {f"extra_{part}_us": get.get(f"extra_{part}_us") for part in PARTS}


def crypto_check(records: list[dict[str, Any]], scheme: str = "basic") -> dict[str, Any] | None:
    """Basic's attributed crypto against the default hasher's own verify, timed alone
    beside each attributed request, alternately after and before it: ``ratio`` is the
    median of the per-pair ratios (``pair_ratios``), not the quotient of the two
    medians shown beside it, which a hash whose speed drifts between pairs (0.5-0.9 s
    here) can pull apart.

    ``None`` when that was not measured (a run without Basic).
    """
    get = _record(records, Kind.REQUEST, scheme=scheme, method="GET")
    if not get or get.get("crypto_to_beside") is None:
        return None
    ratio = get["crypto_to_beside"]
    return {
        "scheme": scheme,
        "hasher": get.get("beside_hasher"),
        "attributed_crypto_us": get["crypto_us"],
        "hasher_verify_us": get["beside_us"],
        "ratio": ratio,
        "pair_ratios": get.get("crypto_pair_ratios"),
        "rounds": get.get("attribution_rounds"),
        "tolerance_pct": CRYPTO_CHECK_TOLERANCE_PCT,
        "agrees": abs(ratio - 1) * 100 <= CRYPTO_CHECK_TOLERANCE_PCT,
    }


def attribution_section(records: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``attribution`` object of summary.json: the method and Basic's crypto check."""
    return {"method": METHOD, "basic_crypto_check": crypto_check(records)}
