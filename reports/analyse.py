"""Statistics of one run: the headline figures, ratios to ``none``, claims and picks.

Nothing here formats for a page; renderers turn an :class:`Analysis` into HTML,
Markdown or CSV. Every ratio is to the ``none`` scheme of the same run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from reports import fmt
from reports.claims_notes import judge_all
from reports.collect import Run, is_baseline
from reports.figures import ratio, request_ratio
from reports.noise import INSTRUCTIONS_TOLERANCE, noise_cause, noise_triggers
from reports.picks import what_to_pick


@dataclass(frozen=True)
class Figure:
    """One headline column: which scheme field, how to write it, what it is compared by."""

    key: str
    label: str
    write: Callable[[Any], str]
    #: Field holding the IQR of this median (time figures).
    spread: str | None = None
    #: Field holding this figure's 95% interval ``[low, high]``.
    interval: str | None = None
    #: Measured in the load phase (written "not run" when there was none).
    load: bool = False
    #: Figure has run-to-run noise (timings); exact figures (queries, bytes) have none.
    noisy: bool = True
    #: For a comparison, a bigger value is better (throughput).
    higher_is_better: bool = False


HEADLINE: tuple[Figure, ...] = (
    Figure(
        "request_us",
        "request µs (median)",
        fmt.us,
        spread="request_iqr_us",
        interval="request_ci_us",
    ),
    Figure("ratio_to_none", "× none", fmt.ratio, interval="ratio_to_none_ci"),
    Figure("request_instructions", "instructions", fmt.instructions, noisy=False),
    Figure("instructions_ratio_to_none", "instructions × none", fmt.ratio, noisy=False),
    Figure(
        "authenticate_us",
        "authenticate µs",
        fmt.us,
        spread="authenticate_iqr_us",
        interval="authenticate_ci_us",
    ),
    Figure("queries", "queries", fmt.count, noisy=False),
    Figure("crypto", "crypto per request", fmt.text, noisy=False),
    Figure("credential_bytes", "credential bytes", fmt.nbytes, noisy=False),
    Figure("login_us", "login µs", fmt.us, spread="login_iqr_us"),
    # The headline load figure: on one machine the generator shares the CPU with the
    # server, so req/s says as much about locust as about the scheme; CPU does not.
    Figure("load_server_cpu_us_per_request", "server CPU µs/request (load)", fmt.us, load=True),
    Figure("load_rps", "load req/s", fmt.rate, load=True, higher_is_better=True),
    Figure("load_p50_us", "load p50 µs", fmt.us, load=True),
    Figure("load_p95_us", "load p95 µs", fmt.us, load=True),
    Figure("load_p99_us", "load p99 µs", fmt.us, load=True),
)


@dataclass
class Row:
    """One scheme's headline figures (raw values) and their ratios to ``none``."""

    scheme: str
    title: str
    values: dict[str, Any]
    spreads: dict[str, float | None]
    vs_none: dict[str, float | None]
    properties: dict[str, Any]
    intervals: dict[str, list | None] = field(default_factory=dict)


@dataclass
class Analysis:
    """Everything a renderer needs: the run, headline rows, claim findings, picks."""

    run: Run
    rows: list[Row]
    findings: list[Any] = field(default_factory=list)
    picks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: What the two currencies (wall µs, instructions) can and cannot see, with numbers.
    currencies: list[str] = field(default_factory=list)


def headline_row(run: Run, entry: dict[str, Any]) -> Row:
    """Build one scheme's :class:`Row`; load figures are ``None`` when load did not run."""
    base = run.baseline
    values = {f.key: entry.get(f.key) for f in HEADLINE}
    values["ratio_to_none"] = request_ratio(run, entry)
    vs_none = {
        f.key: ratio(values[f.key], base.get(f.key))
        for f in HEADLINE
        if f.key
        not in {
            "ratio_to_none",
            "instructions_ratio_to_none",
            "crypto",
            "queries",
            "credential_bytes",
        }
    }
    return Row(
        scheme=entry["scheme"],
        title=entry["title"],
        values=values,
        spreads={f.key: entry.get(f.spread) for f in HEADLINE if f.spread},
        intervals={f.key: entry.get(f.interval) for f in HEADLINE if f.interval},
        vs_none=vs_none,
        properties=entry["properties"],
    )


def warnings_for(run: Run) -> list[str]:
    """What a reader must know before trusting the figures (noise, failed checks, load)."""
    out = []
    if run.noise.get("noisy"):
        out.append(noise_warning(run.noise))
    crypto = (run.raw.get("attribution") or {}).get("basic_crypto_check") or {}
    if crypto and not crypto.get("agrees"):
        out.append(
            f"Where the µs go: Basic's attributed crypto is {crypto['ratio']}× its hasher's own "
            "verify (outside ±5 %), so the SQL / crypto / rest split of this run is not exact."
        )
    counted = (run.raw.get("attribution") or {}).get("basic_hasher_check_instructions") or {}
    if counted and not counted.get("agrees"):
        out.append(
            f"Where the instructions go: Basic's extra instructions are {counted['ratio']}× "
            "its hasher's verify() at the real iterations (outside ±5 %): the hasher "
            "scaling of this run is suspect."
        )
    for name, check in run.verification.items():
        if isinstance(check, dict) and not check.get("ok", True):
            out.append(f"Verification failed for {name}: {check}; its figures are not trusted.")
    if run.load.get("generator_saturated"):
        out.append(
            "The load generator saturated a core: load figures show the client's limit, "
            "not the server's."
        )
    for s in run.schemes:
        if s.get("load_failures"):
            out.append(
                f"{s['scheme']}: {fmt.count(s['load_failures'])} failed requests under load."
            )
    missing = [s["scheme"] for s in run.schemes if s.get("request_us") is None]
    if not run.schemes:
        out.append("No scheme was measured in this run: only its dimensions are shown.")
    elif not run.in_process:
        out.append(
            "No in-process figures in this run (a load-only run?): they show as not measured."
        )
    elif missing:
        out.append(f"No request cost measured for: {', '.join(missing)}.")
    if run.schemes and not run.has_baseline:
        out.append("No none baseline in this run: ratios to none cannot be computed.")
    return out


