"""The servers dimension: every scheme under each HTTP server (infra/servers.py).

Per server and scheme: server CPU µs per request over a closed-loop window (its
process tree's CPU time from /proc: capacity per core = 1 s / that), closed-loop
throughput, and latency at a fixed arrival rate (open loop at half the capacity
found; :mod:`loadtests.openloop`). The server runs on one core, the generator
(a child process) on another. Per server also: the largest credential it passes on
in a header and in a cookie, and what a client gets beyond it
(:mod:`loadtests.headerlimits`).
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from infra import cpu
from infra import servers as infra_servers
from loadtests import openloop, stats
from results.stats import PERCENTILES

SETTINGS = "lab.settings.bench"
#: (warm-up s, window s) per scheme, per phase (closed and open loop each get a window).
QUICK_WINDOWS = (0.1, 0.3)
FULL_WINDOWS = (0.5, 2.0)
#: Closed-loop connections: enough to keep one worker busy while one request is parsed.
CONNECTIONS = 4
#: Open-loop arrival rate as a fraction of the closed-loop capacity.
LOAD_FRACTION = 0.5
#: Every server serves the same seeded account (one login per scheme for the phase).
ACCOUNT = 1


def run_servers(
    run_dir: Path,
    *,
    quick: bool,
    names: tuple[str, ...] | None = None,
    schemes: list[str] | None = None,
    say=print,
) -> dict[str, Any]:
    """Measure every scheme under each server; return ``{"servers": {...}, "meta": {...}}``."""
    from loadtests import database
    from schemes import registry

    names = names or (infra_servers.QUICK if quick else infra_servers.FULL)
    warmup, window = QUICK_WINDOWS if quick else FULL_WINDOWS
    chosen = [s for s in registry.all_schemes() if not schemes or s.name in schemes]
    out = Path(run_dir) / "servers"
    out.mkdir(parents=True, exist_ok=True)
    dimension: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="authlab-servers-") as tmp:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "AUTHLAB_SQLITE_PATH": str(Path(tmp) / "servers.sqlite3"),
        }
        # One database for every server: the load phase's, with its logins of account 1
        # (checked before use), or a copy of the migrated template.
        logins = database.take_over(env, database.ACCOUNTS)
        if logins:
            say(f"  {len(logins)} logins taken over from the load phase")
        for name in names:
            server = infra_servers.SERVERS[name]
            started = time.monotonic()
            with (
                (out / f"{name}.log").open("ab") as log,
                infra_servers.serve(server, env, log) as (url, port, proc),
            ):
                rows = measure_schemes(chosen, url, port, proc.pid, logins, warmup, window)
                measured = time.monotonic()
                limits = header_limits(port, registry, ACCOUNT)
            add_ratios(rows)
            dimension[name] = {
                "server": server.provenance(),
                "header_limits": limits,
                "schemes": rows,
            }
            say(
                f"  {name}: {len(rows)} schemes in {measured - started:.1f} s, "
                f"header limits in {time.monotonic() - measured:.1f} s"
            )
    meta = {
        "servers": list(names),
        "warmup_s": warmup,
        **_warmup_rule(),
        "window_s": window,
        "closed_loop_connections": CONNECTIONS,
        "open_loop_fraction": LOAD_FRACTION,
        "open_loop_senders": openloop.OPEN_THREADS,
        "server_core": infra_servers.SERVER_CORE,
        "generator_core": infra_servers.GENERATOR_CORE,
        "cores": len(os.sched_getaffinity(0)),
        "pinned": len(os.sched_getaffinity(0)) > 1,
        "settings_module": SETTINGS,
        "client": "loadtests.openloop: raw sockets, GET whoami/, perf_counter timings",
    }
    (out / "servers.json").write_text(json.dumps({"meta": meta, "servers": dimension}, indent=1))
    return {"meta": meta, "servers": dimension}


def _warmup_rule() -> dict[str, Any]:
    """How long the closed loop warms up, the clock its CPU figures are read with, and
    the samples an open-loop percentile needs."""
    return {
        "warmup_rule": openloop.WARMUP_RULE,
        "warmup_cap_s": openloop.WARMUP_CAP_S,
        "cpu_clock_tick_s": cpu.TICK_S,
        "open_loop_min_samples": {f"p{n}": stats.min_samples(n) for n in PERCENTILES},
    }


def login(scheme, url: str, account: int, headers: dict[str, str] | None = None) -> dict[str, str]:
    """Log in as the scheme's client does (unless ``headers`` came from an earlier
    login on the same database) and check one answer; return its GET headers.

    Earlier headers this server refuses (jwt-short's token lives 60 s) are replaced
    by a login here."""
    if headers is not None:
        with contextlib.suppress(RuntimeError):
            return checked(scheme, url, account, headers)
    from lab.seed import SEED_PASSWORD, seed_username
    from schemes.base import Credential
    from schemes.transports import HttpTransport

    transport = HttpTransport(url)
    try:
        credential = scheme.obtain(transport, seed_username(account), SEED_PASSWORD)
    finally:
        transport.close()
    return checked(scheme, url, account, scheme_headers(credential or Credential()))


def checked(scheme, url: str, account: int, headers: dict[str, str]) -> dict[str, str]:
    """``headers``, once ``whoami/`` at ``url`` answered them with the right user."""
    from lab.seed import seed_username
    from schemes.transports import HttpTransport

    transport = HttpTransport(url)
    try:
        reply = transport.get(scheme.url("whoami"), headers)
    finally:
        transport.close()
    expected = None if scheme.is_baseline else seed_username(account)
    body = reply.body if isinstance(reply.body, dict) else {}
    if reply.status != 200 or body.get("username") != expected:
        raise RuntimeError(f"{scheme.name} at {url}: HTTP {reply.status} {reply.body!r}"[:300])
    return headers


def measure_schemes(chosen, url: str, port: int, pid: int, logins: dict, warmup, window) -> dict:
    """Log every scheme in (once per phase: ``logins`` keeps the credentials, valid on
    every server of the shared database), then run one generator child over them all."""
    targets = []
    for s in chosen:
        logins[s.name] = login(s, url, ACCOUNT, logins.get(s.name))
        targets.append({"name": s.name, "path": s.url("whoami"), "headers": logins[s.name]})
    cmd = [
        sys.executable,
        "-m",
        "loadtests.openloop",
        *("--port", str(port), "--targets", json.dumps(targets)),
        *("--server-pid", str(pid), "--warmup", str(warmup), "--window", str(window)),
        *("--connections", str(CONNECTIONS), "--load-fraction", str(LOAD_FRACTION)),
        *("--cpu", str(infra_servers.GENERATOR_CORE)),
    ]
    timeout = 60 + len(targets) * (warmup + openloop.WARMUP_CAP_S + 2 * window + 30)
    done = subprocess.run(
        cmd, cwd=infra_servers.BASE_DIR, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode:
        raise RuntimeError(f"loadtests.openloop exited {done.returncode}: {done.stderr[-500:]}")
    return {name: row(result) for name, result in json.loads(done.stdout).items()}


def row(result: dict[str, Any]) -> dict[str, Any]:
    """One scheme's figures under one server (results/SCHEMA.md, dimensions.servers)."""
    closed, opened = result["closed"], result["open"]
    cpu_us = closed["cpu_us_per_request"]
    return {
        "closed_loop_warmup_s": closed["warmup_s"],
        "warmup_capped": closed["warmup_capped"],
        "cpu_us_per_request": cpu_us,
        "capacity_per_core_rps": round(1e6 / cpu_us, 1) if cpu_us else None,
        "rps": closed["rps"],
        "requests": closed["requests"],
        "failures": closed["failures"] + opened["failures"],
        "server_cpu_pct": closed["server_cpu_pct"],
        "open_loop_rate": opened["rate"],
        "open_loop_requests": opened["requests"],
        "open_loop_p50_us": opened["p50_us"],
        "open_loop_p95_us": opened["p95_us"],
        "open_loop_p99_us": opened["p99_us"],
        "open_loop_too_few_samples": opened["too_few_samples"],
        "open_loop_max_us": opened["max_us"],
        "schedule_lag_p99_us": opened["schedule_lag_p99_us"],
        "generator_cpu_pct": max(closed["generator_cpu_pct"], opened["generator_cpu_pct"]),
        "generator_saturated": result["generator_saturated"],
    }


def scheme_headers(credential) -> dict[str, str]:
    """What the client sends on each GET (headers, cookies folded in)."""
    return credential.headers_for("GET")


def add_ratios(rows: dict[str, dict]) -> None:
    """Each scheme's CPU per request against the ``none`` baseline of the same server."""
    from schemes import registry

    base = rows.get(registry.BASELINE, {}).get("cpu_us_per_request")
    for row in rows.values():
        cpu = row["cpu_us_per_request"]
        row["cpu_ratio_to_none"] = round(cpu / base, 2) if cpu and base else None


def header_limits(port: int, registry, account: int) -> dict[str, Any]:
    """The server's header and cookie limits for a lab-signed JWT grown by a claim."""
    from loadtests import headerlimits

    path = registry.get("jwt-stateless").url("whoami")
    return headerlimits.limits("127.0.0.1", port, path, path, signed_jwt_factory(account))


def signed_jwt_factory(account: int):
    """``make(n)``: a lab access token of about ``n`` bytes (a padding claim), signed
    with the lab's key when Django is set up with it, else JWT-shaped only."""
    from loadtests.headerlimits import forged_jwt

    try:
        from rest_framework_simplejwt.tokens import AccessToken

        from lab.seed import seed_username

        def make(size: int) -> str:
            token = AccessToken()
            token["user_id"] = str(account)
            token["username"] = seed_username(account)
            bare = len(str(token))
            token["pad"] = "x" * max(0, (size - bare - 12) * 3 // 4)
            return str(token)

        make(300)
        return make
    except Exception:  # Django not configured here (a plain script)
        return forged_jwt
