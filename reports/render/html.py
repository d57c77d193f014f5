"""The self-contained ``index.html``: Django template language, inline CSS and inline SVG."""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

from django.template import Context, Engine

from reports.analyse import Analysis
from reports.charts import CHARTS
from reports.collect import SUMMARY
from reports.render import tables

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# "180 (IQR 9.00)", "63 B", "2.33×", "1,042 (0.88×)": right-aligned; prose is not.
NUMERIC = re.compile(r"^[-+]?[\d.,]+(×|%| B| µs| M| k)?( \(.*\))?$")
LONG = 28
SPLIT = re.compile(r"^(.*?) \((.*)\)$")


@cache
def engine() -> Engine:
    """A standalone template engine: needs no Django settings (values arrive as strings)."""
    return Engine(dirs=[str(TEMPLATES)], autoescape=True)


def table_context(table: tables.Table) -> dict[str, Any]:
    """A :class:`~reports.render.tables.Table` with numeric cells flagged for alignment."""
    return {
        "title": table.title,
        "header": table.header,
        "columns": str(len(table.header)),  # a string: the engine runs without settings
        "body": [
            {"baseline": base, "cells": [_cell(c) for c in row], "section": table.section_of(i)}
            for i, (row, base) in enumerate(zip(table.rows, table.baseline, strict=True))
        ],
    }


def _cell(cell: str) -> tuple[str, str, str]:
    """(main text, secondary text shown small below it, CSS class) for one table cell."""
    if NUMERIC.match(cell):
        split = SPLIT.match(cell)
        return (split[1], split[2], "num") if split else (cell, "", "num")
    return cell, "", "long" if len(cell) > LONG else ""


def context(analysis: Analysis, svgs: dict[str, str | None]) -> dict[str, Any]:
    """Everything the template shows, already formatted as text."""
    run = analysis.run
    noise = run.noise
    return {
        "run_id": run.run_id,
        "scheme_count": str(len(run.schemes)),
        "css": (TEMPLATES / "report.css").read_text(),
        "provenance": tables.provenance(run),
        "noisy": bool(noise.get("noisy")),
        "noise_measured": noise.get("noisy") is not None,
        # A noisy run's banner is its warning (cause, intervals, what to do); a steady
        # run's, the provenance line.
        "noise_text": next(
            (w.removeprefix("Noisy run: ") for w in analysis.warnings if w.startswith("Noisy run")),
            next(v for k, v in tables.provenance(run) if k == "noise"),
        ),
        "warnings": [w for w in analysis.warnings if not w.startswith("Noisy run")],
        "load_ran": run.load_ran,
        "currencies": analysis.currencies,
        "headline": table_context(tables.headline(analysis)),
        "properties": table_context(tables.properties(analysis)),
        "verification": table_context(tables.verification(run)),
        "dimensions": [table_context(t) for t in tables.dimensions(run)],
        "server_notes": tables.server_notes(run),
        "claims": [
            {
                "key": f.claim.key,
                "text": f.claim.text,
                "source": f.claim.source,
                "rule": f.claim.rule,
                "verdict": f.verdict,
                "evidence": f.evidence,
                "css": f.verdict.replace(" ", "-"),
                "caveat": f.caveat,
            }
            for f in analysis.findings
        ],
        "picks": analysis.picks,
        "charts": [
            {
                "key": c.key,
                "title": c.title,
                "caption": c.caption,
                "svg": svgs.get(c.key),
                "missing": c.missing,
                "wide": c.wide,
            }
            for c in CHARTS
        ],
        "summary_path": str(run.run_dir / SUMMARY),
    }


def render(analysis: Analysis, svgs: dict[str, str | None]) -> str:
    """Render ``index.html`` for ``analysis`` with the charts' inline ``svgs``."""
    template = engine().get_template("report.html")
    return template.render(Context(context(analysis, svgs)))
