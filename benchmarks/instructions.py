"""CPU instructions per request under valgrind: the deterministic currency beside wall µs.

Usage: ``python -m benchmarks.instructions --out DIR [--schemes a,b]
[--repetitions N]`` (``make instructions``). Writes ``DIR/instructions.json``.

For every registry scheme it counts the instructions of its GET ``whoami/``, its POST
``whoami/`` (JSON body, CSRF header where the scheme needs one) and its
``authenticate()`` alone, each per request, sent as ``make bench`` sends them (Django's
WSGI handler, the bench settings, a fresh migrated and seeded SQLite file,
``PYTHONHASHSEED=0``).

Method: start/stop instrumentation, not a differential run. One process runs under
``valgrind --tool=callgrind --instr-atstart=no``: it sets Django up and imports every
scheme's views uninstrumented, while the driver migrates and seeds the database, then
forks one worker per job (``JOBS``), each on its own copy of the database (no worker
sees another's writes): the start-up under valgrind, ~13 CPU seconds, is paid once.
Each worker logs its schemes in (longest-lived credential first), verifies and warms
every path (``WARMUP_CALLS``), all uninstrumented (several times faster, not counted).
Then instrumentation goes on for good (switching it off and on per region would flush
and re-translate all code) and each scheme is counted, the shortest-lived credential
first (jwt-short's 60 s token a second or so after its login); a credential is
obtained again only when half its life has passed (a crowded machine; ``refreshed``
names them: a login again moves the next GET's count by a few percent, so it is not
done by default). Each region is bracketed by callgrind client requests issued through
pytest-codspeed's maintained native module: ``gc.collect()`` and ``gc.freeze()`` (every
region starts from the same collector state, whatever ran before it), ``REWARM_CALLS``
calls (time passed while the others were counted: a 60 s cache entry may be gone),
``ZERO_STATS``, ``N`` calls of one path, ``DUMP_STATS_AT(label)``. One process thus
measures many schemes, one labelled dump per region, where a differential run would
need two processes per figure. The cost of an empty bracket, counted in the same
process, is subtracted. A scheme whose login or check fails is recorded with its
``error`` in ``verified`` and not counted; the others are. Counts depend on the
configuration (``N``, warm-up, versions): compare figures of one configuration only.
Where the extra instructions go (SQL, crypto, the rest) is counted by replay:
:mod:`benchmarks.instruction_parts`.

``N`` is ``REPETITIONS`` (2) in QUICK and full runs alike, so that their figures
compare (``provenance.repetitions``). The interpreter still specialises bytecode over
the first counted calls, so fewer calls read slightly higher: measured, 2 calls' ratios
to none were within 1.5 % of 5 calls' (two runs of 2, one beside a CPU hog, within
0.64 %). Where the CPU seconds went is printed per stage (``stages``) and kept in
``shared_worker_cpu_seconds`` and ``worker_cpu_seconds``.

Password hashing is linear in the hasher's iterations, so a path that verifies a
password (seen by profiling its warm-up call) is counted at reduced costs ``n1 < n2``
(the seeded hashes encoded at that cost, the same hasher class with its ``iterations``
lowered in the worker only), and scaled to the real default ``n0``::

    I(n0) = I(n1) + (n0 - n1) * (I(n2) - I(n1)) / (n2 - n1)

Linearity is checked on GET at a third point ``n3``: the line through ``n1, n2``
predicts ``I(n3)``; the relative error is recorded (``linearity_error_pct``). Hashers
without an ``iterations`` parameter are not scaled: such paths are recorded as null.

What instructions cannot see: waiting (I/O, locks, the database server of PostgreSQL),
kernel time, cache misses and branch mispredictions, SIMD width (valgrind also hides
CPU features such as SHA extensions, so hashing is counted on a generic code path).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks import instruction_parts as parts
from benchmarks.callgrind import (
    HASH_SEED,
    SEED_DB,
    TOOL,
    VALGRIND_ARGS,
    finish_workers,
    per_call,
    start_workers,
)
from benchmarks.instructions_worker import REWARM_CALLS, WARMUP_CALLS
from results.runs import atomic_write_json

SETTINGS = "lab.settings.bench"
OUTPUT_FILE = "instructions.json"
#: Calls counted per path, in QUICK and full runs alike (a figure compares only with
#: figures of its own configuration): after 10 warm-up calls, 2 read within 1.5 % of 5
#: and repeat within 0.5 % from run to run, for 40 % less counting.
REPETITIONS = 2
#: Reduced hasher iterations: the paths are counted at n1, the hasher's verify() alone
#: at n1 and n2 (its cost per iteration) and at n3 (the linearity check).
ITERATION_POINTS = (1000, 2000, 4000)
#: valgrind processes at once (the issue allows parallel counting, never beside timing).
JOBS = 2
KINDS = ("get", "post", "authenticate")


def valgrind_version(valgrind: str) -> str | None:
    """``valgrind --version`` (e.g. ``valgrind-3.19.0``), ``None`` when it does not run."""
    try:
        done = subprocess.run([valgrind, "--version"], capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    return done.stdout.strip() or None


def hooks_version() -> str | None:
    """pytest-codspeed's version when its native instrument hooks import, else ``None``."""
    try:
        from pytest_codspeed import __version__
        from pytest_codspeed.instruments.hooks import dist_instrument_hooks  # noqa: F401
    except ImportError:
        return None
    return __version__


