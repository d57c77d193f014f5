"""The HTTP phases' database (loadtests/database.py): one migration per process and
settings, then independent copies; and the generator that waits for the server.

Real migrations into real SQLite files, real child processes; nothing timed.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from loadtests import database

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.slow


@pytest.fixture
def migrations(monkeypatch):
    """Count the migrations run (each still runs for real)."""
    calls: list[str] = []
    real = database.prepare_database

    def counted(env, accounts):
        calls.append(env[database.PATH_ENV])
        real(env, accounts)

    monkeypatch.setattr(database, "prepare_database", counted)
    monkeypatch.setattr(database, "_templates", {})
    monkeypatch.setattr(database, "_handed", {})
    return calls


def _env(tmp_path: Path, name: str, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lab.settings.bench",
        "AUTHLAB_VAR_DIR": str(tmp_path),
        "AUTHLAB_PASSWORD_HASHER": "md5",  # behaviour, not cost
        database.PATH_ENV: str(tmp_path / f"{name}.sqlite3"),
        **extra,
    }


def _users(path: Path) -> list[str]:
    with contextlib.closing(sqlite3.connect(path)) as db:
        return [row[0] for row in db.execute("SELECT username FROM auth_user ORDER BY id")]


def test_one_migration_serves_both_phases_and_the_copies_are_independent(tmp_path, migrations):
    load, servers = _env(tmp_path, "load"), _env(tmp_path, "servers")
    database.fresh_copy(load, 3)
    database.fresh_copy(servers, 3)
    assert len(migrations) == 1  # the second phase copied the template
    assert migrations[0] not in (load[database.PATH_ENV], servers[database.PATH_ENV])
    paths = [Path(e[database.PATH_ENV]) for e in (load, servers)]
    assert _users(paths[0]) == _users(paths[1]) == ["user1", "user2", "user3"]
    with contextlib.closing(sqlite3.connect(paths[0])) as db:  # one phase's writes...
        db.execute("DELETE FROM auth_user WHERE username = 'user3'")
        db.commit()
    assert _users(paths[0]) == ["user1", "user2"]
    assert _users(paths[1]) == ["user1", "user2", "user3"]  # ...never reach the other's
    assert _users(Path(migrations[0])) == ["user1", "user2", "user3"]


def test_a_phase_hands_its_database_and_logins_to_the_next_once(tmp_path, migrations):
    load, servers = _env(tmp_path, "load"), _env(tmp_path, "servers")
    database.fresh_copy(load, 2)
    with contextlib.closing(sqlite3.connect(load[database.PATH_ENV])) as db:
        db.execute("UPDATE auth_user SET username = 'renamed' WHERE username = 'user2'")
        db.commit()
    logins = tmp_path / "logins.json"
    logins.write_text(json.dumps({"token": {"Authorization": "Token abc"}}))
    database.hand_over(load, 2, logins)
    assert database.take_over(servers, 2) == {"token": {"Authorization": "Token abc"}}
    assert _users(Path(servers[database.PATH_ENV])) == ["user1", "renamed"]
    again = _env(tmp_path, "again")
    assert database.take_over(again, 2) == {}  # taken once: the template's copy now
    assert _users(Path(again[database.PATH_ENV])) == ["user1", "user2"]
    assert len(migrations) == 1


def test_other_settings_or_accounts_get_their_own_template(tmp_path, migrations):
    database.fresh_copy(_env(tmp_path, "a"), 2)
    database.fresh_copy(_env(tmp_path, "b", AUTHLAB_PASSWORD_HASHER="pbkdf2"), 2)
    database.fresh_copy(_env(tmp_path, "c"), 4)
    assert len(migrations) == 3
    assert _users(tmp_path / "c.sqlite3") == [f"user{i}" for i in range(1, 5)]


def test_postgres_is_migrated_in_place_not_copied():
    assert database.uses_sqlite({"DB": "sqlite", "DATABASE_URL": "postgres://x"})
    assert not database.uses_sqlite({"DATABASE_URL": "postgres://x"})
    assert not database.uses_sqlite({"DB": "POSTGRES"})
    assert database.uses_sqlite({})


def test_a_waiting_generator_without_its_go_loads_nothing(tmp_path):
    """Started while the server boots, the generator waits for the orchestrator's line;
    when the orchestrator goes away instead (stdin closed), it exits without a request."""
    cmd = [sys.executable, "-m", "loadtests.generator", "--out", str(tmp_path)]
    cmd += ["--host", "http://127.0.0.1:9", "--schemes", "none", "--wait-for-go"]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "lab.settings.bench"}
    done = subprocess.run(
        cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, timeout=120
    )
    assert done.returncode == 1, done.stderr[-500:]
    assert b"no go from the orchestrator" in done.stderr
    assert not list(tmp_path.glob("*.json"))
