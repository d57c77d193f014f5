"""The load generator: each scheme in turn inside one locust process (locust as a library).

    python -m loadtests.generator --host URL --out DIR [--schemes a,b] [-u N]
        [--warmup S] [--duration S] [--max-requests N] [--workers K] [--server-pid PID]
        [--logins FILE] [--handover FILE]

For each scheme: spawn the users, wait until every one holds a credential (with
``--logins``, the one made ahead for its account, checked by one unmeasured GET; else,
or when refused, a login of its own) and had its first answer checked, discard a
warm-up, record a measured window (raw timings, see :mod:`loadtests.recorder`), stop
the users; write ``DIR/<scheme>.json``, and locust's own report of the scheme's run
(``DIR/locust/<scheme>.html`` and ``<scheme>_{stats,failures,exceptions}.csv``).
With ``--workers K`` and/or ``--master --expect-workers N`` this process is a locust
master and the load comes from worker processes: K local ones it starts itself, the
rest started elsewhere with ``make locust-worker``.
``loadtests.orchestrate`` runs this as a child process: locust monkey-patches the
standard library with gevent, which must not happen inside the caller.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path
from typing import Any

import gevent
import locust  # patches the stdlib with gevent: this module runs in its own process
from locust.argument_parser import get_parser
from locust.env import Environment
from locust.runners import STATE_STOPPED, MasterRunner

from infra import cpu, procs
from loadtests import locustfile, recorder
from loadtests.options import FULL, Profile
from loadtests.stats import Slice, settled, summarise
from results.runs import atomic_write_json
from results.verify import Answer, verdict
from schemes import registry
from schemes.transports import HttpTransport

LOCUSTFILE = Path(locustfile.__file__)
#: Subfolder of ``--out`` for locust's own reports (HTML and CSV per scheme).
LOCUST_REPORTS = "locust"
POLL = 0.02


def parse(argv: list[str] | None) -> tuple[argparse.Namespace, argparse.Namespace]:
    """Split the command line into this runner's options and locust's own."""
    own = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Every other option is locust's own (-u, --host, ...): locust --help.",
    )
    own.add_argument("--out", type=Path, required=True, help="folder for <scheme>.json")
    own.add_argument("--schemes", default="", help="comma-separated (default: all)")
    Profile.add_arguments(own, skip=("users",))  # users: locust's own -u
    own.add_argument(
        "--workers",
        type=int,
        default=0,
        help="local locust workers to start (this process becomes a master)",
    )
    own.add_argument(
        "--master",
        action="store_true",
        help="be a master for --expect-workers workers started elsewhere "
        "(binds --master-bind-host:--master-bind-port)",
    )
    own.add_argument("--server-pid", type=int, default=0, help="gunicorn master, for its CPU")
    own.add_argument("--login-timeout", type=float, default=120.0)
    own.add_argument(
        "--handover",
        type=Path,
        default=None,
        help="write {scheme: GET headers} of account 1's login here (JSON, for a later phase)",
    )
    own.add_argument(
        "--logins",
        type=Path,
        default=None,
        help="credentials made ahead (loadtests.logins, JSON): each user checks its "
        "account's with one unmeasured GET and logs in only if it is refused or absent",
    )
    own.add_argument(
        "--wait-for-go",
        action="store_true",
        help="read a line on stdin before the first scheme (the server is then ready)",
    )
    mine, rest = own.parse_known_args(argv)
    profile = FULL.updated(mine)
    vars(mine).update({f: getattr(profile, f) for f in ("warmup_s", "duration_s")})
    vars(mine).update(min_requests=profile.min_requests, max_window_s=profile.max_window_s)
    mine.max_requests = profile.max_requests
    # locust's parser: -u, --host, --expect-workers, --master-bind-*, our custom options,
    # with defaults from [tool.locust] in pyproject.toml.
    options = get_parser().parse_args(["-f", str(LOCUSTFILE), *rest])
    options.logins = str(mine.logins or "")  # the users read it (loadtests.users.premade)
    if mine.workers and not mine.master:
        # Local workers only: loopback, on a port nobody else uses.
        options.expect_workers = mine.workers
        options.master_bind_host, options.master_bind_port = "127.0.0.1", procs.free_port()
    options.spawn_rate = options.spawn_rate or float(options.num_users)  # all at once
    return mine, options


def server_cpu_s(pid: int) -> float | None:
    """CPU seconds (user + system) used so far by process ``pid`` and its children."""
    if not pid:
        return None
    readings = cpu.tree_cpu_seconds(pid)
    return sum(readings.values()) if pid in readings else None  # None: no such process


def wait_for(condition, timeout: float, what: str) -> None:
    """Sleep (cooperatively) until ``condition()`` holds; ``TimeoutError`` after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        gevent.sleep(POLL)


