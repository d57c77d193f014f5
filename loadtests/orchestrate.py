"""The load-test orchestrator: every scheme in turn under real HTTP load.

``make load`` runs :func:`main` (its own run folder and ``summary.json``); ``make
bench`` calls :func:`run_load` for its load phase. Neither imports locust here: the
load runs in a child process (:mod:`loadtests.generator`), against a gunicorn this
module starts on loopback unless a ``base_url`` is given: on its own copy of a migrated,
seeded SQLite template (:mod:`loadtests.database`), which it hands over, with account
1's logins, to the servers phase. The generator imports while gunicorn boots.
:func:`prepare_ahead` makes that copy earlier, while untimed work runs, with every
simulated user's login on it (:mod:`loadtests.logins`): the timed phase then starts
each scheme with its users holding credentials (checked, made again where refused).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra import procs
from loadtests import database
from loadtests.options import FULL, QUICK, Profile
from loadtests.stats import min_samples
from loadtests.table import table
from results.runs import BASE_DIR, atomic_write_json
from results.stats import PERCENTILES

#: Settings of the server and of the load generators (login throttling lifted).
SETTINGS = "lab.settings.bench"
#: The generator is "saturated" above this much of one core: numbers are then its limit.
SATURATED_PCT = 90.0


@dataclass(frozen=True)
class Generators:
    """Where the load comes from: the runner process alone, or locust workers."""

    local_workers: int = 0
    remote_workers: int = 0
    master_bind: str = "127.0.0.1"
    master_port: int = 5557

    def args(self) -> list[str]:
        """The runner's options for this setup."""
        if not self.remote_workers:
            return ["--workers", str(self.local_workers)]
        total = self.local_workers + self.remote_workers
        return [
            "--master",
            "--workers",
            str(self.local_workers),
            "--expect-workers",
            str(total),
            "--master-bind-host",
            self.master_bind,
            "--master-bind-port",
            str(self.master_port),
        ]


#: Seeded accounts: every simulated user logs in as its own one.
ACCOUNTS = database.ACCOUNTS


def default_gunicorn_workers() -> int:
    """One sync worker per core, as ``lab/gunicorn.conf.py`` does."""
    return os.cpu_count() or 2


def run_load(
    run_dir: Path,
    *,
    quick: bool,
    schemes: list[str] | None = None,
    base_url: str | None = None,
    users: int | None = None,
    warmup_s: float | None = None,
    duration_s: float | None = None,
    gunicorn_workers: int | None = None,
    gunicorn_threads: int | None = None,
    locust_workers: int = 0,
    remote_workers: int = 0,
    master_bind: str = "127.0.0.1",
    master_port: int = 5557,
    max_requests: int | None = None,
    profile: Profile | None = None,
) -> dict[str, Any]:
    """Load each scheme in turn; write ``run_dir/load/<scheme>.json``; return the figures.

    Returns ``{"meta": {...}, "schemes": {name: {load_* fields}}, "verification": {...}}``.
    With ``base_url=None`` a gunicorn is started (and stopped) for the run, on the
    database :func:`prepare_ahead` made when there is one: its users then take the
    credentials made ahead (each checked with one unmeasured GET) instead of logging in
    while the phase holds the cores (``meta.logins_made_ahead``). With
    ``locust_workers`` the load comes from that many local locust workers; with
    ``remote_workers`` the runner also waits for workers started elsewhere
    (``make locust-worker MASTER=<this host>``) on ``master_bind:master_port``.
    """
    generators = Generators(locust_workers, remote_workers, master_bind, master_port)
    base = profile or (QUICK if quick else FULL)
    profile = dataclasses.replace(
        base,
        users=users or base.users,
        warmup_s=base.warmup_s if warmup_s is None else warmup_s,
        duration_s=duration_s or base.duration_s,
        max_requests=max_requests or base.max_requests,
    )
    out = Path(run_dir) / "load"
    out.mkdir(parents=True, exist_ok=True)
    workers = gunicorn_workers or default_gunicorn_workers()
    threads = gunicorn_threads or 1
    accounts = max(ACCOUNTS, profile.users)
    made_ahead: list[Path] = []
    with contextlib.ExitStack() as stack:
        command = generator_command(out, profile, schemes, generators, accounts)
        if base_url is None:
            # The generator imports locust and Django while gunicorn boots and the
            # database is prepared; it starts its first scheme once the server serves.
            generator: list[subprocess.Popen] = []
            logins = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "logins.json"

            def start_generator(url: str, pid: int, env: dict[str, str], ahead: Path | None):
                extra = ["--handover", str(logins)]
                if ahead is not None:  # made by prepare_ahead: live credentials, a temp file
                    extra += ["--logins", str(ahead)]
                    stack.callback(ahead.unlink, missing_ok=True)
                    made_ahead.append(ahead)
                generator.append(spawn_generator([*command, *extra], url, pid, env, wait=True))
                stack.callback(procs.stop, generator[0])

            server = lab_server(
                workers, threads, accounts, log=out / "gunicorn.log", booting=start_generator
            )
            url, pid, env = stack.enter_context(server)
            go(generator[0])
            wait_generator(generator[0], profile, schemes)
            database.hand_over(env, accounts, logins)  # to the servers phase
        else:
            env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS}
            url, pid = base_url.rstrip("/"), 0
            workers = threads = None  # not ours: unknown
            proc = spawn_generator(command, url, pid, env, wait=False)
            stack.callback(procs.stop, proc)
            wait_generator(proc, profile, schemes)
    results = read_results(out, schemes)
    return {
        "meta": {
            **meta(results, profile, url, workers, threads, generators, own=base_url is None),
            "logins_made_ahead": bool(made_ahead),
        },
        "schemes": {name: load_fields(r) for name, r in results.items()},
        "verification": {name: r["verification"] for name, r in results.items()},
    }


