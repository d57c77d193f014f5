"""``make serve`` for real: gunicorn on a free loopback port, every scheme over HTTP,
and no process left behind after SIGTERM, SIGINT or even SIGKILL of the launcher."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import psutil
import pytest

from infra import procs
from lab.seed import SEED_PASSWORD, seed_username
from schemes import registry
from schemes.transports import HttpTransport

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def serve_env(tmp_path_factory, migrated):
    """Environment of a served lab: own var dir and database (the session's migrated
    copy; ``infra.serve`` migrates it again, a no-op, as ``make serve`` would)."""
    var = tmp_path_factory.mktemp("serve")
    env = {
        **os.environ,
        "AUTHLAB_VAR_DIR": str(var),
        "AUTHLAB_SQLITE_PATH": str(var / "template.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "lab.settings.serve",
        "GUNICORN_WORKERS": "1",
        # The served registry gains the test scheme from the environment alone.
        "AUTHLAB_EXTRA_SCHEMES": "tests.extra_scheme.HeaderKeyScheme",
        "AUTHLAB_PASSWORD_HASHER": "md5",  # behaviour, not cost, is tested here
    }
    migrated(env)
    return env


@pytest.fixture
def launch(tmp_path, serve_env):
    """Start ``python -m infra.serve`` on a free port with a copy of the database."""
    started = []

    def start():
        port = procs.free_port()
        db = tmp_path / f"serve-{port}.sqlite3"
        shutil.copy(serve_env["AUTHLAB_SQLITE_PATH"], db)
        env = {**serve_env, "AUTHLAB_SQLITE_PATH": str(db)}
        with open(tmp_path / f"serve-{port}.log", "wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "infra.serve", "--port", str(port), "--seed", "3"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        procs.wait_http(f"{base}/api/v1/schemes/", timeout=60, proc=proc)
        return proc, base

    yield start
    for proc in started:
        procs.stop(proc)


def descendants(proc) -> list[psutil.Process]:
    return psutil.Process(proc.pid).children(recursive=True)


def assert_all_gone(pids: list[int], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = [p for p in pids if psutil.pid_exists(p) and psutil.Process(p).status() != "zombie"]
        if not alive:
            return
        time.sleep(0.1)
    raise AssertionError(f"processes left behind: {alive}")


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_every_scheme_answers_over_http_and_stop_leaves_no_orphan(launch, sig):
    proc, base = launch()
    http = HttpTransport(base)
    for scheme in registry.all_schemes():
        credential = scheme.obtain(http, seed_username(1), SEED_PASSWORD)
        reply = http.get(scheme.url("whoami"), credential.headers_for("GET"))
        assert reply.status == 200, (scheme.name, reply.body)
        expected = None if scheme.is_baseline else seed_username(1)
        assert reply.body["username"] == expected
        if not scheme.is_baseline:
            assert http.get(scheme.url("whoami"), {}).status in (401, 403)
    http.close()
    children = [p.pid for p in descendants(proc)]
    assert children, "gunicorn should be running under the launcher"
    proc.send_signal(sig)
    proc.wait(15)
    assert_all_gone(children)


def test_gunicorn_dies_with_a_killed_launcher(launch):
    proc, _ = launch()
    children = [p.pid for p in descendants(proc)]
    proc.kill()  # SIGKILL: no handler runs; PR_SET_PDEATHSIG must take gunicorn down
    proc.wait(5)
    assert_all_gone(children)


def test_every_scheme_has_a_curl_hint_naming_its_endpoint(db):
    """make serve prints these lines; a scheme added to the registry gets one too."""
    from schemes import registry

    base = "http://127.0.0.1:8000"
    for scheme in registry.all_schemes():
        lines = scheme.curl_hint(base, "user1", "pw")
        assert lines, scheme.name
        text = "\n".join(lines)
        assert f"{base}{scheme.url('whoami')}" in text or text.startswith("# POST"), text
    oidc = "\n".join(registry.get("oidc").curl_hint(base, "user1", "pw"))
    assert '["access_token"]' in oidc
    assert "Authorization: Bearer $V" in oidc
