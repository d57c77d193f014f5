"""``make bench``: measure every scheme, write a run folder, print a summary table.

Usage: ``python -m benchmarks [--quick] [--no-load] [--no-report]``.

1. a fresh SQLite file (temp dir), migrated and seeded; 2. the pytest-benchmark
suites in a child process (they verify every scheme first, then time it) with
``--benchmark-json``; 3. the claims' evidence (its timed sections alone first), with the
untimed side jobs running beside its untimed sections: instruction counts under
valgrind, the browser claims, the two-server claims (:data:`SIDE_JOBS`); then
``summary.json`` (results/SCHEMA.md) with provenance; 4. the load phase
(``loadtests.orchestrate.run_load``) unless ``--no-load``, and the servers dimension
(``benchmarks.servers``) unless ``--no-servers``; 5. the report
(``reports.build.build_report``); 6. ``COMPLETE`` last, which moves ``reports/out/latest``.
Files are written atomically: an interrupted run leaves earlier runs and ``latest`` as
they were.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from benchmarks import policy as bench_policy
from benchmarks.phases import SIDE_JOBS, PhaseClock, finish_side_jobs, say, start_side_jobs

SETTINGS = "lab.settings.bench"
PYTEST_LOG = "pytest.log"
VERIFICATION_FILE = "verification.json"
#: Written by benchmarks.instructions (its OUTPUT_FILE), read back into summary.json.
INSTRUCTIONS_FILE = "instructions.json"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The driver's options; ``QUICK=1`` and ``LOAD=0`` in the environment work too."""
    from lab import env  # imported only once the database path is in the environment

    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        default=env.get_bool("QUICK"),
        help="fewer rounds, same coverage (env QUICK=1)",
    )
    parser.add_argument(
        "--no-load",
        action="store_true",
        default=not env.get_bool("LOAD", True),
        help="skip the load phase (env LOAD=0)",
    )
    parser.add_argument(
        "--no-instructions",
        action="store_true",
        default=not env.get_bool("INSTRUCTIONS", True),
        help="skip the instruction counts under valgrind (env INSTRUCTIONS=0)",
    )
    parser.add_argument(
        "--no-servers",
        action="store_true",
        default=not env.get_bool("SERVERS", True),
        help="skip the servers dimension (env SERVERS=0)",
    )
    parser.add_argument("--no-report", action="store_true", help="skip the report")
    parser.add_argument(
        "-k",
        dest="select",
        default="",
        help="only benchmarks matching this pytest -k expression "
        "(a partial run: never marked complete)",
    )
    return parser.parse_args(argv)


def use_database(db_path: Path) -> None:
    """Point this process (and the suites) at the bench profile on ``db_path``."""
    # Set before lab.env is first imported: it reads both when imported.
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["AUTHLAB_SQLITE_PATH"] = str(db_path)


def setup_django() -> None:
    """Set Django up, migrate the database and seed the benchmark accounts."""
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    from benchmarks.harness import SEED_COUNT
    from lab.seed import seed_users

    call_command("migrate", interactive=False, verbosity=0)
    seed_users(SEED_COUNT)
    connection.close()  # the suites open their own


def run_suites(
    run_dir: Path, pol: bench_policy.Policy, db_path: Path, select: str
) -> tuple[int, float | None]:
    """Run the suites in a child pytest; stream one progress line per benchmark. Return
    its exit code and the cores other processes kept busy meanwhile (:func:`other_load`)."""
    from infra import procs

    cmd = [
        sys.executable,
        "-m",
        "pytest",
        "benchmarks",
        "-p",
        "no:cacheprovider",
        "-v",
        "--benchmark-enable",
        f"--benchmark-json={run_dir / 'benchmark.json'}",
        "--benchmark-save-data",
        "--durations=25",
        "--benchmark-columns=median,iqr,rounds",
        *pol.pytest_args(),
    ]
    if select:  # verification always runs
        cmd += ["-k", f"test_every_scheme_answers_before_timing or ({select})"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "AUTHLAB_SQLITE_PATH": str(db_path),
        bench_policy.RUN_DIR_VAR: str(run_dir),
        bench_policy.QUICK_VAR: "1" if pol.quick else "",
    }
    started, before = time.monotonic(), cpu_snapshot()
    with open(run_dir / PYTEST_LOG, "w") as log:
        # A child that dies with this process: an interrupted run leaves nothing running.
        proc = procs.spawn(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=Path(__file__).resolve().parent.parent,
        )
        assert proc.stdout is not None
        try:
            for line in proc.stdout:
                log.write(line)
                progress = progress_line(line, time.monotonic() - started)
                if progress:
                    say(progress)
            code = proc.wait()
            return code, other_load(before, cpu_snapshot(), time.monotonic() - started)
        finally:
            procs.stop(proc)