def noise_warning(noise: dict[str, Any]) -> str:
    """Why the run is called noisy, how much wider its intervals are, and what to do."""
    threshold = noise.get("threshold_pct")
    if noise.get("ratio_ci_pct") is None and noise.get("baseline_ci_pct") is None:
        return (  # a run before schema 3: flagged on the baseline's drift
            f"Noisy run: the none baseline moved {fmt.pct(noise.get('drift_pct'))} between the "
            f"start ({fmt.us(noise.get('baseline_start_us'))} µs) and the end "
            f"({fmt.us(noise.get('baseline_end_us'))} µs); differences of that size are noise."
        )
    # The cause states the busy cores itself: the other rules that fired come first.
    fired = [t for t in noise_triggers(noise) if not t.startswith("other processes")]
    widths = [v for v in (noise.get("baseline_ci_pct"), noise.get("ratio_ci_pct")) if v]
    wide = bool(widths and threshold and max(widths) > threshold)
    intervals = (
        f"none median ± {fmt.text(noise.get('baseline_ci_pct'))}%, typical paired × none "
        f"± {fmt.text(noise.get('ratio_ci_pct'))}% (limit ± {fmt.text(threshold)}%"
        f"{f'; {max(widths) / threshold:.1f}× it' if wide else ''}), paired block ratios "
        f"spread {fmt.text(noise.get('ratio_spread_pct'))}% (IQR, limit "
        f"{fmt.text(noise.get('spread_threshold_pct'))}%)"
    )
    calm = (
        ": within their limits, since a load that slows the whole run alike does not widen "
        "a run's own intervals"
        if not fired
        else ""
    )
    causes = "; ".join([*fired, noise_cause(noise)])
    return f"Noisy run: {causes}. Its intervals: {intervals}{calm}."


def drift_note(run: Run) -> str:
    """Why two schemes' µs may rank otherwise than their "× none": each µs is a median
    at the scheme's turn, and the machine's speed moved between turns."""
    noise = run.noise
    low, high = noise.get("baseline_paired_min_us"), noise.get("baseline_paired_max_us")
    if low is None or high is None:
        return ""
    return (
        "Compare schemes by × none, not by their µs: each µs is the scheme's median at its "
        f"turn, and the machine's speed moved between turns (none, timed beside every "
        f"scheme, took {fmt.us(low)}–{fmt.us(high)} µs over this run; "
        f"{fmt.pct(noise.get('drift_pct'))} from the start to the end). × none times each "
        "block of the scheme beside a block of none, so the drift cancels."
    )


def currencies(run: Run) -> list[str]:
    """How to read wall µs beside "× none" (:func:`drift_note`), what instructions cannot
    see, and how far the two "× none" differ per scheme."""
    counted = [s for s in run.schemes if s.get("instructions_ratio_to_none") is not None]
    if not counted:
        return [drift_note(run)]
    gaps = []
    for s in counted:
        wall = request_ratio(run, s)
        if wall is not None and not is_baseline(s["scheme"]):
            gap = (wall / s["instructions_ratio_to_none"] - 1) * 100
            gaps.append(
                f"{s['scheme']} {fmt.ratio(wall)} wall vs "
                f"{fmt.ratio(s['instructions_ratio_to_none'])} instructions ({fmt.pct(gap)})"
            )
    return [
        drift_note(run),
        "Two currencies: wall µs (median of paired blocks, 95% bootstrap interval) and CPU "
        "instructions per request (callgrind, deterministic: reruns agree within 0.2%, "
        f"rankings by instructions treat differences under {INSTRUCTIONS_TOLERANCE:.0%} as "
        "ties). Instructions cannot see waiting (I/O, locks, the database server), kernel "
        "time, cache misses or branch mispredictions; valgrind hides CPU features such as "
        "SHA extensions, so hashing is over-counted relative to wall time.",
        "How far the two “× none” differ: " + "; ".join(gaps) + "." if gaps else "",
    ]


def analyse(run: Run) -> Analysis:
    """Compute the headline rows, test the claims and derive the picks for ``run``."""
    analysis = Analysis(
        run=run,
        rows=[headline_row(run, s) for s in run.schemes],
        warnings=warnings_for(run),
    )
    analysis.findings = judge_all(run)
    analysis.picks = what_to_pick(run)
    analysis.currencies = [line for line in currencies(run) if line]
    return analysis
