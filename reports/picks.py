"""A short "what to pick" list, derived from one run's figures and the schemes' properties.

Each rule picks schemes by data (cost, queries, expiry, revocation, storage), so the
advice follows the measurements of the machine it was run on.
"""

from __future__ import annotations

from typing import Any

from reports import fmt
from reports.collect import Run, is_baseline
from reports.figures import request_ratio, revocation_delay
from reports.noise import (
    INSTRUCTIONS_TOLERANCE,
    LOAD_TIE_PCT,
    WITHIN_NOISE,
    instructions_tied,
    ratio_tied,
)
from reports.noise import cheapest as cheapest_of


def _measured(run: Run) -> list[dict[str, Any]]:
    return [
        s for s in run.schemes if not is_baseline(s["scheme"]) and s.get("request_us") is not None
    ]


def _cost(run: Run, s: dict[str, Any]) -> str:
    return f"{s['scheme']} ({fmt.us(s['request_us'])} µs, {fmt.ratio(request_ratio(run, s))} none)"


def cheapest(run: Run) -> str | None:
    """The cheapest authenticated request of the run."""
    schemes = _measured(run)
    if not schemes:
        return None
    best, ties = cheapest_of(schemes)
    if ties:
        return f"Cheapest authenticated request: {_tie(run, [best, *ties])}."
    return f"Cheapest authenticated request: {_cost(run, best)}."


def _tie(run: Run, tied: list[dict[str, Any]]) -> str:
    """``≈ (within noise) a (…), b (…): a tie``, then their order in instructions
    (deterministic), where those were counted and differ beyond the tolerance."""
    text = f"{WITHIN_NOISE} {', '.join(_cost(run, s) for s in tied)}: a tie in wall time"
    counted = sorted(
        (s for s in tied if s.get("request_instructions") is not None),
        key=lambda s: s["request_instructions"],
    )
    if len(counted) == len(tied) and not instructions_tied(
        counted[0]["request_instructions"], counted[1]["request_instructions"]
    ):
        order = " < ".join(
            f"{s['scheme']} {fmt.instructions(s['request_instructions'])}" for s in counted
        )
        text += f"; in CPU instructions (tolerance {INSTRUCTIONS_TOLERANCE:.0%}): {order}"
    return text


def no_queries(run: Run) -> str | None:
    """Schemes with no SQL per request, and what that costs in control."""
    free = [s for s in _measured(run) if s.get("queries") == 0]
    if not free:
        return None
    unchecked = [s for s in free if not s["properties"].get("user_checked_per_request")]
    tail = ""
    if unchecked:
        verb = "reads" if len(unchecked) == 1 else "read"
        tail = (
            f" — but {', '.join(s['scheme'] for s in unchecked)} {verb} no user row per "
            "request, so deactivating an account takes effect " + _deactivations(unchecked)
        )
    return f"No database work per request: {', '.join(_cost(run, s) for s in free)}{tail}."


def _deactivations(schemes: list[dict[str, Any]]) -> str:
    """``a, b within 1 min (the cache TTL); c within 5 min (...)``: the schemes grouped
    by when a deactivation reaches them, in the order first met."""
    groups: dict[str, list[str]] = {}
    for s in schemes:
        groups.setdefault(_deactivation(s), []).append(s["scheme"])
    return "; ".join(f"{', '.join(names)} {when}" for when, names in groups.items())


def _deactivation(s: dict[str, Any]) -> str:
    """When a deactivation reaches a scheme that does not read the user row, from its
    declared properties: its revocation delay (``revocation_delay_s``) where that comes
    before expiry -- a cache's TTL for a scheme that declares a cache miss
    (``queries_first_request``) --, else when the credential expires."""
    declared, delay = revocation_delay(s)
    props = s["properties"]
    expiry = props.get("expiry_seconds")
    if declared and delay is not None and (expiry is None or delay < expiry):
        why = "the cache TTL" if props.get("queries_first_request") is not None else "its delay"
        return f"within {fmt.seconds(delay)} ({why})"
    if expiry is not None:
        return f"within {fmt.seconds(expiry)} (when the credential expires)"
    if declared:
        return "never (the credential neither expires nor is revoked)"
    return "at an undeclared time (no revocation delay in this run)"


