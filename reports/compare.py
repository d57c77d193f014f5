"""Compare two runs: every headline figure per scheme, its change, and whether that is noise.

A wall-clock figure changed only when its two 95% intervals separate and neither run
was flagged noisy (runs before schema 3 have no intervals: overlapping IQR ranges, or
a change within either run's baseline drift, count as noise). Instruction counts
changed when they differ by more than :data:`reports.figures.INSTRUCTIONS_TOLERANCE`;
exact figures (queries, bytes) have no noise (bytes: within :data:`BYTES_TOLERANCE`);
a figure with no spread at all (load) cannot separate and is marked "no spread".
The terminal output ends with :data:`SUMMARY_LINE`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.template import Context

from reports import fmt
from reports.analyse import HEADLINE, Figure, headline_row
from reports.collect import Run
from reports.noise import instructions_tied, noise_cause, overlap
from results.runs import OUT_DIR

NOISE_MARK = "≈"
#: The last line of ``make compare`` (other tools read it): N changes beyond the noise.
SUMMARY_LINE = "{n} changes outside the noise"
#: Figures with run-to-run noise but no interval or spread in the file (load): a
#: difference cannot be told from noise.
NO_SPREAD = "no spread"


@dataclass
class Change:
    """One figure of one scheme in both runs."""

    scheme: str
    figure: Figure
    a: float | None
    b: float | None
    change_pct: float | None
    within_noise: bool
    #: Why it is within noise: ``"intervals overlap"``, ``"no spread"``, ...
    why: str = ""

    @property
    def outside_noise(self) -> bool:
        """Both values known, different, and the difference beyond the noise."""
        return (
            self.a is not None
            and self.b is not None
            and self.a != self.b
            and not (self.within_noise)
        )

    @property
    def text(self) -> str:
        """``412 → 398 (-3.4%)`` with the noise mark when within noise."""
        missing = fmt.NOT_RUN if self.figure.load else fmt.NOT_MEASURED

        def w(value: float | None) -> str:
            return self.figure.write(value) if value is not None else missing

        mark = f" {NOISE_MARK}" if self.within_noise else ""
        if self.why == NO_SPREAD and self.a != self.b:
            mark += f" ({NO_SPREAD})"
        return f"{w(self.a)} → {w(self.b)} ({fmt.pct(self.change_pct)}){mark}"


@dataclass
class Comparison:
    """Two runs and the per-scheme changes of their headline figures."""

    a: Run
    b: Run
    noise_pct: float
    changes: list[Change]

    def schemes(self) -> list[str]:
        """Schemes in either run, A's order first."""
        return list(dict.fromkeys(c.scheme for c in self.changes))

    @property
    def outside_noise(self) -> list[Change]:
        """The changes beyond the noise (what :data:`SUMMARY_LINE` counts)."""
        return [c for c in self.changes if c.outside_noise]

    def summary_line(self) -> str:
        """``N changes outside the noise``."""
        return SUMMARY_LINE.format(n=len(self.outside_noise))


def iqr_overlap(a: float, a_iqr: float | None, b: float, b_iqr: float | None) -> bool:
    """Whether median ± IQR/2 of both runs overlap (the IQR placed around each median)."""
    if a_iqr is None or b_iqr is None:
        return False
    return abs(a - b) <= (a_iqr + b_iqr) / 2


def _drift(run: Run) -> float:
    return abs(run.noise.get("drift_pct") or 0.0)


#: Credential bytes may differ by this many between runs of the same code: a signed
#: value carries its timestamp in base 62 and a compressed payload (session-signed's
#: cookie measured 286 then 283 B), so a few bytes are the value, not a change.
BYTES_TOLERANCE = 8
NOISY_RUN = "a run is noisy"


def change(figure: Figure, a_row, b_row, noise_pct: float, noisy_run: bool = False) -> Change:
    """Compare one figure of one scheme across the two runs.

    ``noisy_run``: either run was flagged noisy. Its intervals describe the noise within
    that run only, not how far the competing load moved the whole run, so its wall-clock
    figures are not counted as changes (marked ``a run is noisy``); instruction counts,
    queries and bytes still are.
    """
    a = a_row.values.get(figure.key) if a_row else None
    b = b_row.values.get(figure.key) if b_row else None
    pct = (b - a) / a * 100 if a and b is not None else None
    within, why = False, ""
    if a is None or b is None:
        pass
    elif figure.key.endswith("instructions") or "instructions_" in figure.key:
        within, why = instructions_tied(a, b), "within the instructions' tolerance"
    elif figure.key.endswith("_bytes"):
        within, why = abs(a - b) <= BYTES_TOLERANCE, f"within {BYTES_TOLERANCE} bytes"
    elif figure.noisy and noisy_run:
        within, why = True, NOISY_RUN
    elif (
        figure.noisy
        and figure.interval
        and (a_row.intervals.get(figure.key) and b_row.intervals.get(figure.key))
    ):
        ci_a, ci_b = a_row.intervals[figure.key], b_row.intervals[figure.key]
        within, why = overlap(ci_a, ci_b), "95% intervals overlap"
    elif figure.noisy and figure.spread:
        spread_a = a_row.spreads.get(figure.key)
        spread_b = b_row.spreads.get(figure.key)
        within = iqr_overlap(a, spread_a, b, spread_b) or (
            pct is not None and abs(pct) <= noise_pct
        )
        why = "IQR ranges overlap or within the baseline drift"
    elif figure.noisy:
        within, why = True, NO_SPREAD
    scheme = (a_row or b_row).scheme
    return Change(scheme, figure, a, b, pct, within, why if within else "")


