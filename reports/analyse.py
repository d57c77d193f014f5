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
from reports.collect import Run
from reports.figures import ratio, request_ratio
from reports.picks import what_to_pick


@dataclass(frozen=True)
class Figure:
    """One headline column: which scheme field, how to write it, what it is compared by."""

    key: str
    label: str
    write: Callable[[Any], str]
    #: Field holding the IQR of this median (time figures).
    spread: str | None = None
    #: Measured in the load phase (written "not run" when there was none).
    load: bool = False
    #: Figure has run-to-run noise (timings); exact figures (queries, bytes) have none.
    noisy: bool = True
    #: For a comparison, a bigger value is better (throughput).
    higher_is_better: bool = False


HEADLINE: tuple[Figure, ...] = (
    Figure("request_us", "request µs (median)", fmt.us, spread="request_iqr_us"),
    Figure("ratio_to_none", "× none", fmt.ratio),
    Figure("authenticate_us", "authenticate µs", fmt.us, spread="authenticate_iqr_us"),
    Figure("queries", "queries", fmt.count, noisy=False),
    Figure("crypto", "crypto per request", fmt.text, noisy=False),
    Figure("credential_bytes", "credential bytes", fmt.nbytes, noisy=False),
    Figure("login_us", "login µs", fmt.us, spread="login_iqr_us"),
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


@dataclass
class Analysis:
    """Everything a renderer needs: the run, headline rows, claim findings, picks."""

    run: Run
    rows: list[Row]
    findings: list[Any] = field(default_factory=list)
    picks: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def headline_row(run: Run, entry: dict[str, Any]) -> Row:
    """Build one scheme's :class:`Row`; load figures are ``None`` when load did not run."""
    base = run.baseline
    values = {f.key: entry.get(f.key) for f in HEADLINE}
    values["ratio_to_none"] = request_ratio(run, entry)
    vs_none = {
        f.key: ratio(values[f.key], base.get(f.key))
        for f in HEADLINE
        if f.key not in {"ratio_to_none", "crypto", "queries", "credential_bytes"}
    }
    return Row(
        scheme=entry["scheme"],
        title=entry["title"],
        values=values,
        spreads={f.key: entry.get(f.spread) for f in HEADLINE if f.spread},
        vs_none=vs_none,
        properties=entry["properties"],
    )


def warnings_for(run: Run) -> list[str]:
    """What a reader must know before trusting the figures (noise, failed checks, load)."""
    out = []
    noise = run.noise
    if noise.get("noisy"):
        out.append(
            f"Noisy run: the none baseline moved {fmt.pct(noise.get('drift_pct'))} between the "
            f"start ({fmt.us(noise.get('baseline_start_us'))} µs) and the end "
            f"({fmt.us(noise.get('baseline_end_us'))} µs); differences of that size are noise."
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


def analyse(run: Run) -> Analysis:
    """Compute the headline rows, test the claims and derive the picks for ``run``."""
    analysis = Analysis(
        run=run,
        rows=[headline_row(run, s) for s in run.schemes],
        warnings=warnings_for(run),
    )
    analysis.findings = judge_all(run)
    analysis.picks = what_to_pick(run)
    return analysis
