"""Throwaway PostgreSQL and Redis servers for the lab, started and stopped by PID.

Each server gets a fresh temporary folder, listens on 127.0.0.1 only, on a free
port, with a random password, runs as an unprivileged account when we are root
(PostgreSQL refuses to run as root), dies with the process that started it
(``PR_SET_PDEATHSIG``) and is removed with its folder afterwards.

``python -m infra.services run -- <cmd>`` runs ``cmd`` with the stores that ``DB`` and
``CACHE`` ask for: it starts what is not given by ``DATABASE_URL`` / ``REDIS_URL``,
passes their URLs to ``cmd`` in the environment, and stops them when ``cmd`` ends.
Everything downstream (settings, bench, load test) only sees those variables.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from infra import procs
from lab import env

#: Where Debian / Ubuntu put the server binaries, newest major version last.
PG_GLOB = "/usr/lib/postgresql/*/bin"
PG_WANTED_MAJOR = 15
PG_DB = "authlab"
PG_USER = "authlab"
INSTALL_HINT = {
    "postgres": "install the PostgreSQL server: apt-get install postgresql-15 "
    "(or set DATABASE_URL to a server you run)",
    "redis": "install Redis: apt-get install redis-server (or set REDIS_URL)",
}
#: Settings of the throwaway cluster that differ from PostgreSQL's defaults. Nothing
#: in it must survive a crash, so fsync and full-page writes are off and checkpoints
#: are rare (seeding millions of rows is I/O-bound otherwise); commits still go through
#: the WAL. shared_buffers holds the scale tables' hot pages.
PG_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",  # TCP on loopback only: no socket file to guard
    "fsync": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "shared_buffers": "512MB",
    "max_connections": "100",
}


class ServiceUnavailable(RuntimeError):
    """A server binary is missing; the message says what to install."""


@dataclass
class Server:
    """A running throwaway server: its URL, process and folder."""

    kind: str
    url: str
    proc: subprocess.Popen
    folder: Path
    version: str
    settings: dict[str, str] = field(default_factory=dict)

    @property
    def pid(self) -> int:
        """PID of the server process."""
        return self.proc.pid

    def describe(self) -> dict:
        """What a run records about the server (no password)."""
        return {
            "kind": self.kind,
            "version": self.version,
            "url": redact(self.url),
            "pid": self.pid,
            "settings": self.settings,
        }


def redact(url: str) -> str:
    """``url`` with its password replaced by ``***``."""
    return re.sub(r"(//[^:/@]*:)[^@]*@", r"\1***@", url)


# --- Accounts and folders -------------------------------------------------------------------
def service_account(preferred: str) -> pwd.struct_passwd | None:
    """The unprivileged account a server runs as; ``None`` when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in (preferred, "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise ServiceUnavailable(f"running as root and neither {preferred!r} nor 'nobody' exists")


def _folder(prefix: str, account: pwd.struct_passwd | None) -> Path:
    folder = Path(tempfile.mkdtemp(prefix=prefix))  # mode 0700
    if account is not None:
        os.chown(folder, account.pw_uid, account.pw_gid)
    return folder


def _write_private(path: Path, text: str, account: pwd.struct_passwd | None) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(text)
    if account is not None:
        os.chown(path, account.pw_uid, account.pw_gid)


def _as(account: pwd.struct_passwd | None) -> dict:
    """Popen arguments that drop to ``account`` (nothing when we are not root)."""
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def _spawn(cmd: list[str], account, log: Path, sig: int) -> subprocess.Popen:
    """Start a server that receives ``sig`` when we die (set after the uid switch)."""
    with open(log, "wb") as out:  # one attempt per log: retries start afresh
        return subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=lambda: procs.die_with_parent(sig),
            start_new_session=True,  # Ctrl-C in the terminal reaches us, not the server
            **_as(account),
        )


def _stop(proc: subprocess.Popen, sig: int, grace: float = 15.0) -> None:
    """Stop ``proc`` by PID with ``sig``, then SIGKILL after ``grace`` seconds."""
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _wait_ready(check, proc: subprocess.Popen, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode}: {_tail(log)}")
        try:
            check()
            return
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def _started(proc: subprocess.Popen, log: Path, port_taken: str, check) -> bool:
    """Wait until ``check`` passes: True; False when the port was taken (retry).

    Any other failure stops the server by PID and raises.
    """
    try:
        _wait_ready(check, proc, log)
        return True
    except BaseException:
        _stop(proc, signal.SIGKILL, grace=5)
        if port_taken in _tail(log):
            return False
        raise


