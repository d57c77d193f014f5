"""Single-use secrets and one-address-per-account under parallel use, against a real
gunicorn (2 workers x 8 threads) on a file SQLite and on PostgreSQL: the races of
issue 11 need real concurrent connections, which the test client cannot make."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from infra import procs
from lab.seed import SEED_PASSWORD
from schemes import registry
from schemes.transports import HttpTransport
from tests.test_stores import child_env

ROOT = Path(__file__).resolve().parent.parent
ACCOUNTS = "/api/v1/dj-rest-auth/"
STRONG = "plum-orbit-canvas-91"
PARALLEL = 20


class ServedLab:
    """A migrated, seeded lab under gunicorn, and the file its console emails go to."""

    def __init__(self, base_url: str, out: Path):
        self.base_url = base_url
        self.out = out

    def post(self, path: str, data: dict) -> tuple[int, object]:
        """POST JSON on a fresh connection; return the status and body."""
        http = HttpTransport(self.base_url)
        try:
            reply = http.post(path, data, {})
        finally:
            http.close()
        return reply.status, reply.body

    def emailed_link(self, pattern: str) -> str:
        """The path of the last link matching ``pattern`` in the printed emails."""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            found = re.findall(r"https?://[^/\s]+(" + pattern + ")", self.out.read_text())
            if found:
                return found[-1]
            time.sleep(0.1)
        raise AssertionError(f"no email with {pattern} in {self.out}")


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def lab(request, tmp_path_factory, migrated):
    """The lab on ``sqlite`` (a file) or ``postgres`` (the session's throwaway cluster)."""
    folder = tmp_path_factory.mktemp(f"races-{request.param}")
    store = {"DB": "sqlite", "AUTHLAB_SQLITE_PATH": str(folder / "lab.sqlite3")}
    if request.param == "postgres":
        store = {"DB": "postgres", "DATABASE_URL": request.getfixturevalue("pg").url}
    env = child_env(
        DJANGO_SETTINGS_MODULE="lab.settings.serve",
        AUTHLAB_VAR_DIR=str(folder),
        AUTHLAB_PASSWORD_HASHER="md5",  # races, not hashing, are under test
        AUTHLAB_LOGIN_THROTTLE_RATE="100000/minute",  # every racer must reach the view
        **store,
    )
    migrated(env)  # SQLite: the session's migrated file, copied; PostgreSQL: migrated here
    seed = [str(procs.BIN / "python"), "manage.py", "seed_users", "--count", "2"]
    assert procs.spawn(seed, cwd=ROOT, env=env).wait(180) == 0
    out = folder / "gunicorn.out"
    port = procs.free_port()
    with out.open("w") as sink:
        proc = procs.spawn(
            procs.gunicorn_command("127.0.0.1", port, workers=2, threads=8),
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=sink,
        )
    try:
        base = f"http://127.0.0.1:{port}"
        procs.wait_http(f"{base}/api/v1/schemes/", timeout=60, proc=proc)
        yield ServedLab(base, out)
    finally:
        procs.stop(proc)


def parallel(job, count: int = PARALLEL) -> list:
    """Run ``job(i)`` ``count`` times at once; return the results in order."""
    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(job, range(count)))


@pytest.mark.slow
def test_parallel_refresh_with_one_token_succeeds_once(lab):
    jwt = registry.get("jwt")
    status, tokens = lab.post(jwt.url("login"), {"username": "user1", "password": SEED_PASSWORD})
    assert status == 200, tokens
    results = parallel(lambda i: lab.post(jwt.url("refresh"), {"refresh": tokens["refresh"]}))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [401] * (PARALLEL - 1), results


@pytest.mark.slow
def test_parallel_reset_confirmations_succeed_once(lab):
    status, _ = lab.post(f"{ACCOUNTS}password/reset/", {"email": "user2@example.com"})
    assert status == 200
    link = lab.emailed_link(r"/api/v1/dj-rest-auth/password/reset/confirm/[^/\s]+/[^/\s]+/")

    def confirm(i: int):
        password = f"{STRONG}-{i}"
        return lab.post(link, {"new_password1": password, "new_password2": password})

    results = parallel(confirm)
    statuses = sorted(status for status, _ in results)
    assert statuses == [200] + [400] * (PARALLEL - 1), results
    assert all(body == {"token": ["Invalid value"]} for s, body in results if s == 400)


@pytest.mark.slow
def test_parallel_sign_ups_with_one_address_make_one_account(lab):
    def sign_up(i: int):
        body = {"username": f"racer{i}", "email": "race@example.com"}
        return lab.post(
            f"{ACCOUNTS}registration/", {**body, "password1": STRONG, "password2": STRONG}
        )

    results = parallel(sign_up, 10)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [400] * 9, results
    assert all(list(body) == ["email"] for s, body in results if s == 400), results
