"""``make multiserver``: claim 5 ("sessions are hard to keep up to date with several
servers") on two gunicorn instances behind a real load balancer (HAProxy, round robin,
no stickiness), written as ``multiserver.json`` into a run folder the report reads.

Usage: ``python -m benchmarks.multiserver [--out RUN] [--requests N]`` (default
reports/out/latest, 50 requests). Both servers share one database (a SQLite file, or
PostgreSQL with ``DB=postgres``) and one secrets file; each runs one worker, so a
"per-process" cache is a per-server one. Per session engine (db, cache on local
memory, cache on Redis, signed cookies) and, for comparison, per token scheme: log in
through the balancer, send N requests through it, then log out on the *other* server
(its own port) and ask each server directly whether the credential still works.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.producer import run_folder
from infra import balancer, procs, services
from results.runs import atomic_write_json

ROOT = Path(__file__).resolve().parent.parent
OUT_FILE = "multiserver.json"
HOST = "127.0.0.1"
REQUESTS = 50
#: The two servers' names, as HAProxy's ``X-Authlab-Backend`` gives them.
SERVERS = ("a", "b")
#: The serving settings with login throttling lifted (one login per scheme is far
#: below the limit, but two servers share one throttle cache file).
SETTINGS = "lab.settings.bench"
#: Logins are not what this measures: a fast hasher keeps the run to seconds.
HASHER = "md5"


@dataclass(frozen=True)
class Setup:
    """One pair of servers: the global session engine and cache both run with."""

    name: str
    session_engine: str  # AUTHLAB_SESSION_ENGINE (short name)
    cache: str  # CACHE: locmem (per process) or redis (shared)


SETUPS = (
    Setup("db", "db", "locmem"),
    Setup("cache-locmem", "cache", "locmem"),
    Setup("cache-redis", "cache", "redis"),
)
#: (setup, scheme, section, label): what is measured where. session-signed names its
#: own engine (signed_cookies), so it runs on the db pair beside the token schemes.
MEASURES = (
    ("db", "none", "schemes", "none"),
    ("db", "session", "engines", "db"),
    ("cache-locmem", "session", "engines", "cache-locmem"),
    ("cache-redis", "session", "engines", "cache-redis"),
    ("db", "session-signed", "engines", "signed_cookies"),
    ("db", "token", "schemes", "token"),
    ("db", "jwt", "schemes", "jwt"),
    ("db", "jwt-stateless", "schemes", "jwt-stateless"),
)


def available() -> str | None:
    """Why the evidence cannot be produced here (None: HAProxy is installed)."""
    if balancer.haproxy_binary() is None:
        return f"no haproxy ({balancer.INSTALL_HINT})"
    return None


# --- the servers ------------------------------------------------------------------------------
def _common_env(tmp: Path, database_url: str | None) -> dict[str, str]:
    """What both servers of every pair share: database, secrets, settings."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "AUTHLAB_VAR_DIR": str(tmp),  # one secrets.json (SECRET_KEY, JWT key) for all
        "AUTHLAB_PASSWORD_HASHER": HASHER,
        "CACHE": "locmem",
    }
    # Secrets the caller sets (AUTHLAB_SECRET_KEY, ...) reach both servers alike.
    if database_url:
        env.update(DB="postgres", DATABASE_URL=database_url)
    else:
        env.update(DB="sqlite", AUTHLAB_SQLITE_PATH=str(tmp / "multiserver.sqlite3"))
        env.pop("DATABASE_URL", None)
    return env


#: The database's schema and the one seeded user, in one process (one Django start).
PREPARE = (
    "import django; django.setup(); from django.core.management import call_command; "
    "call_command('migrate', interactive=False, verbosity=0); "
    "call_command('seed_users', count=1, verbosity=0)"
)


def _secrets(env: dict[str, str]) -> None:
    """Write the shared secrets file before any server starts: a server finding none
    would make its own, and two servers would sign with different keys."""
    code = "from lab import env; env.local_secrets()"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True)


@dataclass
class Pair:
    """Two running servers and the balancer port they accept in Host headers."""

    setup: Setup
    balancer_port: int
    ports: dict[str, int]
    procs: list[subprocess.Popen]

    @property
    def urls(self) -> dict[str, str]:
        """Each server's own base URL."""
        return {name: f"http://{HOST}:{port}" for name, port in self.ports.items()}