def compare(a: Run, b: Run) -> Comparison:
    """Every numeric headline figure of every scheme present in either run."""
    noise_pct = max(_drift(a), _drift(b))
    a_rows = {s["scheme"]: headline_row(a, s) for s in a.schemes}
    b_rows = {s["scheme"]: headline_row(b, s) for s in b.schemes}
    figures = [f for f in HEADLINE if f.key != "crypto"]
    noisy = bool(a.noise.get("noisy") or b.noise.get("noisy"))
    changes = [
        change(f, a_rows.get(name), b_rows.get(name), noise_pct, noisy)
        for name in dict.fromkeys([*a_rows, *b_rows])
        for f in figures
    ]
    return Comparison(a, b, noise_pct, changes)


def default_out_dir(a: Run, b: Run) -> Path:
    """``reports/out/compare-<A>-vs-<B>/``."""
    return OUT_DIR / f"compare-{a.run_id}-vs-{b.run_id}"


def _table(result: Comparison) -> tuple[list[str], list[list[str]]]:
    figures = list(dict.fromkeys(c.figure for c in result.changes))
    header = ["scheme", *(f.label for f in figures)]
    rows = []
    for name in result.schemes():
        cells = {c.figure.key: c.text for c in result.changes if c.scheme == name}
        rows.append([name, *(cells[f.key] for f in figures)])
    return header, rows


def render_markdown(result: Comparison) -> str:
    """The comparison as a Markdown table (also printed by ``make compare``)."""
    header, rows = _table(result)
    lines = [
        f"# authlab comparison: {result.a.run_id} → {result.b.run_id}",
        "",
        f"Each cell: A → B (change). {NOISE_MARK} marks a change within the runs' noise: "
        "the 95% intervals overlap (runs without intervals: IQR ranges overlap, or within "
        f"the baseline drift of {result.noise_pct:.1f}%); instruction counts within "
        f"1%; ({NO_SPREAD}): a figure measured without spread, which cannot separate.",
        "",
        code_note(result),
        "",
        *(_noisy_lines(result)),
        "| " + " | ".join(header) + " |",
        "|" + "---|" * len(header),
        *("| " + " | ".join(r) + " |" for r in rows),
        "",
        *(f"- changed: {c.scheme} {c.figure.label}: {c.text}" for c in result.outside_noise),
        "",
        result.summary_line(),
    ]
    return "\n".join(lines) + "\n"


#: What a noisy run does to the comparison (markdown and HTML say it alike).
NOISY_RULE = (
    "Wall-clock figures of a noisy run are not counted as changes (marked ≈): only "
    "instruction counts, queries and bytes are compared."
)


def noisy_causes(result: Comparison) -> list[tuple[str, str]]:
    """``(run id, why it is noisy and what to do)`` for each noisy run of the two."""
    return [(r.run_id, noise_cause(r.noise)) for r in (result.a, result.b) if r.noise.get("noisy")]


def code_note(result: Comparison) -> str:
    """Which commit each run measured; a warning when they differ (then a change may be
    the code's, not the machine's)."""
    commits = [(r.run_id, (r.provenance.get("commit") or "?")[:12]) for r in (result.a, result.b)]
    which = ", ".join(f"{run_id} at {commit}" for run_id, commit in commits)
    if commits[0][1] != commits[1][1]:
        return f"Code: {which}: different commits, so a change may be the code's."
    return f"Code: both runs at commit {commits[0][1]}."


def _noisy_lines(result: Comparison) -> list[str]:
    causes = noisy_causes(result)
    if not causes:
        return []
    return [*(f"**Noisy run: {run_id}** — {cause}." for run_id, cause in causes), NOISY_RULE, ""]


def render_csv(result: Comparison) -> str:
    """One row per scheme and figure, raw values. ``outside_noise`` marks exactly the
    changes the last line counts (an unchanged figure is not within the noise, nor
    outside it: ``within_noise`` alone would call it a change)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    header = ["scheme", "figure", "a", "b", "change_pct", "within_noise", "outside_noise"]
    w.writerow([*header, "a_ci", "b_ci"])
    for c in result.changes:
        cis = [_ci(run, c) for run in (result.a, result.b)]
        row = [c.scheme, c.figure.key, c.a, c.b, c.change_pct, c.within_noise, c.outside_noise]
        w.writerow([*row, *cis])
    return buf.getvalue()


def _ci(run: Run, c: Change) -> str:
    entry = run.by_name.get(c.scheme) or {}
    ci = entry.get(c.figure.interval) if c.figure.interval else None
    return "" if not ci else f"{ci[0]}..{ci[1]}"


def render_html(result: Comparison) -> str:
    """The comparison as a self-contained HTML page."""
    from reports.render.html import TEMPLATES, engine

    header, rows = _table(result)
    return (
        engine()
        .get_template("compare.html")
        .render(
            Context(
                {
                    "a": result.a.run_id,
                    "b": result.b.run_id,
                    "noise_pct": f"{result.noise_pct:.1f}",
                    "mark": NOISE_MARK,
                    "header": header,
                    "rows": rows,
                    "noisy": noisy_causes(result),
                    "noisy_rule": NOISY_RULE,
                    "code_note": code_note(result),
                    "summary_line": result.summary_line(),
                    "css": (TEMPLATES / "report.css").read_text(),
                }
            )
        )
    )


def render_files(result: Comparison) -> dict[str, str]:
    """Every output of a comparison: {relative path: text}, ``index.html`` last."""
    return {
        "compare.md": render_markdown(result),
        "compare.csv": render_csv(result),
        "index.html": render_html(result),
    }