#: The server counts as drained once its process tree used less than this share of one
#: core over :data:`DRAIN_SLICE_S` (idle gunicorn: ~0.1 %; a request in flight: 100 %).
DRAIN_QUIET_SHARE = 0.05
DRAIN_SLICE_S = 0.1
DRAIN_TIMEOUT_S = 30.0


def drain(pid: int) -> float | None:
    """Wait until the server ``pid`` is idle; return the seconds waited (``None``: not
    ours to watch). Gives up after :data:`DRAIN_TIMEOUT_S`, like a busy server would."""
    if not pid or server_cpu_s(pid) is None:
        return None
    started = time.monotonic()
    while time.monotonic() - started < DRAIN_TIMEOUT_S:
        before = server_cpu_s(pid)
        gevent.sleep(DRAIN_SLICE_S)
        after = server_cpu_s(pid)
        if before is None or after is None or after - before < DRAIN_QUIET_SHARE * DRAIN_SLICE_S:
            break
    return time.monotonic() - started


#: After ``--warmup``, the warm-up goes on in slices this long until :func:`settled`...
SETTLE_SLICE_S = 0.1
#: ...for at most this long.
SETTLE_MAX_S = 10.0


def settle(runner) -> None:
    """Prolong the warm-up until the scheme is warm (:func:`loadtests.stats.settled`:
    no latency spike for longer than its slowest request, none held up now). Only where
    this process runs every user (locust workers report every 3 s)."""
    if isinstance(runner, MasterRunner):
        return
    total = runner.stats.total
    slices: list[Slice] = []
    started = time.monotonic()
    while not settled(slices, SETTLE_SLICE_S) and time.monotonic() - started < SETTLE_MAX_S:
        before = (total.num_requests, total.total_response_time, dict(total.response_times))
        gevent.sleep(SETTLE_SLICE_S)
        n, ms = total.num_requests - before[0], total.total_response_time - before[1]
        # The slowest request of the slice, from locust's histogram (rounded buckets).
        grew = [t for t, c in total.response_times.items() if c > before[2].get(t, 0)]
        mean, longest = ms / 1000 / n if n else 0.0, max(grew, default=0) / 1000
        slices.append(Slice(n, mean, longest, recorder.RECORDER.oldest_in_flight_s()))


def generators(runner) -> int:
    """How many processes generate load (and will answer a collect message)."""
    return runner.worker_count if isinstance(runner, MasterRunner) else 1


