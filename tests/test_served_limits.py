"""Limits of the served lab: slow clients cannot hold gunicorn's sync workers, a Host
naming another port is refused (so emailed links cannot be poisoned), the SQLite files
are private, and knox caps live tokens per user with a clean JSON refusal."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import Client

from infra import procs
from lab.gunicorn_worker import HEAD_TIMEOUT
from schemes import registry
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


# --- slowloris, on a real gunicorn ------------------------------------------------------------
@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The lab under gunicorn (two sync workers, as on a 2-core machine), own database."""
    var = tmp_path_factory.mktemp("served")
    env = {
        "AUTHLAB_VAR_DIR": str(var),
        "AUTHLAB_SQLITE_PATH": str(var / "authlab.sqlite3"),
        "DJANGO_SETTINGS_MODULE": "lab.settings.serve",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "1",
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env={**os.environ, **env}
    ).check_returncode()
    with procs.gunicorn(env=env) as base_url:
        yield base_url, var


def slow_client(base_url: str) -> socket.socket:
    """A connection that has sent half a request head and will send no more."""
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)), timeout=30)
    sock.sendall(b"GET /api/v1/schemes/ HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    return sock


def test_three_slow_clients_do_not_hold_both_workers(served):
    base_url, _ = served
    slow = [slow_client(base_url) for _ in range(3)]
    try:
        time.sleep(0.5)  # both workers are now reading a slow client's head
        started = time.monotonic()
        with urllib.request.urlopen(f"{base_url}/api/v1/schemes/", timeout=40) as answer:
            assert answer.status == 200
        waited = time.monotonic() - started
        # Two rounds of the head deadline at most (3 slow clients, 2 workers), far
        # from the 60 s the old worker timeout allowed.
        assert waited < 2 * HEAD_TIMEOUT + 5, waited
        for sock in slow:
            sock.settimeout(2 * HEAD_TIMEOUT + 5)
            assert sock.recv(64).startswith(b"HTTP/1.1 408")
    finally:
        for sock in slow:
            sock.close()


def test_a_host_naming_another_port_is_refused_by_the_server(served):
    base_url, _ = served
    port = base_url.rsplit(":", 1)[1]
    for host, status in ((f"127.0.0.1:{port}", 200), ("localhost:31337", 400)):
        request = urllib.request.Request(f"{base_url}/api/v1/schemes/", headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                got, body = answer.status, answer.read()
        except urllib.error.HTTPError as refused:
            got, body = refused.code, refused.read()
        assert got == status, body[:300]
        if status == 400:
            assert "31337" in json.loads(body)["detail"]


def test_the_served_database_files_are_private(served):
    base_url, var = served
    with urllib.request.urlopen(f"{base_url}/api/v1/schemes/", timeout=10):
        pass
    files = sorted(p.name for p in var.glob("authlab.sqlite3*"))
    assert "authlab.sqlite3" in files
    modes = {name: stat.S_IMODE((var / name).stat().st_mode) for name in files}
    assert modes == dict.fromkeys(files, 0o600)


def test_sqlite_files_are_private_from_the_first_connection(tmp_path):
    """migrate and a write in a fresh interpreter: database, -wal and -shm all 0600."""
    code = (
        "import django, stat; django.setup();"
        "from django.core.management import call_command; call_command('migrate', verbosity=0);"
        "from django.contrib.auth import get_user_model;"
        "get_user_model().objects.create_user('x', 'x@example.com', 'pw');"
        "from lab import env;"
        "import json; print(json.dumps("
        "{p.name: stat.S_IMODE(p.stat().st_mode) for p in env.VAR_DIR.glob('*.sqlite3*')}))"
    )
    environ = {
        **{k: v for k, v in os.environ.items() if k not in ("DB", "DATABASE_URL")},
        "AUTHLAB_VAR_DIR": str(tmp_path),
        "AUTHLAB_PASSWORD_HASHER": "md5",
        "DJANGO_SETTINGS_MODULE": "lab.settings.serve",
    }
    environ.pop("AUTHLAB_SQLITE_PATH", None)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    modes = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(modes) == {"authlab.sqlite3", "authlab.sqlite3-wal", "authlab.sqlite3-shm"}
    assert set(modes.values()) == {0o600}


# --- Host ports and emailed links -------------------------------------------------------------
@pytest.fixture
def carol(db):
    from django.contrib.auth import get_user_model

    cache.clear()
    yield get_user_model().objects.create_user("carol", "carol@example.com", PASSWORD)
    cache.clear()


RESET = "/api/v1/dj-rest-auth/password/reset/"


def test_password_reset_with_a_foreign_host_port_is_refused(carol, mailoutbox):
    response = Client().post(
        RESET,
        {"email": "carol@example.com"},
        content_type="application/json",
        headers={"Host": "localhost:31337"},
    )
    assert response.status_code == 400
    assert "31337" in response.json()["detail"]
    assert mailoutbox == []


def test_password_reset_link_names_the_port_the_request_came_in_on(carol, mailoutbox):
    response = Client().post(
        RESET,
        {"email": "carol@example.com"},
        content_type="application/json",
        headers={"Host": "localhost:8000"},
        SERVER_PORT="8000",  # as gunicorn sets it from the socket the request came in on
    )
    assert response.status_code == 200
    assert "http://localhost:8000/api/v1/dj-rest-auth/password/reset/confirm/" in (
        mailoutbox[0].body
    )


def test_a_proxy_port_can_be_allowed(carol, mailoutbox, settings):
    settings.AUTHLAB_ALLOWED_PORTS = ["8443"]
    response = Client().post(
        RESET,
        {"email": "carol@example.com"},
        content_type="application/json",
        headers={"Host": "localhost:8443"},
    )
    assert response.status_code == 200


# --- knox: live tokens per user ---------------------------------------------------------------
def test_knox_refuses_the_login_past_its_token_limit_with_json(user, transport, settings):
    from lab.settings import base, serve

    limit = settings.KNOX_TOKEN_LIMIT_PER_USER
    assert limit == serve.REST_KNOX["TOKEN_LIMIT_PER_USER"] == base.KNOX_TOKEN_LIMIT_PER_USER == 10
    # The test profile lifts it (as it does the login throttle): the served value, here.
    settings.REST_KNOX = {**settings.REST_KNOX, "TOKEN_LIMIT_PER_USER": limit}
    knox = registry.get("knox")
    credentials = [knox.obtain(transport, "alice", PASSWORD) for _ in range(limit)]
    refused = Client().post(
        knox.url("login"),
        {"username": "alice", "password": PASSWORD},
        content_type="application/json",
    )
    assert refused.status_code == 403
    assert "Maximum amount of tokens" in refused.json()["detail"]
    assert knox.revoke(transport, credentials[0]).status in (200, 204)
    assert knox.obtain(transport, "alice", PASSWORD).headers["Authorization"].startswith("Token ")