def use_settings(db_path: Path) -> None:
    """Point this process at the bench profile on ``db_path`` (before lab.env is read)."""
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["AUTHLAB_SQLITE_PATH"] = str(db_path)


def prepare_database(db_path: Path, iterations: int) -> dict[str, Any]:
    """Migrate and seed ``db_path`` with passwords hashed at ``iterations``; return the
    default hasher's facts (its real iterations among them)."""
    from django.contrib.auth.hashers import get_hasher
    from django.core.management import call_command

    from benchmarks.harness import SEED_COUNT
    from lab.seed import seed_users

    call_command("migrate", interactive=False, verbosity=0)
    hasher_class = type(get_hasher("default"))
    hasher = {"class": f"{hasher_class.__module__}.{hasher_class.__qualname__}"}
    hasher["iterations"] = getattr(hasher_class, "iterations", None)
    if hasher["iterations"] is not None:
        hasher_class.iterations = iterations  # only the seeded hashes, in this process
    seed_users(SEED_COUNT)
    return hasher


def hasher_iterations() -> int | None:
    """The default password hasher's ``iterations`` (``None`` when it has none)."""
    from django.contrib.auth.hashers import get_hasher

    return getattr(type(get_hasher("default")), "iterations", None)


def groups(names: list[str], jobs: int) -> list[list[str]]:
    """Split the schemes round-robin over at most ``jobs`` workers."""
    return [names[i::jobs] for i in range(min(jobs, len(names)))]


def hasher_fit(regions: list[dict[str, Any]], default: int | None) -> dict[str, Any]:
    """The hasher's instructions per iteration from its verify() counted alone at n1
    and n2, and how far the line misses n3 (the linearity check)."""
    n1, n2, n3 = ITERATION_POINTS
    counted = {r["iterations"]: r["instructions"] for r in regions if r["kind"] == "hasher"}
    fit: dict[str, Any] = {"default_iterations": default, "points": list(ITERATION_POINTS)}
    if not {n1, n2, n3} <= counted.keys():
        return {
            **fit,
            "verify_instructions": None,
            "per_iteration": None,
            "linearity_error_pct": None,
        }
    slope = (counted[n2] - counted[n1]) / (n2 - n1)
    predicted = counted[n1] + (n3 - n1) * slope
    return {
        **fit,
        "verify_instructions": {str(n): round(v) for n, v in sorted(counted.items())},
        "per_iteration": round(slope, 2),
        "linearity_error_pct": round(100 * abs(counted[n3] - predicted) / counted[n3], 4),
    }