def revocable(run: Run) -> str | None:
    """Cheapest scheme whose credential expires and whose revocation takes effect at once
    (``revocation_delay_s`` 0: every server refuses it as soon as it is revoked)."""
    ok = [
        s
        for s in _measured(run)
        if s["properties"].get("expiry_seconds") is not None and revocation_delay(s) == (True, 0)
    ]
    if not ok:
        return None
    best, ties = cheapest_of(ok)
    others = ", ".join(s["scheme"] for s in ok if s is not best and s not in ties)
    first = _tie(run, [best, *ties]) if ties else _cost(run, best)
    return (
        f"Expiring credentials, revoked at once on every server: {first}"
        + (f"; also {others}" if others else "")
        + "."
    )


#: The frontier issue's goal: a credential revoked within a minute at no more than this
#: multiple of none in CPU instructions (the report says which schemes reach it).
MINUTE_BUDGET = 1.3
MINUTE = 60


def _delay_within(s: dict[str, Any], limit: float) -> bool:
    declared, delay = revocation_delay(s)
    return declared and delay is not None and delay <= limit


def immediate(run: Run) -> str | None:
    """Cheapest scheme, in CPU instructions, whose revocation reaches every server at once."""
    return _by_instructions(
        run,
        "Cheapest with immediate revocation (delay 0)",
        [s for s in _measured(run) if _delay_within(s, 0)],
        show_delay=False,
    )


def within_a_minute(run: Run) -> str | None:
    """Cheapest scheme, in CPU instructions, revoked everywhere within a minute, and which
    of those stay within :data:`MINUTE_BUDGET` × none."""
    within = [s for s in _measured(run) if _delay_within(s, MINUTE)]
    line = _by_instructions(run, f"Cheapest revocable within a minute (delay ≤ {MINUTE} s)", within)
    if line is None or not _counted(within):
        return line
    cheap = [s for s in _counted(within) if s["instructions_ratio_to_none"] <= MINUTE_BUDGET]
    budget = f"at most {fmt.ratio(MINUTE_BUDGET)} none in instructions"
    if not cheap:
        return f"{line} None of them costs {budget}."
    verb = "costs" if len(cheap) == 1 else "cost"
    return f"{line} Revocable within a minute and {verb} {budget}: {_listed(cheap)}."


