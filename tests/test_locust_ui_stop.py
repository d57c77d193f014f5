"""``make locust`` (``python -m loadtests.ui``) ends cleanly on a terminal's Ctrl-C: exit
0, locust shut down once (one stats table), no traceback, nothing left running; and a
web port in use is a clear exit 2 before anything starts."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys

import psutil
import pytest

from infra import procs
from lab.env import BASE_DIR

pytestmark = pytest.mark.slow


def test_ctrl_c_stops_both_servers_once(tmp_path):
    env = {
        **os.environ,
        "AUTHLAB_SQLITE_PATH": str(tmp_path / "ui.sqlite3"),
        "AUTHLAB_PASSWORD_HASHER": "md5",
    }
    port = procs.free_port()
    log = tmp_path / "ui.log"
    with log.open("wb") as out:
        # Its own session and process group, as a terminal gives a foreground job.
        proc = subprocess.Popen(
            [sys.executable, "-m", "loadtests.ui", "--web-port", str(port), "--seed", "3"],
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        procs.wait_http(f"http://127.0.0.1:{port}/", timeout=120, proc=proc)
        children = [p.pid for p in psutil.Process(proc.pid).children(recursive=True)]
        assert len(children) >= 2  # gunicorn (and its workers) and locust
        os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C: the whole foreground group
        assert proc.wait(30) == 0
    finally:
        procs.stop(proc)
    text = log.read_text(errors="replace")
    assert text.count("Shutting down (exit code 0)") == 1, text[-3000:]
    assert text.count("Response time percentiles") == 1, text[-3000:]
    assert "Traceback" not in text and "exited on its own" not in text, text[-3000:]
    assert not [p for p in children if psutil.pid_exists(p) and _alive(p)]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_web_port_in_use_is_a_clear_error():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "loadtests.ui", "--web-port", str(port)],
            cwd=BASE_DIR,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert f"web UI port {port} is in use, try WEB_PORT=" in done.stderr