def cpu_snapshot() -> tuple[float, float] | None:
    """(the machine's busy CPU seconds, this process's and its waited-for children's);
    ``None`` without ``/proc/stat`` (not Linux)."""
    from infra.cpu import machine_busy_seconds

    mine = sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )
    try:
        return machine_busy_seconds(), mine
    except (OSError, ValueError):
        return None


def other_load(before, after, wall_s: float) -> float | None:
    """Cores that processes outside this run kept busy over ``wall_s`` seconds: the
    machine's busy time less the run's own (the suites' child tree and the driver).
    A run timed beside a CPU hog shows about one core here, an idle machine ~0.0;
    ``None`` when it cannot be read (not Linux)."""
    if before is None or after is None or wall_s <= 0:
        return None
    return round(max(0.0, (after[0] - before[0]) - (after[1] - before[1])) / wall_s, 2)


def progress_line(line: str, elapsed: float) -> str | None:
    """A short progress line for a pytest ``-v`` result line, else ``None``."""
    if "::" not in line or not any(
        word in line for word in ("PASSED", "FAILED", "SKIPPED", "ERROR")
    ):
        return None
    test, _, rest = line.partition(" ")
    if "::" not in test:  # a summary line ("FAILED path::test - why", "SKIPPED [1] x.py:12")
        return None
    status = rest.split()[0] if rest.split() else ""
    percent = rest[rest.rfind("[") :].strip() if "[" in rest else ""
    name = test.split("::", 1)[1].removeprefix("test_time_")
    return f"  {elapsed:6.1f}s {percent:>6} {status.lower():<7} {name}"


def read_json(path: Path) -> Any:
    """Parse a JSON file, or ``None`` when it is missing."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        return None


def scheme_metas() -> list[dict[str, Any]]:
    """Every scheme's identity (``Scheme.identity()``), in registry order."""
    from schemes import registry

    return [s.identity() for s in registry.all_schemes()]


def run_provenance(pol: bench_policy.Policy, benchmark_json: dict[str, Any]) -> dict[str, Any]:
    """Provenance of this run: results.provenance.provenance() plus how it was measured."""
    from results.provenance import provenance

    return provenance(
        profile=SETTINGS,
        quick=pol.quick,
        rounds=pol.as_dict(),
        method="in-process WSGI: django.core.handlers.wsgi.WSGIHandler, one request at a time",
        bench_database="a fresh database per run (SQLite: a temp file), migrated, seeded",
        timer=benchmark_json.get("benchmarks", [{}])[0].get("options", {}).get("timer")
        if benchmark_json.get("benchmarks")
        else None,
        pytest_benchmark_machine=benchmark_json.get("machine_info", {}).get("cpu", {}),
    )


def load_phase(run_dir: Path, quick: bool, summary: dict[str, Any]) -> None:
    """Run the load tests and merge their figures; record why when they cannot run."""
    from results.summary import add_load

    try:
        from loadtests.orchestrate import run_load
    except ImportError as exc:
        summary["load"] = {"ran": False, "reason": f"loadtests.orchestrate unavailable: {exc}"}
        say(f"load phase skipped: {exc}")
        return
    say("load phase: every scheme under HTTP load (gunicorn + locust) ...")
    started, before = time.monotonic(), cpu_snapshot()
    try:
        add_load(summary, run_load(run_dir, quick=quick))
    except Exception as exc:  # the in-process figures stand on their own
        summary["load"] = {"ran": False, "reason": f"load phase failed: {exc!r}"}
        say(f"load phase FAILED ({exc!r}); the in-process figures are kept")
        return
    wall = time.monotonic() - started
    crowd(summary["load"], other_load(before, cpu_snapshot(), wall))
    say(f"load phase done in {wall:.0f} s")


def crowd(section: dict[str, Any], other_cores: float | None) -> None:
    """Record how busy other processes kept the machine while ``section``'s figures were
    measured, and whether that makes them noisy (the suites' rule,
    :func:`benchmarks.summary.crowded`): beside a CPU hog, a QUICK load phase's
    throughputs read 0.48-1.35x the idle run's (median 0.72x), and no interval shows it."""
    from benchmarks.summary import crowded

    section["other_cpu_cores"] = other_cores
    section["noisy"] = crowded(other_cores)