def _counted(schemes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``schemes`` with an instruction count, cheapest first (registry order breaks ties)."""
    counted = [s for s in schemes if s.get("instructions_ratio_to_none") is not None]
    return sorted(counted, key=lambda s: s["instructions_ratio_to_none"])


def _delay(s: dict[str, Any]) -> str:
    delay = revocation_delay(s)[1]
    return "revoked at once" if delay == 0 else f"revoked within {fmt.seconds(delay)}"


def _listed(schemes: list[dict[str, Any]]) -> str:
    return ", ".join(
        f"{s['scheme']} {fmt.ratio(s['instructions_ratio_to_none'])} ({_delay(s)})" for s in schemes
    )


def _by_instructions(
    run: Run, label: str, schemes: list[dict[str, Any]], *, show_delay: bool = True
) -> str | None:
    """``label: best (…)`` by instruction ratio, the deterministic currency: schemes within
    the 1% tolerance are a tie, and those whose wall-time interval overlaps the best's are
    named as a tie in wall time (:func:`_tie`). Without counts, by wall time alone."""
    counted = _counted(schemes)
    if not counted:
        if not schemes:
            return None
        best, ties = cheapest_of(schemes)
        first = _tie(run, [best, *ties]) if ties else _cost(run, best)
        return f"{label}, by wall time (instructions not counted): {first}."
    best, key = counted[0], "instructions_ratio_to_none"
    same = [s for s in counted[1:] if instructions_tied(best[key], s[key])]
    text = (
        f"{label}, by CPU instructions: {best['scheme']} ({fmt.ratio(best[key])} none in "
        f"instructions, {fmt.ratio(request_ratio(run, best))} in wall time"
        + (f", {_delay(best)})" if show_delay else ")")
    )
    if same:
        text += (
            f" — {WITHIN_NOISE} in instructions (within {INSTRUCTIONS_TOLERANCE:.0%}) with "
            f"{_listed(same)}: a tie"
        )
    wall = [s for s in counted[1:] if ratio_tied(best, s)]
    if wall:
        text += f"; {_tie(run, [best, *wall])}"
    return text + "."


def leaked_db(run: Run) -> str | None:
    """Schemes whose stored rows are not usable as credentials if the database leaks."""
    safe = [
        s["scheme"]
        for s in _measured(run)
        if not s["properties"].get("stored_credential_usable", True)
    ]
    usable = [
        s["scheme"] for s in _measured(run) if s["properties"].get("stored_credential_usable")
    ]
    if not safe or not usable:
        return None
    return (
        f"If the database leaks, stored rows are not live credentials for {', '.join(safe)}; "
        f"they are for {', '.join(usable)}."
    )


def costly(run: Run) -> str | None:
    """Schemes at least 100× the baseline: keep them off hot paths."""
    slow = [s for s in _measured(run) if (request_ratio(run, s) or 0) >= 100]
    if not slow:
        return None
    return (
        f"Keep off per-request paths: {', '.join(_cost(run, s) for s in slow)} — exchange the "
        "password once for a token or session instead."
    )


def browser(run: Run) -> str | None:
    """Same-origin browser apps: the CSRF-protected cookie scheme and its cost."""
    cookie = [s for s in _measured(run) if s["properties"].get("csrf_on_unsafe")]
    if not cookie:
        return None
    return (
        "Browser front end on the same site: "
        + ", ".join(_cost(run, s) for s in cookie)
        + " — a cookie the browser sends itself, with a CSRF token on writes."
    )


def under_load(run: Run) -> str | None:
    """Highest throughput under load, next to the baseline's."""
    rated = [s for s in _measured(run) if s.get("load_rps")]
    base = run.baseline.get("load_rps")
    if not rated or not base:
        return None
    load = run.raw.get("load") or {}
    if load.get("noisy"):
        return (
            f"Most requests/s under load: not ranked, {WITHIN_NOISE}: other processes kept "
            f"{load.get('other_cpu_cores'):.2f} cores busy during the load phase; rerun when "
            "the machine is idle."
        )
    best = max(rated, key=lambda s: s["load_rps"])
    # No interval for load figures yet: within LOAD_TIE_PCT of the best is a tie.
    near = [s for s in rated if s["load_rps"] >= best["load_rps"] * (1 - LOAD_TIE_PCT / 100)]
    if len(near) > 1:
        names = ", ".join(f"{s['scheme']} ({fmt.rate(s['load_rps'])} req/s)" for s in near)
        return (
            f"Most requests/s under load: {WITHIN_NOISE} {names}: a tie (within "
            f"{LOAD_TIE_PCT:.0f}%, load figures carry no interval), against none's "
            f"{fmt.rate(base)}."
        )
    return (
        f"Most requests/s under load: {best['scheme']} ({fmt.rate(best['load_rps'])} req/s, "
        f"{fmt.ratio(best['load_rps'] / base)} none's {fmt.rate(base)})."
    )


RULES = (
    cheapest,
    immediate,
    within_a_minute,
    no_queries,
    revocable,
    browser,
    leaked_db,
    costly,
    under_load,
)


def what_to_pick(run: Run) -> list[str]:
    """Apply every rule to ``run`` and keep the ones that have something to say."""
    return [line for rule in RULES if (line := rule(run))]