def _tail(log: Path, lines: int = 15) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    return "(no log)"


# --- PostgreSQL -----------------------------------------------------------------------------
def pg_bin_dir() -> Path:
    """The folder with ``initdb`` and ``postgres``: version 15 if installed, else the newest."""
    found: dict[int, Path] = {}
    for folder in Path("/").glob(PG_GLOB.lstrip("/")):
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            with contextlib.suppress(ValueError):
                found[int(folder.parent.name.split(".")[0])] = folder
    initdb = shutil.which("initdb")
    folder = Path(initdb).resolve().parent if initdb else None
    if folder and folder not in found.values() and (folder / "postgres").is_file():
        found.setdefault(_pg_major(folder), folder)
    if not found:
        raise ServiceUnavailable(f"no PostgreSQL server binaries; {INSTALL_HINT['postgres']}")
    return found.get(PG_WANTED_MAJOR) or found[max(found)]


def _pg_major(folder: Path) -> int:
    out = subprocess.run(
        [str(folder / "postgres"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    return int(re.search(r"\)\s+(\d+)", out).group(1))  # "postgres (PostgreSQL) 15.18 ..."


@contextlib.contextmanager
def postgres(settings: dict[str, str] | None = None) -> Iterator[Server]:
    """Run a throwaway PostgreSQL cluster for the ``with`` block; yield it.

    ``initdb`` into a temporary folder (SCRAM password auth, UTF-8, C locale), then
    ``postgres`` on 127.0.0.1:<free port>; the database ``authlab`` belongs to the
    superuser ``authlab``. Stopped with a fast shutdown (SIGINT) and deleted.
    """
    import psycopg

    bin_dir = pg_bin_dir()
    account = service_account("postgres")
    folder = _folder("authlab-pg-", account)
    log = folder / "server.log"
    password = secrets.token_urlsafe(24)
    pwfile = folder / "pwfile"
    _write_private(pwfile, password + "\n", account)
    try:
        initdb = subprocess.run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(folder / "data"),
                "-U",
                PG_USER,
                "--auth=scram-sha-256",
                f"--pwfile={pwfile}",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
                "--no-instructions",
            ],
            capture_output=True,
            text=True,
            **_as(account),
        )
        pwfile.unlink()
        if initdb.returncode:
            raise RuntimeError(f"initdb failed: {initdb.stderr or initdb.stdout}")
        config = {**PG_SETTINGS, **(settings or {})}
        for _attempt in range(3):  # the free port can be taken between probe and bind
            port = procs.free_port()
            config["port"] = str(port)
            cmd = [str(bin_dir / "postgres"), "-D", str(folder / "data")]
            cmd += [arg for k, v in config.items() for arg in ("-c", f"{k}={v}")]
            proc = _spawn(cmd, account, log, signal.SIGINT)
            url = f"postgresql://{PG_USER}:{password}@127.0.0.1:{port}/postgres"
            if _started(
                proc,
                log,
                "could not bind",
                lambda url=url: psycopg.connect(url, connect_timeout=2).close(),
            ):
                break
        else:
            raise RuntimeError(f"PostgreSQL could not bind a port: {_tail(log)}")
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {PG_DB}")
            version = conn.execute("SHOW server_version").fetchone()[0]
        server = Server(
            "postgres",
            url.rsplit("/", 1)[0] + f"/{PG_DB}",
            proc,
            folder,
            f"PostgreSQL {version}",
            config,
        )
        try:
            yield server
        finally:
            _stop(proc, signal.SIGINT)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- Redis ----------------------------------------------------------------------------------
def redis_binary() -> str:
    """Path of ``redis-server``; :class:`ServiceUnavailable` says how to install it."""
    binary = shutil.which("redis-server") or (
        "/usr/bin/redis-server" if Path("/usr/bin/redis-server").is_file() else None
    )
    if not binary:
        raise ServiceUnavailable(f"redis-server is not installed; {INSTALL_HINT['redis']}")
    return binary


@contextlib.contextmanager
def redis() -> Iterator[Server]:
    """Run a throwaway redis-server on 127.0.0.1:<free port> for the ``with`` block.

    No persistence (no RDB, no AOF), a random ``requirepass`` kept in a 0600 config
    file; stopped with SIGTERM and deleted.
    """
    import redis as redis_py

    binary = redis_binary()
    account = service_account("redis")
    folder = _folder("authlab-redis-", account)
    log = folder / "server.log"
    password = secrets.token_urlsafe(24)
    try:
        for _attempt in range(3):
            port = procs.free_port()
            config = {
                "bind": "127.0.0.1",
                "port": str(port),
                "protected-mode": "yes",
                "save": '""',
                "appendonly": "no",
                "dir": str(folder),
                "daemonize": "no",
                "loglevel": "warning",
                "maxmemory-policy": "noeviction",
            }
            conf = folder / "redis.conf"
            lines = [f"{k} {v}" for k, v in config.items()] + [f"requirepass {password}"]
            _write_private(conf, "\n".join(lines) + "\n", account)
            proc = _spawn([binary, str(conf)], account, log, signal.SIGTERM)
            url = f"redis://:{password}@127.0.0.1:{port}/0"
            if _started(
                proc,
                log,
                "Address already in use",
                lambda url=url: redis_py.Redis.from_url(url).ping(),
            ):
                break
        else:
            raise RuntimeError(f"redis-server could not bind a port: {_tail(log)}")
        version = redis_py.Redis.from_url(url).info("server")["redis_version"]
        try:
            yield Server("redis", url, proc, folder, f"Redis {version}", config)
        finally:
            _stop(proc, signal.SIGTERM)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


# --- Running a command with the stores it asks for -------------------------------------------
@contextlib.contextmanager
def stores(db: str | None = None, cache: str | None = None) -> Iterator[dict[str, str]]:
    """Start what ``db`` / ``cache`` (default: ``DB`` / ``CACHE``) need and is not given.

    Yields the environment variables to hand to children (``DB``, ``CACHE``,
    ``DATABASE_URL``, ``REDIS_URL``); an empty URL means "not used". The oidc scheme's
    token issuer (infra/issuer.py) is started too unless ``AUTHLAB_OIDC_URL`` names one,
    so every process of the command verifies against one issuer.
    """
    from infra import issuer

    db, cache = env.check_db(db or env.DB), env.check_cache(cache or env.CACHE)
    extra = {"DB": db, "CACHE": cache}
    with contextlib.ExitStack() as stack:
        if db == "postgres" and not env.DATABASE_URL:
            server = stack.enter_context(postgres())
            _announce(server)
            extra["DATABASE_URL"] = server.url
        if cache == "redis" and not env.REDIS_URL:
            server = stack.enter_context(redis())
            _announce(server)
            extra["REDIS_URL"] = server.url
        if not env.OIDC_URL:
            server = stack.enter_context(issuer.serve())
            _announce(server)
            extra[issuer.URL_ENV] = server.url
        yield extra


def _announce(server: Server) -> None:
    print(
        f"authlab: {server.version} on {redact(server.url)} (pid {server.pid}, "
        f"folder {server.folder}); stopped when the command ends",
        file=sys.stderr,
        flush=True,
    )


def run(cmd: list[str], db: str | None = None, cache: str | None = None) -> int:
    """Run ``cmd`` with the stores it needs; return its exit status."""
    with stores(db, cache) as extra:
        child = procs.spawn(cmd, env={**os.environ, **extra})
        forward = lambda signum, _frame: child.send_signal(signum)  # noqa: E731
        previous = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            return child.wait()
        finally:
            procs.stop(child)
            for sig, handler in previous.items():
                signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    """CLI: ``run [--db D] [--cache C] -- cmd...``."""
    parser = argparse.ArgumentParser(prog="python -m infra.services", description=__doc__)
    sub = parser.add_subparsers(dest="action", required=True)
    run_p = sub.add_parser("run", help="run a command with the stores DB/CACHE ask for")
    run_p.add_argument("--db", choices=env.DATABASES, help="default: $DB")
    run_p.add_argument("--cache", choices=env.CACHES, help="default: $CACHE")
    run_p.add_argument("cmd", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    cmd = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
    if not cmd:
        parser.error("no command given (python -m infra.services run -- <cmd>)")
    try:
        return run(cmd, args.db, args.cache)
    except ServiceUnavailable as exc:
        print(f"authlab: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