def measure(
    env: Environment, user_class: type, mine: argparse.Namespace
) -> tuple[dict[str, Any], dict[str, str] | None]:
    """Run ``user_class``'s scheme for warm-up + window; return its raw figures, and the
    GET headers of account 1's login (``None``: no user of this process had it)."""
    runner = env.runner
    users = env.parsed_options.num_users
    clock = Phases()
    status_without = anonymous_status(env.host, user_class)
    recorder.COLLECTOR.reset()
    runner.send_message(recorder.RESET)
    runner.start(users, env.parsed_options.spawn_rate, user_classes=[user_class])
    # Warm-up: every user has logged in and had its first answer checked, then more.
    wait_for(
        lambda: len(recorder.COLLECTOR.ready) >= users,
        mine.login_timeout,
        "every user's first answer",
    )
    verification = verify(user_class, recorder.COLLECTOR.ready, status_without)
    handover = next((a["headers"] for a in recorder.COLLECTOR.ready if a.get("headers")), None)
    clock.lap("login_and_first_answer")
    gevent.sleep(mine.warmup_s)
    settle(runner)
    clock.lap("warmup")

    n = generators(runner)
    cap = max(1, mine.max_requests // n)
    cpu0, t0 = server_cpu_s(mine.server_pid), time.perf_counter()
    runner.send_message(recorder.MEASURE, {"cap": cap})
    measured_window(runner, n, mine)
    runner.send_message(recorder.COLLECT)
    cpu1, t1 = server_cpu_s(mine.server_pid), time.perf_counter()
    wait_for(lambda: len(recorder.COLLECTOR.batches) >= n, 30, "the generators' samples")
    clock.lap("window")
    login_stats = _locust_stats(runner)
    stop(runner)
    clock.lap("stop")
    # The server may still run requests the stopped users had sent (a Basic hash takes
    # 0.5 s, and a sync worker finishes a request whose client left): they would bill
    # the next scheme's window. Measured after Basic's window: 2.7 s until idle.
    drain(mine.server_pid)
    clock.lap("drain")
    reports = write_locust_reports(env, mine.out / LOCUST_REPORTS, user_class.scheme_name)

    figures = summarise(recorder.COLLECTOR.batches)
    server_cpu = None if cpu0 is None or cpu1 is None else cpu1 - cpu0
    return {
        "scheme": user_class.scheme_name,
        "user_class": user_class.__name__,
        "verification": verification,
        "users": users,
        "warmup_s": mine.warmup_s,
        "duration_s": mine.duration_s,
        **figures,
        "server_cpu_s": None if server_cpu is None else round(server_cpu, 4),
        "server_window_s": round(t1 - t0, 4),
        "server_cpu_us_per_request": (
            round(server_cpu * 1e6 / figures["requests"], 1)
            if server_cpu is not None and figures["requests"]
            else None
        ),
        "generator_cpu_pct": max(
            (p["cpu_pct"] for p in figures["generator_processes"]), default=None
        ),
        "locust_stats": login_stats,
        "locust_reports": [str(p.relative_to(mine.out)) for p in reports],
        "phases_s": clock.laps,
    }, handover


class Phases:
    """Wall time of each phase of a scheme's run (where the run's time goes)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        """Record the time since the previous lap under ``name``."""
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 3)
        self._last = now


def anonymous_status(host: str, user_class: type) -> int:
    """The status ``whoami/`` answers to a request with no credential at all."""
    transport = HttpTransport(host)
    try:
        return transport.get(registry.get(user_class.scheme_name).url("whoami"), {}).status
    finally:
        transport.close()


def verify(user_class: type, answers: list[dict[str, Any]], status_without: int) -> dict:
    """The scheme's verification by the lab's one rule (:func:`results.verify.verdict`):
    every user's first answer was right (each user checked its own), and no credential
    is refused (except by the baseline, which has no authentication)."""
    baseline = registry.get(user_class.scheme_name).is_baseline
    checked = [
        Answer("GET", a["status"], a["username"], a["username"] if a["status"] == 200 else "")
        for a in answers
    ]
    problems = [a["problem"] for a in answers if a["problem"]]
    return verdict(checked, status_without, baseline=baseline, problems=problems)


def measured_window(runner, generators_: int, mine: argparse.Namespace) -> None:
    """Sleep through the window: at least ``--duration`` and ``--min-requests`` (up to
    ``--max-window``), and no more than ``--max-requests``."""
    start = time.perf_counter()
    local = generators_ == 1
    # With workers, the master only sees locust's counters (reported every 3 s).
    base = runner.stats.total.num_requests
    longest = mine.max_window_s or 4 * mine.duration_s
    while True:
        if local and not recorder.RECORDER.recording:  # the request cap was reached
            return
        elapsed = time.perf_counter() - start
        done = (
            len(recorder.RECORDER.batch.samples)
            if local
            else runner.stats.total.num_requests - base
        )
        if elapsed >= mine.duration_s and (done >= mine.min_requests or elapsed >= longest):
            return
        gevent.sleep(POLL)


def _locust_stats(runner) -> list[dict[str, Any]]:
    """locust's own (whole-millisecond) counters, logins included, for reference."""
    return [
        {
            "method": e.method,
            "name": e.name,
            "requests": e.num_requests,
            "failures": e.num_failures,
            "median_ms": e.median_response_time,
        }
        for e in runner.stats.entries.values()
    ]


def write_locust_reports(env: Environment, folder: Path, scheme: str) -> list[Path]:
    """locust's own HTML report and CSV files of this scheme's run, named as ``locust
    --html <scheme>.html --csv <scheme>`` names them. Whole milliseconds, and the whole
    run (logins, warm-up and window): the raw figures are in ``<scheme>.json``."""
    from locust.html import get_html_report
    from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

    folder.mkdir(parents=True, exist_ok=True)
    html = folder / f"{scheme}.html"
    html.write_text(get_html_report(env, show_download_link=False), encoding="utf-8")
    written = [html]
    tables = StatsCSV(env, PERCENTILES_TO_REPORT)
    for kind, write in (
        ("stats", tables.requests_csv),
        ("failures", tables.failures_csv),
        ("exceptions", tables.exceptions_csv),
    ):
        path = folder / f"{scheme}_{kind}.csv"
        with path.open("w", newline="", encoding="utf-8") as file:
            write(csv.writer(file))
        written.append(path)
    return written


def stop(runner) -> None:
    """Stop the users; with workers, wait until each is ready for the next scheme."""
    runner.stop()
    if isinstance(runner, MasterRunner):
        wait_for(
            lambda: len(runner.clients.ready) >= runner.environment.parsed_options.expect_workers,
            60,
            "workers to be ready again",
        )
    else:
        wait_for(lambda: runner.state == STATE_STOPPED, 30, "users to stop")


def start_workers(count: int, options: argparse.Namespace) -> list:
    """Start ``count`` local ``locust --worker`` processes connected to this master."""
    cmd = [
        str(procs.BIN / "locust"),
        "-f",
        str(LOCUSTFILE),
        "--worker",
        "--master-host",
        "127.0.0.1",
        "--master-port",
        str(options.master_bind_port),
        "--loglevel",
        "WARNING",
        *(["--logins", options.logins] if getattr(options, "logins", "") else []),
    ]
    return [procs.spawn(cmd, env=os.environ.copy()) for _ in range(count)]


def main(argv: list[str] | None = None) -> int:
    """Measure each chosen scheme in turn; write one JSON file per scheme."""
    mine, options = parse(argv)
    classes = {cls.scheme_name: cls for cls in locustfile.USER_CLASSES}
    chosen = [s.strip() for s in mine.schemes.split(",") if s.strip()] or list(classes)
    unknown = [s for s in chosen if s not in classes]
    if unknown:
        print(
            f"unknown scheme(s): {', '.join(unknown)}; known: {', '.join(classes)}", file=sys.stderr
        )
        return 2
    procs.die_with_parent()
    # Imports done: the orchestrator started this while the server was booting.
    if mine.wait_for_go and not sys.stdin.readline():
        print("no go from the orchestrator (stdin closed)", file=sys.stderr)
        return 1
    env = Environment(
        user_classes=list(classes.values()),
        events=locust.events,
        host=options.host,
        parsed_options=options,
        stop_timeout=0,
    )
    workers: list = []
    distributed = mine.master or mine.workers > 0
    if distributed:
        runner = env.create_master_runner(options.master_bind_host, options.master_bind_port)
        workers = start_workers(mine.workers, options)
    else:
        runner = env.create_local_runner()
    env.events.init.fire(environment=env, runner=runner, web_ui=None)
    try:
        if distributed:
            where = f"{options.master_bind_host}:{options.master_bind_port}"
            print(f"waiting for {options.expect_workers} locust worker(s) on {where}", flush=True)
            wait_for(
                lambda: runner.worker_count >= options.expect_workers,
                600 if mine.master else 60,  # remote workers are started by hand
                f"{options.expect_workers} locust workers",
            )
        logins: dict[str, dict[str, str]] = {}
        for order, name in enumerate(chosen):
            figures, headers = measure(env, classes[name], mine)
            result = {"order": order, **figures}
            atomic_write_json(mine.out / f"{name}.json", result)
            if headers is not None and mine.handover:
                logins[name] = headers
                atomic_write_json(mine.handover, logins)  # live credentials: not in --out
            print(
                f"{name}: {result['rps']} req/s, p50 {result['latency']['p50_us']} us, "
                f"{result['failures']} failures",
                flush=True,
            )
    finally:
        runner.quit()
        for worker in workers:
            procs.stop(worker)
    return 0


if __name__ == "__main__":
    sys.exit(main())
