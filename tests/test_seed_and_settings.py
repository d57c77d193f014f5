"""Seeding, generated secrets, the real default hasher, and cost settings."""

from __future__ import annotations

import json
import os
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from lab import env
from lab.seed import SEED_PASSWORD, seed_users
from schemes import registry
from schemes.base import basic_header


def test_seed_users_is_deterministic_and_idempotent(db, capsys):
    call_command("seed_users", count=25)
    assert "25 user(s) created" in capsys.readouterr().out
    assert seed_users(30) == 5
    users = get_user_model().objects.order_by("id")
    assert users.count() == 30
    assert [u.username for u in users[:3]] == ["user1", "user2", "user3"]
    # One hash per call, reused: the first 25 rows share one encoded password.
    assert len({u.password for u in users[:25]}) == 1
    assert users[25].password != users[0].password
    assert users.last().check_password(SEED_PASSWORD)


def test_seed_users_rejects_a_bad_count(db):
    with pytest.raises(SystemExit):
        call_command("seed_users", count=0)


def test_basic_with_the_real_default_hasher(db, call):
    """Once, Basic on Django's default PBKDF2 (1.5M iterations): still correct."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        user = get_user_model().objects.create_user("pat", password="slow-but-sound-pw")
        assert user.password.startswith(f"pbkdf2_sha256${PBKDF2PasswordHasher.iterations}$")
        credential_header = {"Authorization": basic_header("pat", "slow-but-sound-pw")}
        response = call(registry.get("basic"), headers=credential_header)
    assert response.status_code == 200
    assert response.json()["username"] == "pat"


def test_local_secrets_are_generated_once_private_and_distinct(tmp_path, monkeypatch):
    monkeypatch.setattr(env, "VAR_DIR", tmp_path)
    monkeypatch.setattr(env, "SECRETS_FILE", tmp_path / "secrets.json")
    monkeypatch.delenv("AUTHLAB_SECRET_KEY", raising=False)
    monkeypatch.delenv("AUTHLAB_JWT_SIGNING_KEY", raising=False)
    first = env.local_secrets()
    assert first["SECRET_KEY"] != first["JWT_SIGNING_KEY"]
    assert all(len(v) >= 43 for v in first.values())  # >= 256 bits of urlsafe base64
    assert stat.S_IMODE(os.stat(tmp_path / "secrets.json").st_mode) == 0o600
    assert env.local_secrets() == first
    monkeypatch.setenv("AUTHLAB_SECRET_KEY", "from-the-environment")
    assert env.local_secrets()["SECRET_KEY"] == "from-the-environment"
    assert json.loads((tmp_path / "secrets.json").read_text())["SECRET_KEY"] == first["SECRET_KEY"]


def test_serve_profile_states_its_cost_settings():
    from lab.settings import serve

    db = serve.DATABASES["default"]
    assert serve.DEBUG is False
    assert "CONN_MAX_AGE" in db and db["CONN_MAX_AGE"] is None  # persistent, stated
    if db["ENGINE"].endswith("sqlite3"):  # DB=postgres states its own (tests/test_stores.py)
        assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]
        assert db["OPTIONS"]["timeout"] > 0
    assert serve.SIMPLE_JWT["SIGNING_KEY"] != serve.SECRET_KEY


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("yes", True), ("0", False), ("off", False), ("", None)]
)
def test_env_bool(monkeypatch, value, expected):
    monkeypatch.setenv("AUTHLAB_X", value)
    assert env.get_bool("AUTHLAB_X", None) is expected


def test_env_bool_rejects_nonsense(monkeypatch):
    monkeypatch.setenv("AUTHLAB_X", "maybe")
    with pytest.raises(ValueError, match="AUTHLAB_X"):
        env.get_bool("AUTHLAB_X")