def assemble(
    names: list[str],
    regions: list[dict[str, Any]],
    verification: dict[str, Any],
    hasher: dict[str, Any],
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Per scheme figures and the hasher-scaling record, from the counted regions."""
    from schemes.registry import BASELINE

    fit = hasher_fit(regions, hasher["iterations"])
    n1 = ITERATION_POINTS[0]
    counted = {(r["scheme"], r["kind"]): r["instructions"] for r in regions if r["scheme"]}
    at_n0 = (hasher["iterations"], n1, fit["per_iteration"])
    scaled: dict[str, Any] = {}
    entries = []
    for name in names:
        entry: dict[str, Any] = {"scheme": name}
        for kind in KINDS:
            value = counted.get((name, kind))
            hashes = verification.get(name, {}).get(kind, {}).get("password_hashes", 0)
            if value is not None and hashes:
                # Each verify() in the path costs (n0 - n1) * per-iteration more at n0.
                at_n1 = value
                value = parts.scaled(at_n1, hashes, *at_n0)
                scaled[f"{name}:{kind}"] = {
                    "hashes": hashes,
                    "counted_at_n1": round(at_n1),
                    "scaled": None if value is None else round(value),
                }
            entry[f"{kind}_instructions"] = None if value is None else round(value)
        entry["request_instructions"] = entry["get_instructions"]
        hashes = verification.get(name, {}).get("get", {}).get("password_hashes", 0)
        for part, region in (("sql", parts.SQL), ("crypto", parts.CRYPTO)):
            value = counted.get((name, region))
            if value is not None:  # SQL never hashes; crypto holds every verify()
                value = parts.scaled(value, hashes if part == "crypto" else 0, *at_n0)
            entry[f"{part}_instructions"] = None if value is None else round(value)
        entry["verified"] = verification.get(name, {})
        entries.append(entry)
    base = next((e["get_instructions"] for e in entries if e["scheme"] == BASELINE), None)
    for entry in entries:
        get = entry["get_instructions"]
        entry["instructions_ratio_to_none"] = round(get / base, 4) if base and get else None
    parts.extra_parts(entries, BASELINE)
    scaling = {
        "hasher": hasher["class"],
        "parameter": "iterations",
        **fit,
        "formula": "I(n0) = I(n1) + k * (n0 - n1) * (V(n2) - V(n1)) / (n2 - n1); "
        "V = the hasher's verify() alone, k = verify() calls in the path",
        "paths": scaled,
    }
    return entries, scaling


def provenance(valgrind: str | None, repetitions: int, **extra: Any) -> dict[str, Any]:
    """How these counts were made (merged into the run's provenance by the summary)."""
    import django

    return {
        "valgrind": valgrind,
        "tool": TOOL,
        "valgrind_args": list(VALGRIND_ARGS),
        "client_requests": f"pytest-codspeed {hooks_version()} instrument hooks",
        "PYTHONHASHSEED": HASH_SEED,
        "settings": SETTINGS,
        "database": "SQLite: a fresh file, migrated and seeded, one copy per worker",
        "repetitions": repetitions,
        "warmup_calls": WARMUP_CALLS,
        "rewarm_calls": REWARM_CALLS,
        "jobs": JOBS,
        "processes": "one valgrind process: Django set up once, uninstrumented, then one "
        "forked worker per job, each on its own copy of the database",
        "method": "callgrind, --instr-atstart=no; instrumentation on once everything is "
        "warm, then per region ZERO_STATS ... DUMP_STATS_AT(label) (client requests via "
        "pytest-codspeed); an empty bracket's cost subtracted; per call = region / repetitions",
        "python": sys.version.split()[0],
        "django": django.get_version(),
        **extra,
    }


def unmeasured(names: list[str], reason: str) -> dict[str, Any]:
    """The output when counting cannot run: every figure null, and why."""
    nulls = {f"{k}_instructions": None for k in (*KINDS, "request")}
    return {
        "ran": False,
        "reason": reason,
        "schemes": [{"scheme": n, **nulls, "instructions_ratio_to_none": None} for n in names],
    }


def available() -> str | None:
    """Always ``None``, for the driver's side jobs (benchmarks/phases.py): without
    valgrind the job still runs, and writes why nothing was counted (``reason``), which
    summary.json keeps."""
    return None


def why_not_measurable(valgrind: str | None) -> str | None:
    """Why instructions cannot be counted here, or ``None`` when they can."""
    if valgrind is None:
        return "valgrind not found: install Debian's valgrind (`make system-deps` does, as root)"
    if hooks_version() is None:
        return "pytest-codspeed's instrument hooks do not import (pip install 'pytest-codspeed')"
    return None


def count(tmp: Path, names: list[str], repetitions: int, valgrind: str) -> dict[str, Any]:
    """Start the workers, prepare the database meanwhile, assemble the figures."""
    from benchmarks.summary import BASIC
    from infra import procs
    from schemes.registry import BASELINE

    started = time.monotonic()
    points = list(ITERATION_POINTS) if hasher_iterations() is not None else []
    split = groups(names, JOBS)
    proc = start_workers(valgrind, tmp, split, repetitions, points, SETTINGS)
    try:
        hasher = prepare_database(tmp / SEED_DB, ITERATION_POINTS[0])
        from django.db import connection

        connection.close()  # checkpoints the WAL: the file alone is the database
        setup_seconds = time.monotonic() - started
        workers = finish_workers(tmp, proc, len(split))
    finally:  # an interrupted phase leaves no valgrind running
        procs.stop(proc)
    shared = json.loads((tmp / "shared.json").read_text())["seconds"]
    regions, verification, brackets, refreshed = [], {}, [], []
    for meta in workers:
        counted = per_call(tmp, meta)
        brackets += [r["instructions"] for r in counted if r["kind"] == "bracket"]
        regions += [r for r in counted if r["kind"] != "bracket"]
        verification.update(meta["verification"])
        refreshed += meta["refreshed"]
    entries, scaling = assemble(names, regions, verification, hasher)
    return {
        "ran": True,
        "reason": None,
        "schemes": entries,
        "hasher_scaling": scaling,
        "basic_hasher_check": parts.hasher_check(entries, scaling, BASIC, BASELINE),
        "instruction_parts_method": parts.METHOD,
        "bracket_instructions": brackets,
        "refreshed": refreshed,
        "setup_seconds": round(setup_seconds, 2),
        "shared_worker_cpu_seconds": shared,
        "worker_cpu_seconds": [meta["seconds"] for meta in workers],
    }


def measure(
    out: Path,
    names: list[str] | None,
    repetitions: int = REPETITIONS,
) -> dict[str, Any]:
    """Count every scheme (or ``names``), ``repetitions`` calls per path, and write
    ``out/instructions.json``."""
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="authlab-instructions-") as tmp_name:
        tmp = Path(tmp_name)
        use_settings(tmp / SEED_DB)
        import django

        django.setup()
        from schemes import registry

        names = names or registry.names()
        unknown = sorted(set(names) - set(registry.names()))
        if unknown:
            raise SystemExit(f"unknown schemes: {', '.join(unknown)}")
        valgrind = shutil.which("valgrind")
        version = valgrind_version(valgrind) if valgrind else None
        reason = why_not_measurable(valgrind if version else None)
        result = unmeasured(names, reason) if reason else count(tmp, names, repetitions, valgrind)
    result["baseline"] = registry.BASELINE
    result["wall_seconds"] = round(time.monotonic() - started, 2)
    # On a shared machine wall time says little alone: the CPU time says what it costs.
    usage = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    result["cpu_seconds"] = round(sum(u.ru_utime + u.ru_stime for u in usage), 2)
    result["provenance"] = provenance(version, repetitions)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(out / OUTPUT_FILE, result)
    return result


def table(result: dict[str, Any]) -> str:
    """One row per scheme: instructions per GET, POST, authenticate() and the ratio to none."""

    def num(value, fmt=",d"):
        return "-" if value is None else format(value, fmt)

    rows = [f"{'scheme':<16}{'GET':>16}{'POST':>16}{'auth()':>16}{'x none':>10}"]
    for e in result["schemes"]:
        rows.append(
            f"{e['scheme']:<16}{num(e['get_instructions']):>16}{num(e['post_instructions']):>16}"
            f"{num(e['authenticate_instructions']):>16}"
            f"{num(e['instructions_ratio_to_none'], ',.2f'):>10}"
        )
    failed = [f"{e['scheme']}: {e['verified']['error']}" for e in result["schemes"]
              if "error" in (e.get("verified") or {})]  # fmt: skip
    return "\n".join(rows + [f"NOT counted, {line}" for line in failed])


def stages(result: dict[str, Any]) -> str:
    """Where the CPU seconds went: one line for the start-up the workers share under
    valgrind, one per worker (indented: parts of its ``count_paths``)."""

    def line(seconds: dict[str, float]) -> str:
        return ", ".join(f"{k.strip()} {v:.1f}" for k, v in seconds.items())

    rows = [
        f"CPU s: all {result['cpu_seconds']:.1f} (wall {result['wall_seconds']:.1f}; "
        f"database ready after {result['setup_seconds']:.1f} s wall)",
        f"  valgrind start-up, shared: {line(result['shared_worker_cpu_seconds'])}",
    ]
    rows += [f"  worker {i}: {line(s)}" for i, s in enumerate(result["worker_cpu_seconds"])]
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    """Parse the options, count, print the table; exit 0 also when valgrind is missing."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.instructions",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--out", type=Path, required=True, help="run folder to write into")
    parser.add_argument("--schemes", default="", help="comma-separated names (default: all)")
    parser.add_argument(
        "--repetitions", type=int, default=REPETITIONS, help="calls counted per path"
    )
    args = parser.parse_args(argv)
    names = [n for n in args.schemes.split(",") if n] or None
    result = measure(args.out, names, args.repetitions)
    if not result["ran"]:
        print(f"instruction counts NOT measured: {result['reason']}")
    else:
        print(table(result))
    if result["ran"]:
        print(stages(result))
    print(f"instruction counts in {result['wall_seconds']:.1f} s: {args.out / OUTPUT_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
