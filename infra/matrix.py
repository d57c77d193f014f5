"""``make matrix``: the QUICK bench on every database x cache pair, and one comparison.

Each pair runs ``python -m benchmarks --quick --no-load`` through ``python -m
infra.services run`` (which starts PostgreSQL / Redis for it) with ``AUTHLAB_OUT_DIR``
pointing inside this run's folder, so each pair leaves an ordinary run folder:

    reports/out/<id>-matrix/<db>-<cache>/<bench run>/summary.json ...
    reports/out/<id>-matrix/matrix.json   per scheme and pair: request µs, ratio, queries
    reports/out/<id>-matrix/matrix.md     the same as a table

The matrix folder has no summary.json of its own, so it is marked COMPLETE without
moving ``reports/out/latest`` (that link names runs the report builder can read).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

from infra import procs
from lab import env
from results import runs

PAIRS = [(db, cache) for db in env.DATABASES for cache in env.CACHES]
#: Sessions read through the cache, so the cache of each pair is on the request path.
SESSION_ENGINE = "cached_db"
FIELDS = ("request_us", "request_iqr_us", "ratio_to_none", "authenticate_us", "queries")


def run_pair(run_dir: Path, db: str, cache: str, session_engine: str, bench: list[str]) -> dict:
    """Run the QUICK bench for one pair; return where it wrote and how it ended."""
    out = run_dir / f"{db}-{cache}"
    out.mkdir(parents=True, exist_ok=True)
    child_env = {
        **os.environ,
        "AUTHLAB_OUT_DIR": str(out),
        "AUTHLAB_SESSION_ENGINE": session_engine,
    }
    cmd = [sys.executable, "-m", "infra.services", "run", "--db", db, "--cache", cache, "--"]
    started = time.monotonic()
    proc = procs.spawn([*cmd, *bench], env=child_env)
    try:
        code = proc.wait()
    finally:
        procs.stop(proc)
    latest = runs.latest_run(out)
    return {
        "db": db,
        "cache": cache,
        "exit_code": code,
        "seconds": round(time.monotonic() - started, 1),
        "run_dir": str(latest.relative_to(run_dir)) if latest else None,
    }


def collect(run_dir: Path, pairs: list[dict]) -> dict[str, Any]:
    """Read each pair's summary.json into one comparison, per scheme then pair."""
    schemes: dict[str, dict[str, dict]] = {}
    for pair in pairs:
        key = f"{pair['db']}-{pair['cache']}"
        if not pair["run_dir"]:
            continue
        data = json.loads((run_dir / pair["run_dir"] / "summary.json").read_text())
        prov = data.get("provenance", {})
        pair["database"] = prov.get("database")
        pair["cache_backend"] = prov.get("cache")
        pair["session_engine"] = prov.get("session_engine")
        for row in data.get("schemes", []):
            schemes.setdefault(row["scheme"], {})[key] = {f: row.get(f) for f in FIELDS}
    return {"pairs": pairs, "schemes": schemes}


def _fmt(cell: dict | None) -> str:
    if not cell or cell.get("request_us") is None:
        return "-"
    ratio = cell.get("ratio_to_none")
    text = f"{cell['request_us']:.0f} ({cell.get('request_iqr_us') or 0:.0f})"
    return text + (f" x{ratio:.2f}" if ratio is not None else "")


def markdown(matrix: dict) -> str:
    """The comparison as a Markdown table: schemes down, database-cache pairs across."""
    keys = [f"{p['db']}-{p['cache']}" for p in matrix["pairs"]]
    lines = [
        "# Stores matrix (QUICK bench)",
        "",
        f"Median µs per GET `whoami/` (IQR) and ratio to `none` in the same run; session "
        f"engine `{matrix['session_engine']}` everywhere, so the cache is on the session "
        "path. Each column is one ordinary run folder (below).",
        "",
        "| scheme | " + " | ".join(keys) + " |",
        "|---|" + "---:|" * len(keys),
    ]
    for scheme, cells in matrix["schemes"].items():
        lines.append(f"| {scheme} | " + " | ".join(_fmt(cells.get(k)) for k in keys) + " |")
    lines += ["", "| pair | exit | seconds | run folder |", "|---|---:|---:|---|"]
    for p in matrix["pairs"]:
        lines.append(
            f"| {p['db']}-{p['cache']} | {p['exit_code']} | {p['seconds']} | {p['run_dir']} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run every pair (or those named), then write matrix.json and matrix.md."""
    parser = argparse.ArgumentParser(prog="python -m infra.matrix", description=__doc__)
    parser.add_argument("--pairs", help="e.g. sqlite-locmem,postgres-redis (default: all 4)")
    parser.add_argument("--session-engine", default=SESSION_ENGINE)
    parser.add_argument(
        "--bench",
        default=f"{sys.executable} -m benchmarks --quick --no-load",
        help="the bench command each pair runs (default: QUICK, no load phase)",
    )
    args = parser.parse_args(argv)
    wanted = [tuple(p.split("-", 1)) for p in args.pairs.split(",")] if args.pairs else PAIRS
    run_dir = runs.new_run_dir(label="matrix")
    print(f"matrix: {len(wanted)} pairs -> {run_dir}", flush=True)
    pairs = []
    for db, cache in wanted:
        print(f"matrix: {db} x {cache}", flush=True)
        pairs.append(run_pair(run_dir, db, cache, args.session_engine, args.bench.split()))
    matrix = {"session_engine": args.session_engine, **collect(run_dir, pairs)}
    runs.atomic_write_json(run_dir / "matrix.json", matrix)
    runs.atomic_write_text(run_dir / "matrix.md", markdown(matrix))
    runs.atomic_write_text(run_dir / runs.COMPLETE_MARKER, "matrix\n")
    print((run_dir / "matrix.md").read_text())
    failed = [p for p in pairs if p["exit_code"] or not p["run_dir"]]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
