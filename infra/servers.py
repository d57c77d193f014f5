"""The HTTP servers the lab runs under, each started the same way for comparison.

Every server gets the same settings: one worker process (so its CPU time per request
is one process tree's, and a core is left for the generator), the lab's settings
module and database from the environment, loopback only. gthread adds threads;
uvicorn and granian's ASGI run Django's ASGI handler (``lab.asgi``).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from infra import procs

BASE_DIR = Path(__file__).resolve().parent.parent
#: Worker processes per server: one, so each server's CPU is one tree on one core.
WORKERS = 1
#: gthread threads per worker (gunicorn's own guidance is 2-4 x cores).
GTHREAD_THREADS = 4
#: The core the server runs on; the generator takes another (:data:`GENERATOR_CORE`).
SERVER_CORE = 0
GENERATOR_CORE = 1


@dataclass(frozen=True)
class Server:
    """One server setup: its name in ``dimensions.servers``, package and command."""

    name: str
    package: str
    interface: str  # "wsgi" or "asgi"
    settings: dict[str, object] = field(default_factory=dict)

    def command(self, host: str, port: int) -> list[str]:
        """The command line serving the lab on ``host:port``."""
        if self.name.startswith("gunicorn"):
            threads = int(self.settings.get("threads", 1))
            return procs.gunicorn_command(host, port, WORKERS, threads)
        if self.package == "uvicorn":
            return [
                str(procs.BIN / "uvicorn"),
                "lab.asgi:application",
                *("--host", host, "--port", str(port), "--workers", str(WORKERS)),
                *("--http", "httptools", "--loop", "uvloop"),
                *("--lifespan", "off", "--no-access-log", "--log-level", "warning"),
            ]
        app = "lab.asgi:application" if self.interface == "asgi" else "lab.wsgi:application"
        return [
            str(procs.BIN / "granian"),
            *("--interface", self.interface, "--host", host, "--port", str(port)),
            *("--workers", str(WORKERS), "--no-ws", "--log-level", "warning"),
            *("--respawn-failed-workers",),
            app,
        ]

    def provenance(self) -> dict[str, object]:
        """Package version, interface and worker settings, for ``summary.json``."""
        try:
            version = importlib.metadata.version(self.package)
        except importlib.metadata.PackageNotFoundError:
            version = None
        return {
            "package": self.package,
            "version": version,
            "interface": self.interface,
            "workers": WORKERS,
            **self.settings,
        }


SERVERS = {
    s.name: s
    for s in (
        Server("gunicorn-sync", "gunicorn", "wsgi", {"worker_class": "sync (deadline)"}),
        Server(
            "gunicorn-gthread",
            "gunicorn",
            "wsgi",
            {"worker_class": "gthread", "threads": GTHREAD_THREADS},
        ),
        Server("uvicorn", "uvicorn", "asgi", {"http": "httptools", "loop": "uvloop"}),
        Server("granian", "granian", "wsgi", {"runtime": "Rust (tokio), WSGI"}),
        Server("granian-asgi", "granian", "asgi", {"runtime": "Rust (tokio), ASGI"}),
    )
}
#: Servers in a full run, and in QUICK (one WSGI, one ASGI).
FULL = tuple(SERVERS)
QUICK = ("gunicorn-sync", "uvicorn")


def _pin_server() -> None:
    procs.die_with_parent()
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, {SERVER_CORE} & os.sched_getaffinity(0) or os.sched_getaffinity(0))


@contextlib.contextmanager
def serve(
    server: Server, env: dict[str, str], log, host: str = "127.0.0.1", pin: bool = True
) -> Iterator[tuple[str, int, subprocess.Popen]]:
    """Run ``server`` on a free port for the ``with`` block; yield (base URL, port, proc).

    With ``pin`` the server (and its workers, which inherit it) runs on
    :data:`SERVER_CORE`. Stopped by PID at the end.
    """
    port = procs.free_port(host)
    proc = subprocess.Popen(
        server.command(host, port),
        cwd=BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_pin_server if pin else procs.die_with_parent,
    )
    try:
        url = f"http://{host}:{port}"
        procs.wait_http(f"{url}/api/v1/schemes/", timeout=60, proc=proc)
        yield url, port, proc
    finally:
        procs.stop(proc)
