"""``report.md``: the same report as GitHub-flavoured Markdown, charts linked from ``charts/``."""

from __future__ import annotations

from reports.analyse import Analysis
from reports.charts import CHARTS
from reports.render import tables


def escape(cell: str) -> str:
    """Make ``cell`` safe inside a Markdown table cell."""
    return cell.replace("|", "\\|").replace("\n", " ")


def table(t: tables.Table) -> str:
    """A GitHub table; baseline rows in italics, a bold row where a family starts."""
    lines = ["| " + " | ".join(map(escape, t.header)) + " |", "|" + "---|" * len(t.header)]
    for i, (row, base) in enumerate(zip(t.rows, t.baseline, strict=True)):
        if t.section_of(i):
            lines.append(f"| **{escape(t.section_of(i))}** |" + " |" * (len(t.header) - 1))
        cells = [f"*{escape(c)}*" if base else escape(c) for c in row]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _verdict(finding) -> str:
    return f"**{finding.verdict}**" + (f"<br>⚠ {finding.caveat}" if finding.caveat else "")


def render(analysis: Analysis, svgs: dict[str, str | None]) -> str:
    """Render ``report.md``; chart images point at ``charts/<key>.svg`` beside it."""
    run = analysis.run
    out = [f"# authlab report — {run.run_id}", ""]
    out += [f"- **{label}**: {escape(value)}" for label, value in tables.provenance(run)]
    out += [""] + [f"> **Warning:** {w}" for w in analysis.warnings]
    out += ["", "## Headline", "", table(tables.headline(analysis)), ""]
    out += [*(f"{line}\n" for line in analysis.currencies)]
    if not run.load_ran:
        out += ["Load: **not run** (this run had no load phase).", ""]
    out += ["## The notes' claims, tested", ""]
    out += [
        table(
            tables.Table(
                "",
                ["claim", "verdict", "evidence"],
                [
                    [f.claim.text, f"**{f.verdict}**", "<br>".join(f.evidence)]
                    for f in analysis.findings
                ],
                [False] * len(analysis.findings),
            )
        )
    ]
    out += ["", "## What to pick", "", *(f"- {p}" for p in analysis.picks), "", "## Charts", ""]
    for c in CHARTS:
        body = f"![{c.title}](charts/{c.key}.svg)" if svgs.get(c.key) else f"*{c.missing}*"
        out += [f"### {c.title}", "", body, "", c.caption, ""]
    notes = tables.server_notes(run)
    if notes:
        out += ["## Servers", "", *(f"- {n}" for n in notes), ""]
    out += ["## Properties", "", table(tables.properties(analysis)), ""]
    for t in tables.dimensions(run):
        out += [f"### {t.title}", "", table(t), ""]
    return "\n".join(out)
