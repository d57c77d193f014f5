"""Real credential stores: the throwaway PostgreSQL and Redis of infra.services, the
contract's query counts on PostgreSQL, sessions on Redis, and scale seeding.

The servers are started by the project's own code once per test session; when a
binary is missing the tests skip with what to install.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import override_settings

from infra import services
from lab import env
from schemes import registry
from tests.conftest import PASSWORD, scheme_params, start_service

ROOT = Path(__file__).resolve().parent.parent
#: Variables that would point a child at the developer's servers instead of ours.
STORE_VARS = ("DB", "CACHE", "DATABASE_URL", "REDIS_URL", "AUTHLAB_SQLITE_PATH")


def child_env(**extra: str) -> dict[str, str]:
    """This environment minus any store selection, plus ``extra``."""
    clean = {k: v for k, v in os.environ.items() if k not in STORE_VARS}
    return {**clean, **extra}


# --- Settings plumbing (no server needed) -----------------------------------------------------
def test_database_url_becomes_django_settings():
    parsed = env.parse_database_url(
        "postgresql://al%40ice:p%3Ass@db.example:6543/lab?sslmode=require"
    )
    assert parsed == {
        "NAME": "lab",
        "USER": "al@ice",
        "PASSWORD": "p:ss",
        "HOST": "db.example",
        "PORT": "6543",
        "OPTIONS": {"sslmode": "require"},
    }
    with pytest.raises(ValueError, match="only postgres"):
        env.parse_database_url("mysql://x@y/z")


def test_unknown_store_names_are_refused():
    with pytest.raises(ValueError, match="sqlite, postgres"):
        env.check_db("oracle")
    with pytest.raises(ValueError, match="locmem, redis"):
        env.check_cache("memcached")


def test_urls_are_redacted_in_what_runs_record():
    assert services.redact("redis://:s3cret@127.0.0.1:1/0") == "redis://:***@127.0.0.1:1/0"
    assert "s3cret" not in services.redact("postgresql://authlab:s3cret@127.0.0.1:5/authlab")


def test_settings_follow_the_db_variable():
    """Also run by the PostgreSQL subprocess below: it proves which server it used."""
    assert connection.vendor == {"sqlite": "sqlite", "postgres": "postgresql"}[env.DB]
    if env.DB == "postgres":
        assert settings.DATABASES["default"]["CONN_MAX_AGE"] == env.CONN_MAX_AGE
        assert settings.DATABASES["default"]["OPTIONS"]["server_side_binding"] is False


def test_wrapper_runs_the_command_untouched_without_services():
    code = subprocess.call(
        [
            sys.executable,
            "-m",
            "infra.services",
            "run",
            "--db",
            "sqlite",
            "--cache",
            "locmem",
            "--",
            sys.executable,
            "-c",
            "raise SystemExit(7)",
        ],
        cwd=ROOT,
        env=child_env(),
    )
    assert code == 7


# --- The servers themselves -------------------------------------------------------------------
@pytest.mark.postgres
def test_postgres_is_loopback_only_unprivileged_and_password_protected(pg):
    import psycopg

    uid = int(re.search(r"^Uid:\s+(\d+)", Path(f"/proc/{pg.pid}/status").read_text(), re.M)[1])
    assert uid != 0, "PostgreSQL must not run as root"
    with psycopg.connect(pg.url) as conn:
        assert conn.execute("SHOW listen_addresses").fetchone()[0] == "127.0.0.1"
        assert conn.execute("SHOW unix_socket_directories").fetchone()[0] == ""
        assert conn.execute("SHOW server_version").fetchone()[0].startswith("15.")
    wrong = re.sub(r":[^:@/]+@", ":wrong@", pg.url)
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(wrong, connect_timeout=5)


@pytest.mark.redis
def test_redis_stops_by_pid_and_leaves_nothing_behind():
    with start_service(services.redis) as server:
        import redis

        assert redis.Redis.from_url(server.url).ping()
        with pytest.raises(redis.AuthenticationError):
            redis.Redis.from_url(re.sub(r":[^:@/]+@", ":wrong@", server.url)).ping()
        pid, folder = server.pid, server.folder
    assert server.proc.returncode is not None
    assert not Path(f"/proc/{pid}").exists()
    assert not folder.exists()


@pytest.mark.postgres
@pytest.mark.redis
def test_wrapper_starts_both_stores_for_a_command_and_settings_use_them():
    """What `make test DB=postgres CACHE=redis` does, end to end, in a child."""
    probe = (
        "import django; django.setup();"
        "from django.db import connection; from django.core.cache import caches;"
        "cache = caches['default'];"
        "cache.set('k', 'v'); print(connection.vendor, type(cache).__name__, cache.get('k'))"
    )
    try:
        services.pg_bin_dir(), services.redis_binary()
    except services.ServiceUnavailable as exc:
        pytest.skip(str(exc))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "infra.services",
            "run",
            "--db",
            "postgres",
            "--cache",
            "redis",
            "--",
            sys.executable,
            "-c",
            probe,
        ],
        cwd=ROOT,
        env=child_env(DJANGO_SETTINGS_MODULE="lab.settings.serve"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["postgresql", "RedisCache", "v"]


# --- The contract on PostgreSQL -----------------------------------------------------------------
@pytest.mark.postgres
def test_contract_query_counts_hold_on_postgres(pg):
    """pytest-django cannot switch databases mid-session: run the query-count tests
    (and the vendor check) in a child pytest with DB=postgres on our cluster."""
    selection = "queries_per_request or baseline_makes_no_query or settings_follow_the_db"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_contract.py",
            "tests/test_stores.py",
            "-k",
            selection,
            "-q",
            "-p",
            "no:cacheprovider",
            "-W",
            "ignore::pytest.PytestUnknownMarkWarning",
        ],
        cwd=ROOT,
        env=child_env(DB="postgres", DATABASE_URL=pg.url),
        capture_output=True,
        text=True,
        timeout=300,
    )
    expected = len(scheme_params()) + 2  # each scheme, the baseline, the vendor check
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert re.search(rf"\b{expected} passed\b", out.stdout), out.stdout[-2000:]


# --- Sessions on Redis --------------------------------------------------------------------------
@pytest.mark.redis
@pytest.mark.parametrize("engine", ["cache", "cached_db"])
def test_session_engines_on_redis(engine, redis_server, user, transport, call):
    import redis

    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_server.url,
            "KEY_PREFIX": f"test-{engine}",
        }
    }
    caches["throttle"] = caches["default"]  # the login throttle's alias must exist too
    session = registry.get("session")
    with override_settings(CACHES=caches, SESSION_ENGINE=settings.SESSION_ENGINES[engine]):
        credential = session.obtain(transport, "alice", PASSWORD)
        key = credential.cookies[settings.SESSION_COOKIE_NAME]
        stored = redis.Redis.from_url(redis_server.url).keys(f"test-{engine}:*{key}")
        assert len(stored) == 1, "the session lives in Redis"
        assert Session.objects.filter(session_key=key).exists() == (engine == "cached_db")
        response = call(session, credential)
        assert response.status_code == 200
        assert response.json()["username"] == "alice"
        assert session.revoke(transport, credential).status == 200
        assert not redis.Redis.from_url(redis_server.url).keys(f"test-{engine}:*{key}")
        assert call(session, credential).status_code == 403


# --- Scale seeding ------------------------------------------------------------------------------
def test_scale_seeding_grows_every_table_to_the_size_asked(db):
    from scale.measure import sample_usernames
    from scale.seed import Seeder

    seeder = Seeder()
    for size in (120, 300):
        seeder.grow_to(size)
        assert seeder.counts() == dict.fromkeys(seeder.models, size)
    names = sample_usernames(300)
    assert len(set(names)) == len(names)
    assert all(1 <= int(n.removeprefix("user")) <= 300 for n in names)


def writers_of(model: str) -> int:
    """How many registry schemes with a login add a row of ``model`` per login (their
    declared ``login_writes``: a session, a knox token, an outstanding JWT)."""
    return sum(1 for s in registry.all_schemes() if s.has_login and model in s.login_writes)


@pytest.mark.postgres
def test_scale_on_postgres_uses_copy_and_times_real_credentials(pg, tmp_path):
    """The scale child on PostgreSQL: exact row counts, verified credentials, and each
    scheme's lookup running the queries its properties declare."""
    out = tmp_path / "result.json"
    code = subprocess.call(
        [
            sys.executable,
            "-m",
            "scale",
            "--child",
            "postgres",
            "--sizes",
            "50,200",
            "--rounds",
            "1",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        timeout=300,
        env=child_env(
            DB="postgres",
            DATABASE_URL=pg.url,
            AUTHLAB_PASSWORD_HASHER="md5",
            DJANGO_SETTINGS_MODULE="lab.settings.bench",
        ),
    )
    assert code == 0
    result = json.loads(out.read_text())
    logins = 16 * 2  # SAMPLE_USERS log in once per size, through every scheme
    counts = result["final_counts"]
    assert counts["users"] == counts["drf_tokens"] == counts["jwt_blacklisted"] == 200
    # Each login through a scheme writing that table adds a row (a variant too).
    assert counts["sessions"] == 200 + logins * writers_of("sessions.Session")
    assert counts["knox_tokens"] == 200 + logins * writers_of("knox.AuthToken")
    assert counts["jwt_outstanding"] == 200 + logins * writers_of(
        "token_blacklist.OutstandingToken"
    )
    assert all(check["ok"] for check in result["verification"].values())
    for point in result["points"]:
        if point["kind"] in registry.names():
            declared = registry.get(point["kind"]).properties.queries_per_request
            assert point["queries"] == (0 if registry.get(point["kind"]).is_baseline else declared)
    assert {p["rows"] for p in result["points"]} == {50, 200}
