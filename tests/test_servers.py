"""Every server of the servers dimension, for real: started once each on a free
loopback port, a scheme end to end (token login + whoami), the header-limit answer,
stopped by PID. Plus the parts the dimension is built from (/proc CPU, the search)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks.servers import login
from infra import cpu, procs, serve
from infra.servers import SERVERS
from infra.servers import serve as serve_with
from loadtests import headerlimits, openloop
from schemes import registry

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server_env(tmp_path_factory, migrated):
    """The bench settings on a migrated database (the session's copy) with two seeded
    users (md5: fast)."""
    var = tmp_path_factory.mktemp("servers")
    env = {
        **os.environ,
        "AUTHLAB_VAR_DIR": str(var),
        "AUTHLAB_SQLITE_PATH": str(var / "servers.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "lab.settings.bench",
        "AUTHLAB_PASSWORD_HASHER": "md5",  # behaviour, not cost, is tested here
    }
    migrated(env)
    subprocess.run(
        [sys.executable, "manage.py", "seed_users", "--count", "2"], cwd=ROOT, env=env, check=True
    )
    return env, var


@pytest.mark.parametrize("name", list(SERVERS))
def test_each_server_serves_a_scheme_and_refuses_an_oversized_header_clearly(name, server_env):
    env, var = server_env
    with (
        open(var / f"{name}.log", "ab") as log,
        serve_with(SERVERS[name], env, log, pin=False) as (url, port, proc),
    ):
        headers = login(registry.get("token"), url, account=1)  # raises unless whoami is right
        assert headers["Authorization"].startswith("Token ")
        # 2 MiB: past every server's limit but uvicorn's (which passes it to Django).
        outcome, status = headerlimits.ask(
            "127.0.0.1", port, "/api/v1/token/whoami/", "Authorization", "Token " + "a" * (2 << 20)
        )
        assert (outcome, status) in {("refused", 431), ("refused", 400), ("accepted", 401)}
        if name.startswith("gunicorn"):  # limit_request_field_size = 8190
            assert headerlimits.ask(
                "127.0.0.1", port, "/api/v1/token/whoami/", "Authorization", "Token " + "a" * 9000
            ) == ("refused", 431)
        pid = proc.pid
    assert proc.poll() is not None  # stopped by PID
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_a_credential_the_server_refuses_is_replaced_by_a_login(server_env):
    """The servers share one login per scheme; one a server refuses (jwt-short's token
    expired since the first server) is made again there, one it accepts is kept."""
    env, var = server_env
    token = registry.get("token")
    with (
        open(var / "relogin.log", "ab") as log,
        serve_with(SERVERS["gunicorn-sync"], env, log, pin=False) as (url, _, _proc),
    ):
        stale = {"Authorization": "Token " + "0" * 40}
        fresh = login(token, url, account=1, headers=stale)
        assert fresh != stale and fresh["Authorization"].startswith("Token ")
        assert login(token, url, account=1, headers=fresh) is fresh


def test_server_cpu_per_request_and_the_open_loop_count_requests(server_env):
    env, var = server_env
    with (
        open(var / "openloop.log", "ab") as log,
        serve_with(SERVERS["gunicorn-sync"], env, log, pin=False) as (url, port, proc),
    ):
        headers = login(registry.get("token"), url, account=2)
        path = "/api/v1/token/whoami/"
        result = openloop.measure(
            "127.0.0.1",
            port,
            path,
            headers,
            proc.pid,
            warmup_s=0.1,
            window_s=0.5,
            connections=2,
            load_fraction=0.5,
        )
    closed, opened = result["closed"], result["open"]
    assert closed["requests"] > 0 and closed["failures"] == 0
    assert closed["cpu_us_per_request"] > 0  # the worker (a child of the arbiter) is counted
    assert opened["failures"] == 0
    assert opened["requests"] == max(1, int(opened["rate"] * 0.5))
    assert opened["p50_us"] <= (opened["p99_us"] or opened["max_us"]) <= opened["max_us"]


def test_tree_cpu_counts_a_child_process():
    child = procs.spawn(
        [
            sys.executable,
            "-c",
            "import time\nt=time.process_time()\n"
            "while time.process_time() - t < 0.3: pass\ntime.sleep(30)",
        ]
    )
    try:
        me = os.getpid()
        before = cpu.tree_cpu_seconds(me)
        time.sleep(1.0)  # the child burns 0.3 s of CPU in here (started just before)
        after = cpu.tree_cpu_seconds(me)
        assert child.pid in cpu.descendants(me)
        assert cpu.cpu_delta({}, {child.pid: after[child.pid]}) >= 0.25
        assert cpu.cpu_delta(before, after) >= 0.0
    finally:
        procs.stop(child)


def test_the_binary_search_finds_the_exact_limit():
    for limit in (255, 256, 8190, 495_754, headerlimits.CAP_BYTES):
        assert headerlimits.largest(lambda n, limit=limit: n <= limit) == limit


def test_make_serve_names_a_port_in_use_before_doing_anything(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert serve.main(["--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"port {port} is in use, try PORT=" in err
