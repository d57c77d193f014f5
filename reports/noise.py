"""Which figures the noise lets a verdict tell apart: the one rule that claims, picks and
compare share. Two wall-clock figures differ only when their 95% intervals separate;
instruction counts (deterministic) when they differ by more than a fixed tolerance."""

from __future__ import annotations

from typing import Any

from reports import fmt

#: Instruction counts are deterministic (runs agree within 0.2%): two schemes closer
#: than this are called a tie, not ranked.
INSTRUCTIONS_TOLERANCE = 0.01


def overlap(a: list | None, b: list | None) -> bool:
    """Whether two intervals ``[low, high]`` overlap; unknown intervals count as
    overlapping (a figure without spread cannot separate from another)."""
    if not a or not b:
        return True
    return a[0] <= b[1] and b[0] <= a[1]


def request_tied(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two schemes' GET costs are within noise: their 95% intervals overlap
    (runs before schema 3 have none: median ± IQR/2 stands in). Figures with no spread
    at all (hand-written data) are not tied: nothing says they are noise."""
    ia, ib = _interval(a), _interval(b)
    return ia is not None and ib is not None and overlap(ia, ib)


def ratio_tied(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two schemes' paired ``× none`` (GET) are within noise: their 95% intervals
    (``ratio_to_none_ci``) overlap; without them, :func:`request_tied` decides."""
    ia, ib = a.get("ratio_to_none_ci"), b.get("ratio_to_none_ci")
    if ia and ib:
        return overlap(ia, ib)
    return request_tied(a, b)


#: The words every verdict uses for two figures it cannot tell apart.
WITHIN_NOISE = "≈ (within noise)"
#: Load figures carry no interval yet: throughputs closer than this are called a tie.
LOAD_TIE_PCT = 10.0


def cheapest(schemes: list[dict[str, Any]]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The cheapest scheme and the others tied with it (their intervals overlap its): a
    ranking names a tie rather than a winner inside the noise.

    Ranked by the paired ``× none`` (``ratio_to_none``) when every scheme has one: each
    is timed in blocks beside ``none``, so it holds still while the machine's speed
    drifts between two schemes' turns, and two medians taken minutes apart do not (a run
    beside a CPU hog picked jwt-short at 804 µs and 1.77× none over token-cached at
    1,172 µs and 1.46×). Without ratios, by the GET median."""
    paired = all(s.get("ratio_to_none") is not None for s in schemes)
    if paired:
        best = min(schemes, key=lambda s: s["ratio_to_none"])
        return best, [s for s in schemes if s is not best and ratio_tied(best, s)]
    best = min(schemes, key=lambda s: s["request_us"])
    return best, [s for s in schemes if s is not best and request_tied(best, s)]


def cheapest_named(schemes: list[dict[str, Any]], describe) -> tuple[dict[str, Any], str]:
    """The cheapest of ``schemes`` and ``describe(it)``, naming any tie within noise."""
    best, ties = cheapest(schemes)
    tie = f" — {WITHIN_NOISE} with {', '.join(s['scheme'] for s in ties)}: a tie" if ties else ""
    return best, describe(best) + tie


def paired(*entries: dict[str, Any]) -> bool:
    """Whether every entry has a paired ``× none`` and its interval (what
    :func:`cost_factor` and :func:`factor_interval` then divide)."""
    return all(e.get("ratio_to_none") and e.get("ratio_to_none_ci") for e in entries)


def cost_factor(a: dict[str, Any], b: dict[str, Any]) -> float:
    """``a``'s GET cost over ``b``'s: the quotient of their paired ``× none`` where both
    have one (each held still against the same baseline; see :func:`cheapest`), else of
    their medians."""
    if paired(a, b):
        return a["ratio_to_none"] / b["ratio_to_none"]
    return a["request_us"] / b["request_us"]


def factor_interval(a: dict[str, Any], b: dict[str, Any]) -> list[float] | None:
    """The interval of :func:`cost_factor` (conservative: ends over ends)."""
    if paired(a, b):
        ia, ib = a["ratio_to_none_ci"], b["ratio_to_none_ci"]
        return [ia[0] / ib[1], ia[1] / ib[0]] if ib[0] > 0 else None
    ia, ib = _interval(a), _interval(b)
    if ia is None or ib is None or ib[0] <= 0:
        return None
    return [ia[0] / ib[1], ia[1] / ib[0]]


def factor_text(a: dict[str, Any], b: dict[str, Any]) -> str:
    """``a``'s cost over ``b``'s with the range their intervals allow, e.g. ``2.99× (2.85–3.14×
    from the two 95% CIs)``: paired ``× none`` where both have one (:func:`cost_factor`)."""
    span = factor_interval(a, b)
    figure = "paired × none" if paired(a, b) else "medians"
    if span is None:
        return f"{fmt.ratio(cost_factor(a, b))} (of the {figure}; no interval recorded)"
    return (
        f"{fmt.ratio(cost_factor(a, b))} ({fmt.ratio(span[0]).rstrip('×')}–"
        f"{fmt.ratio(span[1])} from the two 95% CIs of the {figure})"
    )


def spans(interval: list[float] | None, *thresholds: float) -> float | None:
    """The first threshold strictly inside ``interval`` (the verdict there is noise)."""
    if interval is None:
        return None
    return next((t for t in thresholds if interval[0] < t < interval[1]), None)


def _interval(entry: dict[str, Any]) -> list | None:
    if entry.get("request_ci_us"):
        return entry["request_ci_us"]
    median, iqr = entry.get("request_us"), entry.get("request_iqr_us")
    if median is None or iqr is None:
        return None
    return [median - iqr / 2, median + iqr / 2]


def instructions_tied(a: float | None, b: float | None) -> bool:
    """Whether two instruction counts are within :data:`INSTRUCTIONS_TOLERANCE`."""
    if a is None or b is None:
        return True
    return abs(a - b) <= INSTRUCTIONS_TOLERANCE * max(abs(a), abs(b))


def threshold_note(what: str, interval: list[float] | None, *thresholds: float) -> str | None:
    """The evidence line when ``interval`` spans a threshold a rule decides by (the
    verdict there is noise), else ``None``."""
    threshold = spans(interval, *thresholds)
    if threshold is None or interval is None:
        return None
    return (
        f"{WITHIN_NOISE}: {what} lies in {fmt.ratio(interval[0])}–{fmt.ratio(interval[1])}, "
        f"across the rule's {fmt.ratio(threshold)}"
    )


def noise_triggers(noise: dict[str, Any]) -> list[str]:
    """The rules (summary.json ``noise.rule``) that made a run noisy, each in a few words;
    ``[]`` for a steady run."""
    out = []
    limit = noise.get("threshold_pct")
    widths = [v for v in (noise.get("baseline_ci_pct"), noise.get("ratio_ci_pct")) if v is not None]
    if limit is not None and not widths:
        out.append("no interval measured")
    elif limit is not None and max(widths) > limit:
        out.append(f"95% intervals ± {max(widths):.1f}%, over the ± {limit}% limit")
    spread, spread_limit = noise.get("ratio_spread_pct"), noise.get("spread_threshold_pct")
    if spread is not None and spread_limit is not None and spread > spread_limit:
        out.append(f"paired block ratios spread {spread}%, over the {spread_limit:.0f}% limit")
    if _crowded(noise):
        out.append(
            f"other processes kept {noise['other_cpu_cores']:.2f} cores busy, over the "
            f"{noise['other_cores_threshold']} limit"
        )
    return out


def _crowded(noise: dict[str, Any]) -> bool:
    cores, limit = noise.get("other_cpu_cores"), noise.get("other_cores_threshold")
    return cores is not None and limit is not None and cores > limit


def noise_cause(noise: dict[str, Any]) -> str:
    """Why a noisy run's timings moved, from what it recorded, and what to do: other
    processes on the machine (``other_cpu_cores`` over its limit), or, with none busy,
    the machine's own speed (a shared or throttled host: ``none`` drifted)."""
    cores = noise.get("other_cpu_cores")
    if _crowded(noise):
        cause = f"other processes kept {cores:.2f} cores busy: rerun when the machine is idle"
    elif cores is not None:
        cause = (
            f"no other process was busy ({cores:.2f} cores), so the machine's own speed "
            f"varied (none moved {fmt.pct(noise.get('drift_pct'))} from start to end: a "
            "shared or throttled host): rerun later"
        )
    else:
        cause = "another process, or the machine's own speed, moved the timings: rerun"
    return f"{cause}, or rank by instructions, which do not move"