def _spawn_pair(setup: Setup, env: dict[str, str], redis_url: str, log) -> Pair:
    balancer_port = procs.free_port(HOST)
    pair_env = {
        **env,
        "AUTHLAB_SESSION_ENGINE": setup.session_engine,
        "CACHE": setup.cache,
        # The Host header names the balancer's port: accepted (lab.hosts).
        "AUTHLAB_ALLOWED_PORTS": str(balancer_port),
    }
    if setup.cache == "redis":
        pair_env["REDIS_URL"] = redis_url
    ports = {name: procs.free_port(HOST) for name in SERVERS}
    started = [
        procs.spawn(
            procs.gunicorn_command(HOST, port, workers=1),
            cwd=ROOT,
            env=pair_env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        for port in ports.values()
    ]
    return Pair(setup, balancer_port, ports, started)


def _stop_all(started: list[subprocess.Popen]) -> None:
    """Stop every server by PID: all signalled at once (SIGINT: gunicorn's quick
    shutdown; idle workers have nothing to finish), then each waited for."""
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for proc in started:
        procs.stop(proc)


@contextlib.contextmanager
def pairs(tmp: Path, database_url: str | None) -> Iterator[tuple[dict, dict, dict]]:
    """Every setup's two servers (started together) behind its own HAProxy; yield
    ``({setup: Pair}, {setup: balancer URL}, {store: version})``."""
    env = _common_env(tmp, database_url)
    _secrets(env)
    with contextlib.ExitStack() as stack:
        redis_url, stores = os.environ.get("REDIS_URL", ""), {}
        if not redis_url:
            try:
                server = stack.enter_context(services.redis())
                redis_url, stores["redis"] = server.url, server.version
            except services.ServiceUnavailable as exc:
                stores["redis_missing"] = str(exc)
        setups = [s for s in SETUPS if s.cache != "redis" or redis_url]
        log = stack.enter_context(open(tmp / "servers.log", "wb"))
        running = {s.name: _spawn_pair(s, env, redis_url, log) for s in setups}
        stack.callback(_stop_all, [proc for pair in running.values() for proc in pair.procs])
        # Migrate while the servers boot (nothing reads the database before a login).
        subprocess.run(
            [sys.executable, "-c", PREPARE],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        try:
            for pair in running.values():
                for proc, url in zip(pair.procs, pair.urls.values(), strict=True):
                    procs.wait_http(f"{url}/api/v1/schemes/", timeout=60, proc=proc)
        except (RuntimeError, TimeoutError) as exc:
            log.flush()
            tail = (tmp / "servers.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{exc}; the servers' log ends:\n{tail}") from exc
        fronts = {
            name: stack.enter_context(balancer.haproxy(pair.ports, pair.balancer_port, HOST))
            for name, pair in running.items()
        }
        yield running, fronts, stores


# --- the client ---------------------------------------------------------------------------------
class _Client:
    """One request per connection (``HttpTransport``), keeping the last reply: who
    answered a login is read from it."""

    def __init__(self, base_url: str):
        self.base_url = base_url
        self.last = None

    def request(self, method: str, path: str, body: bytes | None, headers: dict[str, str]):
        """Send one request on a fresh connection and return the reply."""
        from schemes.transports import HttpTransport

        transport = HttpTransport(self.base_url)
        try:
            self.last = transport.request(method, path, body, headers)
        finally:
            transport.close()
        return self.last

    def post(self, path: str, data: dict[str, Any], headers: dict[str, str], *, form=False):
        """POST ``data`` (JSON, or a form)."""
        from schemes.base import encode_body

        body, content_type = encode_body(data, form)
        return self.request("POST", path, body, {"Content-Type": content_type, **headers})

    def get(self, path: str, headers: dict[str, str]):
        """GET ``path``."""
        return self.request("GET", path, None, headers)


def _backend(reply) -> str | None:
    return reply.headers.get(balancer.BACKEND_HEADER.lower())


def measure_scheme(scheme, front: str, urls: dict[str, str], requests: int) -> dict[str, Any]:
    """One login through the balancer, ``requests`` requests through it, then a logout
    on the server that did not serve the login, and each server asked directly."""
    from lab.seed import SEED_PASSWORD, seed_username
    from schemes.base import Credential

    client = _Client(front)
    credential, login_backend = Credential(), None
    if scheme.has_login:
        credential = scheme.obtain(client, seed_username(1), SEED_PASSWORD)
        login_backend = _backend(client.last)
    whoami = scheme.url("whoami")
    by_backend = {name: {"requests": 0, "authenticated": 0} for name in urls}
    for _ in range(requests):
        reply = client.get(whoami, credential.headers_for("GET"))
        counts = by_backend.setdefault(_backend(reply) or "?", {"requests": 0, "authenticated": 0})
        counts["requests"] += 1
        counts["authenticated"] += reply.status == 200
    authenticated = sum(c["authenticated"] for c in by_backend.values())
    out: dict[str, Any] = {
        "scheme": scheme.name,
        "requests": requests,
        "authenticated": authenticated,
        "authenticated_pct": round(100 * authenticated / requests, 1),
        "by_backend": by_backend,
        "login_backend": login_backend,
    }
    if not scheme.has_logout or login_backend not in urls:
        return out
    other = next(name for name in urls if name != login_backend)
    logout = scheme.revoke(_Client(urls[other]), credential)
    after = {
        name: _Client(url).get(whoami, credential.headers_for("GET")).status
        for name, url in urls.items()
    }
    return out | {
        "logout_backend": other,
        "logout_status": logout.status,
        "after_logout": after,
        # The captured credential is refused everywhere once one server logged it out.
        "logout_propagates": all(status != 200 for status in after.values()),
        "still_accepted_by": sorted(name for name, status in after.items() if status == 200),
    }


def measure(requests: int = REQUESTS, database_url: str | None = None) -> dict[str, Any]:
    """Run every setup's pair, measure :data:`MEASURES`, return the evidence."""
    from schemes import registry

    started = time.monotonic()
    out: dict[str, Any] = {"engines": {}, "schemes": {}}
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="authlab-multi-")))
        running, fronts, stores = stack.enter_context(pairs(tmp, database_url))
        for setup_name, name, section, label in MEASURES:
            if setup_name not in running:
                out[section][label] = {"error": stores.get("redis_missing", "not started")}
                continue
            scheme = registry.get(name)
            pair = running[setup_name]
            result = measure_scheme(scheme, fronts[setup_name], pair.urls, requests)
            engine = registry.session_engines().get(name) or (
                f"django.contrib.sessions.backends.{pair.setup.session_engine}"
            )
            result |= {"setup": setup_name, "session_engine": engine, "cache": pair.setup.cache}
            out[section][label] = result
    out["provenance"] = {
        "balancer": balancer.version(),
        "balance": f"{balancer.BALANCE}, no stickiness, no health checks",
        "servers": {name: "gunicorn, 1 sync worker, 127.0.0.1" for name in SERVERS},
        "gunicorn": importlib.metadata.version("gunicorn"),
        "database": "PostgreSQL (DATABASE_URL)" if database_url else "one SQLite file",
        "secrets": "one secrets file (SECRET_KEY, JWT signing key) for both servers",
        "settings": SETTINGS,
        "password_hasher": f"{HASHER} (logins are not what this measures)",
        "redis": stores.get("redis") or ("REDIS_URL" if os.environ.get("REDIS_URL") else None),
        "requests": requests,
        "logout_on": "the server that did not serve the login, through its own port",
        "seconds": round(time.monotonic() - started, 1),
    }
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure and write ``multiserver.json`` into the run folder."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="reports/out/latest", help="run folder")
    parser.add_argument("--requests", type=int, default=REQUESTS, help="per scheme (50)")
    args = parser.parse_args(argv)
    if args.requests < 2:
        parser.error("--requests must be at least 2 (one per server)")
    run_dir = run_folder(args.out, available, "multiserver")
    if run_dir is None:
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()
    from lab import env

    database_url = env.DATABASE_URL if env.DB == "postgres" else None
    atomic_write_json(run_dir / OUT_FILE, measure(args.requests, database_url))
    print(f"multiserver: {run_dir / OUT_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
