"""Sustained load with writes: users log in and out on every scheme that has a login
while others call ``whoami/``, against gunicorn (several workers) on one SQLite file.

Every login, refresh and logout writes (session rows, DRF tokens, knox tokens, JWT
outstanding and blacklist rows, ``last_login``), so the workers keep competing for
SQLite's single write lock. The property: no request fails, and gunicorn's stderr
never says "database is locked" nor logs a server error.

Bounded in ``make test`` (:data:`SECONDS`, marked slow); ``make soak`` runs it for
``SOAK_SECONDS`` (default there: 60). ``SOAK_SECONDS`` is a knob of this test only,
so it is read here rather than in ``lab/env.py`` (what the served lab reacts to).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from infra import procs
from lab.seed import SEED_PASSWORD, seed_username
from schemes import registry
from schemes.base import Credential, Reply, Scheme
from schemes.transports import HttpTransport

pytestmark = pytest.mark.slow

SECONDS = float(os.environ.get("SOAK_SECONDS") or 15)
WORKERS = 4
#: Client threads: each churner logs in and out in a loop; readers only call whoami/.
CHURNERS = 6
READERS = 4
ROOT = Path(__file__).resolve().parent.parent
#: Lines in gunicorn's stderr that mean the database or the app failed.
BAD_LOG = ("database is locked", "Internal Server Error", "Traceback", "OperationalError")


@dataclass
class Tally:
    """Requests and failures, counted across threads."""

    requests: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, what: str) -> None:
        with self.lock:
            self.requests[what] += 1

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)


@pytest.fixture(scope="module")
def lab_env(tmp_path_factory, migrated) -> dict[str, str]:
    """Environment of a lab on its own SQLite file (the session's migrated copy, seeded),
    bench profile: login throttling lifted (as `make load` does) and a fast hasher, so
    that the write rate, not PBKDF2, is what the database has to absorb."""
    var = tmp_path_factory.mktemp("soak")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lab.settings.bench",
        "AUTHLAB_VAR_DIR": str(var),
        "AUTHLAB_SQLITE_PATH": str(var / "soak.sqlite3"),
        "AUTHLAB_PASSWORD_HASHER": "md5",
    }
    migrated(env)
    seed = [sys.executable, "manage.py", "seed_users", "--count", str(CHURNERS + READERS + 10)]
    subprocess.run(seed, cwd=ROOT, env=env, check=True, timeout=300)
    return env


@pytest.fixture(scope="module")
def server(lab_env, tmp_path_factory):
    """gunicorn with :data:`WORKERS` sync workers; yields (base URL, stderr path)."""
    log = tmp_path_factory.mktemp("soak-log") / "gunicorn.stderr"
    port = procs.free_port()
    with log.open("wb") as err:
        proc = procs.spawn(
            procs.gunicorn_command("127.0.0.1", port, workers=WORKERS),
            cwd=ROOT,
            env=lab_env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            procs.wait_http(f"{base}/api/v1/schemes/", timeout=60, proc=proc)
            yield base, log
        finally:
            procs.stop(proc)


def expect(tally: Tally, what: str, reply: Reply, status: int | tuple, user: str | None = ...):
    """Count ``reply`` and record a failure unless its status (and user) is as expected."""
    tally.count(what)
    statuses = status if isinstance(status, tuple) else (status,)
    if reply.status not in statuses:
        tally.fail(f"{what}: HTTP {reply.status} {reply.raw[:200]!r}")
    elif user is not ... and reply.body.get("username") != user:
        tally.fail(f"{what}: named {reply.body.get('username')!r}, expected {user!r}")


def whoami(http: HttpTransport, scheme: Scheme, credential: Credential, method: str) -> Reply:
    """GET or POST (a small JSON body) to the scheme's ``whoami/``."""
    headers = credential.headers_for(method)
    if method == "GET":
        return http.get(scheme.url("whoami"), headers)
    return http.post(scheme.url("whoami"), {"n": 1}, headers)


def served(base: str) -> list[Scheme]:
    """The registry's schemes that the server lists (test settings add one it lacks)."""
    http = HttpTransport(base)
    try:
        names = {entry["name"] for entry in http.get("/api/v1/schemes/", {}).body}
    finally:
        http.close()
    return [s for s in registry.all_schemes() if s.name in names]


def churn(base: str, username: str, deadline: float, tally: Tally) -> None:
    """Log in, use, refresh and log out on every scheme with a login, until ``deadline``."""
    http = HttpTransport(base)
    schemes = [s for s in served(base) if "login" in s.actions]
    try:
        while time.monotonic() < deadline:
            for scheme in schemes:
                cycle(http, scheme, username, tally)
    except Exception as exc:  # a dropped connection or a refused login is a failure
        tally.fail(f"{username}: {type(exc).__name__}: {exc}")
    finally:
        http.close()


def cycle(http: HttpTransport, scheme: Scheme, username: str, tally: Tally) -> None:
    """One login/use/logout cycle of ``scheme``, every write path it has."""
    name = scheme.name
    credential = scheme.obtain(http, username, SEED_PASSWORD)
    tally.count(f"{name} login")
    expect(tally, f"{name} GET", whoami(http, scheme, credential, "GET"), 200, username)
    expect(tally, f"{name} POST", whoami(http, scheme, credential, "POST"), 200, username)
    if "refresh" in scheme.actions:
        expect(tally, f"{name} refresh", scheme.refresh(http, credential), 200)
    if "logout" in scheme.actions:
        expect(tally, f"{name} logout", scheme.revoke(http, credential), scheme.logout_statuses)
        # Several gunicorn workers are several servers: a per-process cache (the tuned
        # variants) refuses at once only where the logout ran, the others within
        # revocation_delay_s (proved on a frozen clock by tests/test_contract.py).
        if scheme.properties.logout_immediate and not scheme.properties.revocation_delay_s:
            after = whoami(http, scheme, credential, "GET")
            expect(tally, f"{name} after logout", after, (401, 403))
    if "logoutall" in scheme.actions:
        # Two more tokens, then revoke every token of the user at once.
        first, second = (scheme.obtain(http, username, SEED_PASSWORD) for _ in range(2))
        tally.count(f"{name} login")
        tally.count(f"{name} login")
        reply = http.post(scheme.url("logoutall"), {}, second.headers_for("POST"))
        expect(tally, f"{name} logoutall", reply, (200, 204))
        after = whoami(http, scheme, first, "GET")
        expect(tally, f"{name} after logoutall", after, (401, 403))


def read(base: str, username: str, deadline: float, tally: Tally) -> None:
    """Call ``whoami/`` on every scheme with one long-lived credential each."""
    http = HttpTransport(base)
    try:
        schemes = served(base)
        creds = {s.name: s.obtain(http, username, SEED_PASSWORD) for s in schemes}
        expected = {s.name: None if s.is_baseline else username for s in schemes}
        while time.monotonic() < deadline:
            for s in schemes:
                reply = whoami(http, s, creds[s.name], "GET")
                expect(tally, f"{s.name} read", reply, 200, expected[s.name])
    except Exception as exc:
        tally.fail(f"{username}: {type(exc).__name__}: {exc}")
    finally:
        http.close()


def test_logins_and_reads_under_load_never_fail(server):
    base, log = server
    tally = Tally()
    deadline = time.monotonic() + SECONDS
    threads = [
        threading.Thread(target=churn, args=(base, seed_username(1 + i), deadline, tally))
        for i in range(CHURNERS)
    ] + [
        threading.Thread(target=read, args=(base, seed_username(1 + CHURNERS + i), deadline, tally))
        for i in range(READERS)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(SECONDS + 120)
    total = sum(tally.requests.values())
    print(
        f"\nsustained load: {total} requests in {SECONDS:.0f} s, "
        f"{len(tally.failures)} failures; {dict(sorted(tally.requests.items()))}"
    )
    assert not any(t.is_alive() for t in threads), "a client thread hung"
    assert tally.failures == [], tally.failures[:20]
    writes = sum(
        n for what, n in tally.requests.items() if not what.endswith(("GET", "POST", "read"))
    )
    assert writes > 50, f"too few writing requests to mean anything: {tally.requests}"
    stderr = log.read_text(errors="replace")
    bad = [line for line in stderr.splitlines() if any(b in line for b in BAD_LOG)]
    assert bad == [], bad[:20]


# --- the same server, raw bytes on the wire ---------------------------------------------------
#: tests/test_fuzz.py sends header bytes in process as latin-1 text, which is what a
#: WSGI server hands Django; this sends real bytes to gunicorn to check that model.
RAW_SCHEMES = ["basic", "session", "token", "jwt", "jwt-stateless", "knox"]


def raw_status(base: str, request: bytes) -> int:
    """Send raw bytes over one connection; return the response's status code."""
    host, port = base.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(request)
        head = b""
        while b"\r\n" not in head:
            chunk = sock.recv(4096)
            assert chunk, f"connection closed with no answer to {request[:120]!r}"
            head += chunk
    return int(head.split(b" ", 2)[1])


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    scheme=st.sampled_from(RAW_SCHEMES),
    name=st.sampled_from([b"Authorization", b"Cookie", b"X-CSRFToken"]),
    value=st.binary(max_size=9000)
    | st.sampled_from(
        [b"Basic \xff\xfe", b"Token \x00", b"Bearer \xc3\x28", b"sessionid=\x80\x81"]
    ),
    method=st.sampled_from([b"GET", b"POST"]),
)
def test_raw_header_bytes_over_http_never_5xx(server, scheme, name, value, method):
    base, log = server
    request = (
        method
        + f" /api/v1/{scheme}/whoami/ HTTP/1.1\r\nHost: 127.0.0.1\r\n".encode()
        + name
        + b": "
        + value
        + b"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    # 400: gunicorn refuses a malformed request line or header itself.
    assert raw_status(base, request) in {400, 401, 403}
    stderr = log.read_text(errors="replace")
    assert not any(b in stderr for b in BAD_LOG), stderr[-2000:]