#: Accounts logged in ahead: the users of either profile (each takes its own account).
USERS_AHEAD = max(QUICK.users, FULL.users)


def prepare_ahead(
    users: int = USERS_AHEAD, schemes: list[str] | None = None
) -> dict[str, Any] | None:
    """Make the load phase's database now (say, while untimed work runs): migrated and
    seeded, with ``user1..user<users>`` logged in on every scheme (or on ``schemes``), so
    the phase starts from a copy whose users already hold credentials. Returns what the
    logins cost (``None``: not SQLite, the phase migrates its database itself)."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS}
    if not database.uses_sqlite(env):
        return None
    return database.prepare_ahead(env, max(ACCOUNTS, users), users, schemes)


@contextlib.contextmanager
def lab_server(
    workers: int,
    threads: int,
    accounts: int,
    log: Path,
    booting: Callable[[str, int, dict[str, str], Path | None], None] | None = None,
) -> Iterator[tuple[str, int, dict]]:
    """Serve the lab on a free loopback port from a fresh, seeded SQLite file: the one
    :func:`prepare_ahead` made, when there is one.

    gunicorn's own log (and Django's 4xx warnings) goes to ``log``. ``booting(url, pid,
    env, logins)`` is called as soon as gunicorn is started, before it serves, with the
    logins file made ahead on that database (``None``: none).
    """
    with tempfile.TemporaryDirectory(prefix="authlab-load-") as tmp, log.open("ab") as log_file:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            database.PATH_ENV: str(Path(tmp) / "load.sqlite3"),
        }
        port = procs.free_port()
        proc = procs.spawn(
            procs.gunicorn_command("127.0.0.1", port, workers, threads),
            cwd=BASE_DIR,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
        try:
            url = f"http://127.0.0.1:{port}"
            # While gunicorn boots: no worker reads the database before a request, and
            # the readiness request below comes after the copy.
            logins = database.take_ahead(env, accounts)
            if booting is not None:
                booting(url, proc.pid, env, logins)
            procs.wait_http(f"{url}/api/v1/schemes/", proc=proc)
            yield url, proc.pid, env
        finally:
            procs.stop(proc)


#: Kept here for ``loadtests.ui`` and older callers.
prepare_database = database.prepare_database


def generator_command(
    out: Path,
    profile: Profile,
    schemes: list[str] | None,
    generators: Generators,
    accounts: int,
) -> list[str]:
    """The :mod:`loadtests.generator` command line (target and server PID aside)."""
    return [
        sys.executable,
        "-m",
        "loadtests.generator",
        "--out",
        str(out),
        "-u",
        str(profile.users),
        *profile.args(skip=("users",)),
        "--accounts",
        str(accounts),
        *generators.args(),
        "--schemes",
        ",".join(schemes or []),
    ]


def spawn_generator(
    command: list[str], url: str, pid: int, env: dict[str, str], *, wait: bool
) -> subprocess.Popen:
    """Start the generator against ``url``; with ``wait`` it loads nothing before
    :func:`go` (it imports meanwhile)."""
    extra = ["--host", url, "--server-pid", str(pid), *(["--wait-for-go"] if wait else [])]
    return procs.spawn(
        [*command, *extra], cwd=BASE_DIR, env=env, stdin=subprocess.PIPE if wait else None
    )


def go(proc: subprocess.Popen) -> None:
    """Tell a generator started with ``wait`` that the server is ready."""
    assert proc.stdin is not None
    with contextlib.suppress(BrokenPipeError):  # it died: wait_generator says how
        proc.stdin.write(b"go\n")
        proc.stdin.close()


def wait_generator(proc: subprocess.Popen, profile: Profile, schemes: list[str] | None) -> None:
    """Wait until the generator has measured every scheme."""
    per_scheme = profile.warmup_s + profile.max_window_s + 120  # logins with a slow hasher
    timeout = 60 + per_scheme * (len(schemes) if schemes else 20)
    try:
        code = proc.wait(timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"the load generator did not finish within {timeout:.0f} s") from None
    finally:
        procs.stop(proc)
    if code != 0:
        raise RuntimeError(f"the load generator exited with {code}: {' '.join(proc.args)}")


def read_results(out: Path, schemes: list[str] | None) -> dict[str, dict[str, Any]]:
    """The raw per-scheme files the generator wrote, in the order it ran them."""
    results = [json.loads(p.read_text()) for p in out.glob("*.json")]
    results.sort(key=lambda r: r["order"])
    found = {r["scheme"]: r for r in results}
    missing = [s for s in schemes or [] if s not in found]
    if missing or not found:
        raise RuntimeError(f"no load results for {', '.join(missing) or 'any scheme'} in {out}")
    return found


def load_fields(result: dict[str, Any]) -> dict[str, Any]:
    """One scheme's ``load_*`` fields for ``summary.json``. A percentile from too few
    samples (``too_few_samples``: p99 of 356 requests is their 4th-slowest) is null here,
    in every output that reads the summary; ``load/<scheme>.json`` keeps the raw one."""
    few = set(result.get("too_few_samples") or ())
    latency = {k: None if k.removesuffix("_us") in few else v for k, v in result["latency"].items()}
    sent, received = result["bytes_sent_per_request"], result["bytes_received_per_request"]
    return {
        "load_rps": result["rps"],
        "load_failures": result["failures"],
        "load_p50_us": latency["p50_us"],
        "load_p95_us": latency["p95_us"],
        "load_p99_us": latency["p99_us"],
        "load_max_us": latency["max_us"],
        "load_bytes_per_request": None if sent is None else round(sent + received, 1),
        "load_bytes_sent_per_request": sent,
        "load_bytes_received_per_request": received,
        "load_server_cpu_us_per_request": result["server_cpu_us_per_request"],
        "load_requests": result["requests"],
        "load_iqr_us": result.get("latency_iqr_us"),
        "load_too_few_samples": result.get("too_few_samples"),
        "load_generator_cpu_pct": result["generator_cpu_pct"],
    }


def meta(
    results: dict[str, dict[str, Any]],
    profile: Profile,
    url: str,
    workers: int | None,
    threads: int | None,
    generators: Generators,
    *,
    own: bool,
) -> dict[str, Any]:
    """The ``load`` object of ``summary.json``: how the load phase ran."""
    cpu = {name: r["generator_cpu_pct"] for name, r in results.items()}
    saturated = [name for name, pct in cpu.items() if pct is not None and pct > SATURATED_PCT]
    return {
        "ran": True,
        "duration_s": profile.duration_s,
        "warmup_s": profile.warmup_s,
        "users": profile.users,
        "gunicorn_workers": workers,
        "gunicorn_threads": threads,
        "generator_cpu_pct": max((p for p in cpu.values() if p is not None), default=None),
        "generator_saturated": bool(saturated),
        "generator_saturated_schemes": saturated,
        "generator_saturation_threshold_pct": SATURATED_PCT,
        "locust_workers": generators.local_workers,
        "locust_remote_workers": generators.remote_workers,
        "max_requests": profile.max_requests,
        "min_samples": {f"p{pct}": min_samples(pct) for pct in PERCENTILES},
        "min_requests": profile.min_requests,
        "max_window_s": profile.max_window_s,
        "target": url,
        "own_server": own,
        "settings_module": SETTINGS,
        "client": "locust FastHttpUser, closed loop (no wait), GET:POST whoami/ 3:1",
        "latency": "raw per-request float timings (not locust's whole-ms histogram)",
    }


# --- make load --------------------------------------------------------------------------
def build_summary(run_dir: Path, result: dict[str, Any], quick: bool) -> dict[str, Any]:
    """A ``summary.json`` with the load figures and nothing else measured."""
    from results.provenance import provenance
    from results.summary import build
    from schemes import registry

    return build(
        run_dir.name,
        quick=quick,
        provenance=provenance(profile="load", load=result["meta"]),
        schemes=[s.identity() for s in registry.all_schemes()],
        verification=result["verification"],
        load=result,
    )


def main(argv: list[str] | None = None) -> int:
    """``make load``: run the load phase into a fresh run folder and print a table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a few seconds per scheme")
    parser.add_argument("--schemes", default="", help="comma-separated (default: all)")
    parser.add_argument(
        "--target", default="", help="base URL of a running lab (default: start a gunicorn)"
    )
    Profile.add_arguments(parser)
    parser.add_argument("--workers", type=int, default=0, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=0, help="gunicorn threads per worker")
    parser.add_argument(
        "--remote-workers",
        type=int,
        default=0,
        help="also wait for this many workers started elsewhere (make locust-worker)",
    )
    parser.add_argument("--master-bind", default="127.0.0.1", help="with --remote-workers")
    parser.add_argument("--master-port", type=int, default=5557, help="with --remote-workers")
    parser.add_argument(
        "--locust-workers",
        type=int,
        default=0,
        help="local locust worker processes (distributed mode on loopback)",
    )
    args = parser.parse_args(argv)

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()
    from results.runs import mark_complete, new_run_dir

    run_dir = new_run_dir(label="load")
    print(f"Load test run: {run_dir}", flush=True)
    schemes = [s.strip() for s in args.schemes.split(",") if s.strip()] or None
    profile = (QUICK if args.quick else FULL).updated(args)
    try:
        if not args.target:  # one process logs everyone in, mostly on a cheap hash
            made = prepare_ahead(profile.users, schemes)
            print(f"Logins made ahead: {made}", flush=True)
        result = run_load(
            run_dir,
            quick=args.quick,
            schemes=schemes,
            base_url=args.target or None,
            profile=profile,
            gunicorn_workers=args.workers or None,
            gunicorn_threads=args.threads or None,
            locust_workers=args.locust_workers,
            remote_workers=args.remote_workers,
            master_bind=args.master_bind,
            master_port=args.master_port,
        )
    except KeyboardInterrupt:
        print(f"\nInterrupted: {run_dir} is left incomplete.", file=sys.stderr)
        return 130
    atomic_write_json(run_dir / "summary.json", build_summary(run_dir, result, args.quick))
    mark_complete(run_dir, kind="load")  # latest-load: latest stays on a bench run
    print("\n" + table(result))
    print(
        f"\nWrote {run_dir / 'summary.json'} and {run_dir / 'load'}/<scheme>.json "
        "(locust's own HTML and CSV reports: load/locust/)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
