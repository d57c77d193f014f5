"""Build a run's report: collect -> analyse -> render, then write every file atomically.

``build_report(run_dir)`` is what drivers (``make bench``) call. Nothing is written
until every output has rendered, and each file is replaced atomically, so a bad
run folder or a crash leaves no half-written report behind.
"""

from __future__ import annotations

from pathlib import Path

from reports import charts, compare
from reports.analyse import analyse
from reports.collect import load_run
from reports.render import csvfile, html, markdown
from results.runs import atomic_write_text

INDEX = "index.html"
CHARTS_DIR = "charts"


def render_report(run_dir: Path, *, require_complete: bool = True) -> dict[str, str]:
    """Render every output of ``run_dir``'s report in memory: {relative path: text}."""
    run = load_run(run_dir, require_complete=require_complete)
    analysis = analyse(run)
    svgs = charts.render_all(run)
    files = {f"{CHARTS_DIR}/{key}.svg": svg for key, svg in svgs.items() if svg}
    files["summary.csv"] = csvfile.render(analysis)
    files["report.md"] = markdown.render(analysis, svgs)
    files[INDEX] = html.render(analysis, svgs)  # last: it is the file people open
    return files


def write_all(out_dir: Path, files: dict[str, str]) -> None:
    """Write ``files`` under ``out_dir``, each atomically, in order."""
    for name, text in files.items():
        atomic_write_text(out_dir / name, text)


def build_report(run_dir: Path, *, require_complete: bool = True) -> Path:
    """Build ``index.html``, ``report.md``, ``summary.csv`` and ``charts/`` into ``run_dir``.

    Returns the path of ``index.html``. Raises ``ReportInputError`` (naming the file)
    on a missing, truncated, wrong-version or unfinished run; nothing is written then.
    """
    run_dir = Path(run_dir)
    write_all(run_dir, render_report(run_dir, require_complete=require_complete))
    return run_dir / INDEX


def build_comparison(a_dir: Path, b_dir: Path, out_dir: Path | None = None) -> Path:
    """Compare two runs' headline figures; write the comparison and return its ``index.html``."""
    a, b = load_run(a_dir), load_run(b_dir)
    result = compare.compare(a, b)
    out_dir = Path(out_dir) if out_dir else compare.default_out_dir(a, b)
    write_all(out_dir, compare.render_files(result))
    return out_dir / INDEX