def servers_phase(run_dir: Path, quick: bool, summary: dict[str, Any]) -> None:
    """Every scheme under each HTTP server (benchmarks/servers.py) into
    ``dimensions.servers``; a failure is recorded and the other figures kept."""
    from benchmarks.servers import run_servers
    from results.summary import add_servers

    say("servers: every scheme under each HTTP server (CPU/request, open loop, limits) ...")
    started = time.monotonic()
    try:
        add_servers(summary, run_servers(run_dir, quick=quick, say=say))
    except Exception as exc:  # the in-process and load figures stand on their own
        summary["provenance"]["servers"] = {"ran": False, "reason": f"failed: {exc!r}"}
        say(f"servers phase FAILED ({exc!r}); the other figures are kept")
        return
    say(f"servers phase done in {time.monotonic() - started:.0f} s")


def report_phase(run_dir: Path) -> Path | None:
    """Build the report into the run folder; ``None`` (with a note) when it cannot."""
    try:
        from reports.build import build_report
    except ImportError as exc:
        say(f"report skipped: {exc}")
        return None
    try:
        return build_report(run_dir, require_complete=False)
    except Exception as exc:  # the run's data is still worth keeping
        say(f"report FAILED: {exc!r}")
        return None


def table(summary: dict[str, Any]) -> str:
    """The terminal summary: one row per scheme, wall µs and instructions side by side."""

    def num(value, fmt):
        return "-" if value is None else format(value, fmt)

    def ci(interval):
        return "-" if not interval else f"{interval[0]:,.2f}-{interval[1]:,.2f}"

    rows = [
        f"{'scheme':<16}{'request µs':>13}{'± IQR':>11}{'x none':>10}{'95% CI':>20}"
        f"{'M instr':>11}{'x none':>10}{'queries':>9}{'cred bytes':>12}{'auth() µs':>13}"
        f"{'login ms':>10}"
    ]
    for e in summary["schemes"]:
        login = None if e["login_us"] is None else e["login_us"] / 1000
        instr = e.get("request_instructions")
        rows.append(
            f"{e['scheme']:<16}{num(e['request_us'], ',.1f'):>13}"
            f"{num(e['request_iqr_us'], ',.1f'):>11}{num(e['ratio_to_none'], ',.2f'):>10}"
            f"{ci(e.get('ratio_to_none_ci')):>20}"
            f"{num(None if instr is None else instr / 1e6, ',.2f'):>11}"
            f"{num(e.get('instructions_ratio_to_none'), ',.2f'):>10}"
            f"{num(e['queries'], 'd'):>9}{num(e['credential_bytes'], 'd'):>12}"
            f"{num(e['authenticate_us'], ',.1f'):>13}{num(login, ',.1f'):>10}"
        )
    floor = summary["floor"]["bare_django_view_us"]
    rows.append(f"{'(bare Django)':<16}{num(floor, ',.1f'):>13}")
    return "\n".join(rows)


def noise_line(noise: dict[str, Any]) -> str:
    """The run's noise verdict: its intervals' widths against the threshold, the drift."""
    from reports.noise import noise_cause

    verdict = f"  NOISY: {noise_cause(noise)}" if noise["noisy"] else "  steady"
    return (
        f"95% intervals: none median ± {noise.get('baseline_ci_pct')}%, typical x none "
        f"± {noise.get('ratio_ci_pct')}% (noisy above ± {noise.get('threshold_pct')}%); "
        f"baseline drift start->end {noise.get('drift_pct')}%; other processes "
        f"{noise.get('other_cpu_cores')} cores (noisy above {noise.get('other_cores_threshold')})"
        + verdict
    )


def stop_on_sigterm(signum, frame) -> None:
    """SIGTERM ends the run like Ctrl-C: cleanups run, nothing is marked complete."""
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    """Run the whole benchmark; return the process exit code."""
    signal.signal(signal.SIGTERM, stop_on_sigterm)
    clock = PhaseClock()
    with tempfile.TemporaryDirectory(prefix="authlab-bench-") as tmp:
        db_path = Path(tmp) / "bench.sqlite3"
        use_database(db_path)
        args = parse_args(argv)
        pol = bench_policy.policy(args.quick)
        from results import runs

        run_dir = runs.new_run_dir("quick" if args.quick else "full")
        say(f"authlab bench ({'QUICK' if args.quick else 'full'}): run folder {run_dir}")
        setup_django()
        say(
            f"database ready (migrated, seeded) in {clock.lap('setup'):.1f} s; "
            "verifying every scheme, then timing ..."
        )
        code, other_cores = run_suites(run_dir, pol, db_path, args.select)
        clock.lap("suites")
        evidence = evidence_phase(run_dir, side_jobs(args), load=not args.no_load)
        clock.lap("evidence and side jobs")
    verification = read_json(run_dir / VERIFICATION_FILE)
    benchmark_json = read_json(run_dir / "benchmark.json")
    if verification is None or benchmark_json is None:
        say(f"FAILED: the suites stopped early (exit {code}); see {run_dir / PYTEST_LOG}")
        return 1
    return finish(
        args, pol, run_dir, code, verification, benchmark_json, clock, evidence, other_cores
    )


