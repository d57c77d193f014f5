"""Where a request's instructions go: SQL and crypto counted by replaying them alone.

The wall-clock split (:mod:`benchmarks.attribution`) times SQL and crypto inside the
request. Under callgrind a region's total is all one can read, so the split is made by
replay: one warm GET of the scheme is run with both recorders on, which note every SQL
statement the request sends (``connection.execute_wrapper``: the SQL and its parameters)
and every outermost crypto entry point it calls (:func:`benchmarks.probes.entry_functions`,
with its arguments). The worker then counts two more regions per scheme: the statements
alone, re-sent through Django's cursor (``sql``), and the crypto calls alone, called
again with the same arguments (``crypto``). Both are what the request itself runs, minus
the ORM and the scheme around them; ``rest`` is the GET's instructions minus both. Each
part over ``none``'s is the scheme's extra cost in the deterministic currency, beside
the µs split (``extra_sql_us`` ...). A request whose statements cannot be replayed
(one raised when sent again) gets no split (null), never a wrong one.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: The region kinds the worker counts per scheme (GET only), beside the paths.
SQL, CRYPTO = "get-sql", "get-crypto"
#: summary.json fields (results.schema.INSTRUCTION_PART_FIELDS), per scheme.
FIELDS = ("extra_sql_instructions", "extra_crypto_instructions", "extra_rest_instructions")
METHOD = (
    "one warm GET recorded (every SQL statement via connection.execute_wrapper, every "
    "outermost crypto entry point with its arguments via sys.setprofile), then each "
    "replayed alone under callgrind: sql = the statements re-sent through Django's "
    "cursor, crypto = the entry points called again; rest = GET minus both; each minus "
    "none's (password hashing scaled to the real iterations like the GET)"
)


@dataclass
class Recorded:
    """What one request sent to the database and to crypto."""

    statements: list[tuple[str, Any, bool]] = field(default_factory=list)
    calls: list[tuple[Callable[..., Any], tuple, dict]] = field(default_factory=list)

    def sql(self) -> Callable[[], None]:
        """Send the statements again, each through a fresh Django cursor (as the ORM does)."""
        from django.db import connection

        statements = list(self.statements)

        def replay() -> None:
            for sql, params, many in statements:
                with connection.cursor() as cursor:
                    (cursor.executemany if many else cursor.execute)(sql, params)

        return replay

    def crypto(self) -> Callable[[], None]:
        """Call the crypto entry points again with the arguments they had."""
        calls = list(self.calls)

        def replay() -> None:
            for fn, args, kwargs in calls:
                fn(*args, **kwargs)

        return replay


def _arguments(code, f_locals: dict[str, Any]) -> tuple[tuple, dict]:
    """The positional and keyword arguments a frame was called with (at its call event)."""
    positional = [f_locals[n] for n in code.co_varnames[: code.co_argcount]]
    names = code.co_varnames[code.co_argcount : code.co_argcount + code.co_kwonlyargcount]
    keywords = {n: f_locals[n] for n in names}
    index = code.co_argcount + code.co_kwonlyargcount
    if code.co_flags & 0x04:  # CO_VARARGS
        positional += list(f_locals[code.co_varnames[index]])
        index += 1
    if code.co_flags & 0x08:  # CO_VARKEYWORDS
        keywords.update(f_locals[code.co_varnames[index]])
    return tuple(positional), keywords


def record(call: Callable[[], Any]) -> tuple[Any, Recorded]:
    """Call ``call`` once with both recorders on; its result and what it sent."""
    from django.db import connection

    from benchmarks.probes import entry_functions

    functions = {fn.__code__: fn for fn in entry_functions() if hasattr(fn, "__code__")}
    recorded = Recorded()
    depth = 0

    def statements(execute, sql, params, many, context):
        recorded.statements.append((sql, params, many))
        return execute(sql, params, many, context)

    def profiler(frame, event, arg):
        nonlocal depth
        fn = functions.get(frame.f_code)
        if fn is None:
            return
        if event == "call":
            if depth == 0:  # only the outermost entry point (HMAC verify calls sign)
                recorded.calls.append((fn, *_arguments(frame.f_code, frame.f_locals)))
            depth += 1
        elif event == "return":
            depth -= 1

    sys.setprofile(profiler)
    try:
        with connection.execute_wrapper(statements):
            result = call()
    finally:
        sys.setprofile(None)
    return result, recorded


def replayable(recorded: Recorded) -> bool:
    """Whether both replays run without raising (checked uninstrumented, as a warm-up)."""
    try:
        recorded.sql()()
        recorded.crypto()()
    except Exception:  # a statement that cannot be sent twice: no split for this scheme
        return False
    return True


def scaled(value: float, hashes: int, n0: int | None, n1: int, per_iteration: float | None):
    """``value`` counted at ``n1`` iterations, as it costs at the real ``n0`` (None when
    it hashed and the hasher cannot be scaled)."""
    if not hashes:
        return value
    if per_iteration is None or n0 is None:
        return None
    return value + hashes * (n0 - n1) * per_iteration


def extra_parts(entries: list[dict[str, Any]], baseline: str) -> None:
    """Each entry's ``extra_*_instructions`` over ``baseline``'s (in place); null where
    a part or the baseline's was not counted."""
    base = next((e for e in entries if e["scheme"] == baseline), None) or {}
    keys = ("get_instructions", "sql_instructions", "crypto_instructions")
    for entry in entries:
        if None in [entry.get(k) for k in keys] + [base.get(k) for k in keys]:
            entry.update(dict.fromkeys(FIELDS))
            continue
        get, sql, crypto = (round(entry[k] - base[k]) for k in keys)
        entry.update(
            extra_sql_instructions=sql,
            extra_crypto_instructions=crypto,
            extra_rest_instructions=get - sql - crypto,
        )


#: Basic's extra instructions over none must match its hasher's verify() within this.
HASHER_CHECK_TOLERANCE_PCT = 5.0


def hasher_check(
    entries: list[dict[str, Any]], fit: dict[str, Any], scheme: str, baseline: str
) -> dict[str, Any] | None:
    """``scheme``'s (Basic's) extra GET instructions over ``baseline`` against the default
    hasher's own ``verify()`` at the real iterations (the fitted line at ``n0``): the
    issue's ±5 % check in the deterministic currency. ``None`` when either is missing."""
    by_name = {e["scheme"]: e for e in entries}
    get = (by_name.get(scheme) or {}).get("get_instructions")
    base = (by_name.get(baseline) or {}).get("get_instructions")
    counted, slope = fit.get("verify_instructions"), fit.get("per_iteration")
    n0, n1 = fit.get("default_iterations"), (fit.get("points") or [None])[0]
    if None in (get, base, counted, slope, n0, n1) or str(n1) not in counted:
        return None
    verify = counted[str(n1)] + (n0 - n1) * slope
    ratio = (get - base) / verify
    return {
        "scheme": scheme,
        "extra_instructions": round(get - base),
        "hasher_verify_instructions": round(verify),
        "ratio": round(ratio, 5),
        "tolerance_pct": HASHER_CHECK_TOLERANCE_PCT,
        "agrees": abs(ratio - 1) * 100 <= HASHER_CHECK_TOLERANCE_PCT,
    }
