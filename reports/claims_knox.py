"""The lab's own claim about knox (from its source): cost grows with the user's live
tokens, judged on the ``knox_tokens`` dimension with the figure its table shows."""

from __future__ import annotations

import itertools
from typing import Any

from reports import fmt
from reports.claims import CONFIRMED, DEPENDS, REFUTED, Claim, _missing
from reports.collect import Run
from reports.noise import WITHIN_NOISE, factor_interval, overlap, paired, threshold_note


def knox_cost_grows(run: Run) -> tuple[str, list[str]]:
    """knox reads every live token of the user on each request: cost grows with them.
    The figure is the knox_tokens table's paired ``× none`` (each row timed beside
    ``none`` round by round, so it holds still while the machine drifts between rows;
    their medians do not), the medians only for a run without it."""
    rows = sorted(
        (r for r in run.dimensions.get("knox_tokens", []) if r.get("request_us") is not None),
        key=lambda r: r["tokens_per_user"],
    )
    if len(rows) < 2:
        return _missing("knox tokens per user")
    by_ratio = all(r.get("ratio_to_none") for r in rows)
    key, ci_key = ("ratio_to_none", "ratio_to_none_ci") if by_ratio else ("request_us", None)
    write = fmt.ratio if by_ratio else (lambda v: f"{fmt.us(v)} µs")
    figure = "paired × none" if by_ratio else "median µs"
    first, last = rows[0], rows[-1]
    growth = last[key] / first[key]
    span = factor_interval(last, first) if by_ratio and paired(last, first) else None
    evidence = [
        f"knox request by tokens per user ({figure}, as in the knox tokens table): "
        + ", ".join(
            f"{r['tokens_per_user']:,}: " + fmt.with_interval(write(r[key]), r.get(ci_key), write)
            for r in rows
        ),
        f"{last['tokens_per_user']:,} tokens cost {fmt.ratio(growth)} one token ("
        + (
            f"{fmt.ratio(span[0]).rstrip('×')}–{fmt.ratio(span[1])} from the two 95% CIs"
            if span
            else "no interval recorded in this run"
        )
        + f"; the quotient of their {figure})",
        *_knox_order(rows, ci_key),
        *(_medians_disagree(rows) if by_ratio else []),
    ]
    verdict = CONFIRMED if growth >= 2 else REFUTED if growth < 1.2 else DEPENDS
    note = threshold_note("the growth", span, 2, 1.2)
    return (verdict, evidence) if note is None else (DEPENDS, [*evidence, note])


def _knox_order(rows: list[dict[str, Any]], ci_key: str | None) -> list[str]:
    """Neighbouring token counts whose intervals overlap: a tie, not a ranking (or why
    the rows cannot be ranked: no intervals recorded)."""
    if ci_key is None or not all(r.get(ci_key) for r in rows):
        return ["no 95% intervals for the rows in this run: they are not ranked against each other"]
    ties = [
        f"{a['tokens_per_user']:,} and {b['tokens_per_user']:,} tokens"
        for a, b in itertools.pairwise(rows)
        if overlap(a[ci_key], b[ci_key])
    ]
    return [f"{WITHIN_NOISE}: {', '.join(ties)}: a tie, not ranked"] if ties else []


def _tokens(row: dict[str, Any]) -> str:
    n = row["tokens_per_user"]
    return f"{n:,} token{'' if n == 1 else 's'}"


def _medians_disagree(rows: list[dict[str, Any]]) -> list[str]:
    """Neighbouring rows whose medians rank them against their paired ratios: the
    machine's speed moved between their turns (the pairs, timed beside none, do not)."""
    flipped = [
        f"{_tokens(a)} {fmt.us(a['request_us'])} µs against {_tokens(b)} "
        f"{fmt.us(b['request_us'])} µs"
        for a, b in itertools.pairwise(rows)
        if (a["request_us"] < b["request_us"]) != (a["ratio_to_none"] < b["ratio_to_none"])
    ]
    if not flipped:
        return []
    return [
        f"the medians order {'; '.join(flipped)} the other way: the machine's speed moved "
        "between their turns, which the paired ratio (each round beside none) does not see"
    ]


KNOX_CLAIMS: tuple[Claim, ...] = (
    Claim(
        "knox-cost-grows",
        "knox checks every live token of the user on each request, so cost grows with them.",
        "lab (knox source)",
        "confirmed when the most tokens per user cost ≥2× one token, refuted under 1.2×, in "
        "the knox tokens table's paired × none (its medians without one); it depends where "
        "the quotient's interval spans a threshold",
        knox_cost_grows,
        timed=True,
    ),
)