def side_jobs(args) -> tuple[str, ...]:
    """The :data:`SIDE_JOBS` this run runs (none in a partial ``-k`` run)."""
    if args.select:
        return ()
    return tuple(n for n, _, _ in SIDE_JOBS if not (n == "instructions" and args.no_instructions))


def evidence_phase(run_dir: Path, jobs: tuple[str, ...], load: bool = False) -> dict:
    """The claims' in-process evidence (benchmarks/evidence.py) on the seeded database:
    its timed sections alone first, then the untimed ones beside the side jobs ``jobs``
    (and, with ``load``, the load phase's database being migrated and its users logged
    in), which this phase waits for."""
    from django.db import connection

    from benchmarks import evidence

    # The evidence's refused credentials are not logged (lab.settings.bench LOGGING).
    started = time.monotonic()
    found = evidence.collect(evidence.TIMED)
    running = start_side_jobs(run_dir, jobs)
    ahead = threading.Thread(target=prepare_load_database, name="load database", daemon=True)
    if load:
        ahead.start()
    try:
        found.update(evidence.collect_untimed())
        connection.close()
        failed = [name for name, section in found.items() if "error" in section]
        say(
            f"  claims' evidence: done in {time.monotonic() - started:.0f} s"
            + (f"; failed: {failed}" if failed else "")
        )
    finally:
        finish_side_jobs(running)
        if ahead.is_alive():
            ahead.join()
    return {name: found[name] for name in evidence.PRODUCERS if name in found}


def prepare_load_database() -> None:
    """The load phase's database, migrated and its users logged in ahead
    (loadtests.orchestrate.prepare_ahead); on failure the phase makes its own and says why."""
    try:
        from loadtests.orchestrate import prepare_ahead

        made = prepare_ahead()
    except Exception as exc:  # the load phase tries again itself
        say(f"  load database ahead: failed ({exc!r}); the load phase makes its own")
        return
    if made:
        real = sum(made["real_hash_logins"].values())
        say(
            f"  load logins ahead: {made['logins']} on {made['schemes']} schemes "
            f"({real} with the real hash) in {made['process_cpu_s']} s CPU"
        )


def finish(
    args,
    pol,
    run_dir: Path,
    code: int,
    verification: dict,
    benchmark_json: dict,
    clock: PhaseClock,
    evidence: dict | None = None,
    other_cores: float | None = None,
) -> int:
    """Write the summary, run the load phase and the report, mark the run complete."""
    from benchmarks.summary import build_summary, queries_by_scheme, read_records
    from results import runs
    from results.summary import add_instructions
    from schemes import registry

    summary = build_summary(
        run_id=run_dir.name,
        quick=pol.quick,
        provenance=run_provenance(pol, benchmark_json),
        schemes=scheme_metas(),
        baseline=registry.BASELINE,
        verification=verification,
        benchmark_json=benchmark_json,
        evidence=evidence,
        other_cores=other_cores,
    )
    runs.atomic_write_json(
        run_dir / "queries.json", queries_by_scheme(read_records(benchmark_json))
    )
    runs.atomic_write_json(run_dir / "summary.json", summary)
    say(f"in-process benchmarks done in {clock.total():.0f} s")
    add_instructions(summary, read_json(run_dir / INSTRUCTIONS_FILE))
    if args.no_load:
        summary["load"] = {"ran": False, "reason": "skipped (--no-load / LOAD=0)"}
    else:
        load_phase(run_dir, pol.quick, summary)
        clock.lap("load")
    if not (args.no_servers or args.select):
        servers_phase(run_dir, pol.quick, summary)
        clock.lap("servers")
    summary["provenance"]["phase_seconds"] = dict(clock.laps)
    runs.atomic_write_json(run_dir / "summary.json", summary)
    report = None if args.no_report else report_phase(run_dir)
    clock.lap("report")
    say("")
    say(table(summary))
    say("\n" + noise_line(summary["noise"]))
    say(clock.line())
    failed = [n for n, v in verification.items() if not v.get("ok")]
    if code != 0 or failed or args.select:
        why = (
            f"failed verification: {failed}"
            if failed
            else (f"pytest exit {code}" if code else "partial run (-k)")
        )
        say(f"run NOT marked complete ({why}); log: {run_dir / PYTEST_LOG}")
        say(f"run folder: {run_dir}")
        return 1 if code or failed else 0
    runs.mark_complete(run_dir)
    say(f"run folder: {run_dir}  ({clock.total():.0f} s in all)")
    say(f"report: {report}" if report else "report: (not built)")
    return 0
