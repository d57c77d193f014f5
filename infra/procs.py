"""Start and stop the lab's child processes (gunicorn, locust) without orphans.

Every child gets ``PR_SET_PDEATHSIG``: if the process that started it dies, even by
SIGKILL, the kernel sends the child SIGTERM. Stopping is by PID: SIGTERM, a grace
period, then SIGKILL.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Sequence
from pathlib import Path

PR_SET_PDEATHSIG = 1
BIN = Path(sys.executable).parent


def die_with_parent(sig: int = signal.SIGTERM) -> None:
    """Ask the kernel to send ``sig`` to this process when its parent exits (Linux)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, sig)


def spawn(cmd: Sequence[str], **kwargs) -> subprocess.Popen:
    """Start ``cmd`` as a child that dies with this process."""
    return subprocess.Popen(list(cmd), preexec_fn=die_with_parent, **kwargs)


def stop(proc: subprocess.Popen, grace: float = 10.0) -> int:
    """Stop ``proc`` by PID: SIGTERM, wait up to ``grace`` seconds, then SIGKILL."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def forward_signals(proc: subprocess.Popen) -> None:
    """On SIGINT/SIGTERM, pass SIGTERM on to ``proc``; a second signal kills it.

    A Ctrl-C reaches this process twice (from the terminal, and from ``make``
    passing it on): signals within :data:`REPEAT_S` of the first count as one. The
    handler only signals: the caller's ``proc.wait()`` returns once the child is gone
    (waiting inside a handler would deadlock on Popen's wait lock).
    """
    first: list[float] = []

    def handler(signum, frame):
        now = time.monotonic()
        if first and now - first[0] < REPEAT_S:
            return
        escalate = bool(first)
        first[:] = [now]
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL if escalate else signal.SIGTERM)

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, handler)


#: Signals this close after the first are the same Ctrl-C, delivered twice.
REPEAT_S = 1.0


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port free on ``host`` right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_free(host: str, port: int) -> bool:
    """Whether a server could bind ``host:port`` now (as gunicorn does: SO_REUSEADDR,
    so a port in TIME_WAIT counts as free)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


#: Readiness polling: a refused connection costs well under a millisecond, and every
#: server start of a run waits on this (half the interval on average).
POLL_S = 0.02


def wait_http(url: str, timeout: float = 30.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` answers any HTTP status; fail early if ``proc`` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} before serving")
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310 - loopback URL we built
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(POLL_S)
    raise TimeoutError(f"{url} did not answer within {timeout:.0f} s")


def gunicorn_command(
    host: str, port: int, workers: int | None = None, threads: int | None = None
) -> list[str]:
    """The gunicorn command line for the lab on ``host:port`` (config: gunicorn.conf.py)."""
    cmd = [str(BIN / "gunicorn"), "-c", "lab/gunicorn.conf.py", "--bind", f"{host}:{port}"]
    if workers:
        cmd += ["--workers", str(workers)]
    if threads:
        cmd += ["--threads", str(threads)]
    return [*cmd, "lab.wsgi:application"]


@contextlib.contextmanager
def gunicorn(host: str = "127.0.0.1", port: int | None = None, env: dict | None = None, **kw):
    """Run the lab under gunicorn for the ``with`` block; yield its base URL."""
    port = port or free_port(host)
    proc = spawn(
        gunicorn_command(host, port, **kw),
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, **(env or {})},
    )
    try:
        base_url = f"http://{host}:{port}"
        wait_http(f"{base_url}/api/v1/schemes/", proc=proc)
        yield base_url
    finally:
        stop(proc)
