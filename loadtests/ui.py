"""``make locust``: a seeded lab under gunicorn and the locust web UI, until Ctrl-C.

Usage: ``python -m loadtests.ui [--port P] [--web-port 8089] [--workers N]
[--threads N] [--seed N]``. Both servers listen on 127.0.0.1 only; Ctrl-C (or
SIGTERM) stops both, and both die with this process even if it is killed.

Both run in a session of their own, so a Ctrl-C in the terminal reaches this process
only (and ``make``): it stops each child once, by PID, with SIGTERM. Otherwise locust
would get the terminal's SIGINT and then this SIGTERM, shut down twice (its stats
table printed twice) and end in a gevent traceback; and the terminal's SIGINT would
make gunicorn exit as if it had died on its own.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading

from infra import procs
from lab.env import BASE_DIR

SETTINGS = "lab.settings.bench"  # login throttling lifted: the UI load-tests logins too


def main(argv: list[str] | None = None) -> int:
    """Migrate, seed, start gunicorn and the locust web UI, print both URLs, wait."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0, help="lab port (default: a free one)")
    parser.add_argument("--web-port", type=int, default=8089, help="locust web UI port")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seed", type=int, default=100, help="users to seed (default 100)")
    args = parser.parse_args(argv)

    for what, port, variable in (("web UI", args.web_port, "WEB_PORT"), ("lab", args.port, "")):
        if port and not procs.port_free("127.0.0.1", port):
            hint = f", try {variable}={procs.free_port()}" if variable else ""
            print(f"{what} port {port} is in use{hint}", file=sys.stderr)
            return 2
    procs.die_with_parent()
    # The handler only asks to stop: waiting on a child inside it could deadlock with
    # the main thread's own wait on that child (Popen's wait lock).
    stop_requested = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop_requested.set())
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": SETTINGS}
    from loadtests.database import prepare_database

    try:
        prepare_database(env, args.seed)
    except subprocess.CalledProcessError:
        if stop_requested.is_set():  # Ctrl-C while migrating or seeding
            return 0
        raise
    port = args.port or procs.free_port()
    lab_url = f"http://127.0.0.1:{port}"
    # Their own session: the terminal's Ctrl-C is this process's to pass on (above).
    own = {"cwd": BASE_DIR, "env": env, "start_new_session": True, "stdin": subprocess.DEVNULL}
    server = procs.spawn(
        procs.gunicorn_command("127.0.0.1", port, args.workers, args.threads), **own
    )
    children = [server]
    try:
        procs.wait_http(f"{lab_url}/api/v1/schemes/", proc=server)
        children.append(procs.spawn(locust_command(lab_url, args), **own))
        procs.wait_http(f"http://127.0.0.1:{args.web_port}/", proc=children[-1])
        print(f"\nlab (gunicorn, {args.workers} worker(s) x {args.threads} thread(s)): {lab_url}")
        print(f"locust web UI (one user class per scheme):  http://127.0.0.1:{args.web_port}")
        print("  (one class per test unless mixed_schemes; raw-µs figures in the authlab tab)")
        print(f"Accounts user1..user{args.seed} are seeded; Ctrl-C stops both.\n", flush=True)
        while not stop_requested.wait(0.5):
            if any(child.poll() is not None for child in children):
                print("a server exited on its own; stopping the other", file=sys.stderr)
                return 1
        return 0
    finally:
        for child in reversed(children):
            procs.stop(child)


def locust_command(lab_url: str, args: argparse.Namespace) -> list[str]:
    """The locust web UI against ``lab_url`` ([tool.locust] holds the other defaults)."""
    return [
        str(procs.BIN / "locust"),
        "-f",
        "loadtests/locustfile.py",
        "--host",
        lab_url,
        "--web-host",
        "127.0.0.1",
        "--web-port",
        str(args.web_port),
        "--class-picker",
        "--accounts",
        str(args.seed),
    ]


if __name__ == "__main__":
    sys.exit(main())
