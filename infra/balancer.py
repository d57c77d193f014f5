"""A real load balancer (HAProxy, from Debian's package) in front of lab servers.

HTTP mode, ``balance roundrobin``, no stickiness and no health checks (a check would be
a request of its own): each request goes to the next server in turn. Every answer
carries ``X-Authlab-Backend: <server name>``, so a client can tell who served it.
Listens on 127.0.0.1 only, in the foreground (``-db``), and is stopped by PID.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

from infra import procs

#: Where Debian puts it (``/usr/sbin`` is not on every PATH).
HAPROXY_PATHS = ("/usr/sbin/haproxy", "/usr/local/sbin/haproxy")
INSTALL_HINT = "install HAProxy: make system-deps (apt-get install haproxy)"
#: The response header naming the server that answered.
BACKEND_HEADER = "X-Authlab-Backend"
BALANCE = "roundrobin"


def haproxy_binary() -> str | None:
    """Path of ``haproxy``, or ``None`` when it is not installed."""
    found = shutil.which("haproxy")
    return found or next((p for p in HAPROXY_PATHS if Path(p).is_file()), None)


def version() -> str | None:
    """``HAProxy 2.6.12-1+deb12u4`` (the first line of ``haproxy -v``), or ``None``."""
    binary = haproxy_binary()
    if binary is None:
        return None
    out = subprocess.run([binary, "-v"], capture_output=True, text=True).stdout
    words = out.split()
    return f"HAProxy {words[2]}" if len(words) > 2 else None


def config(port: int, servers: dict[str, int], host: str = "127.0.0.1") -> str:
    """The HAProxy configuration: ``host:port`` balancing round robin over ``servers``
    (name -> port on ``host``)."""
    lines = [
        "global",
        "    maxconn 256",
        "defaults",
        "    mode http",
        "    timeout connect 5s",
        "    timeout client 30s",
        "    timeout server 30s",
        "frontend lab",
        f"    bind {host}:{port}",
        "    default_backend pair",
        "backend pair",
        f"    balance {BALANCE}",
        f"    http-response set-header {BACKEND_HEADER} %s",
        *(f"    server {name} {host}:{server_port}" for name, server_port in servers.items()),
    ]
    return "\n".join(lines) + "\n"


@contextlib.contextmanager
def haproxy(
    servers: dict[str, int], port: int | None = None, host: str = "127.0.0.1"
) -> Iterator[str]:
    """Run HAProxy on ``host:port`` (default: a free port) over ``servers`` (name -> port)
    for the ``with`` block; yield its URL. Start the servers first: until they answer,
    HAProxy's own 503 is what a client gets."""
    binary = haproxy_binary()
    if binary is None:
        raise FileNotFoundError(f"haproxy is not installed; {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="authlab-haproxy-") as folder:
        port = port or procs.free_port(host)
        cfg = Path(folder) / "haproxy.cfg"
        cfg.write_text(config(port, servers, host))
        log = open(Path(folder) / "haproxy.log", "wb")  # noqa: SIM115 - closed below
        proc = procs.spawn([binary, "-db", "-f", str(cfg)], stdout=log, stderr=subprocess.STDOUT)
        try:
            url = f"http://{host}:{port}"
            procs.wait_http(f"{url}/api/v1/schemes/", proc=proc)
            yield url
        finally:
            procs.stop(proc)
            log.close()
