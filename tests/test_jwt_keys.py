"""Asymmetric JWT algorithms: a generated key pair per algorithm family, kept in the
secrets file (0600), wired into simplejwt; login and whoami/ work under RS256 and ES256."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from jwt import algorithms
from rest_framework_simplejwt.backends import ALLOWED_ALGORITHMS, TokenBackend

from lab import env

ROOT = Path(__file__).resolve().parent.parent
ASYMMETRIC = sorted(ALLOWED_ALGORITHMS & algorithms.requires_cryptography)


@pytest.fixture
def var_dir(tmp_path, monkeypatch):
    """A private secrets file for this test (never the checkout's)."""
    monkeypatch.setattr(env, "VAR_DIR", tmp_path)
    monkeypatch.setattr(env, "SECRETS_FILE", tmp_path / "secrets.json")
    monkeypatch.delenv("AUTHLAB_JWT_PRIVATE_KEY", raising=False)
    return tmp_path


def test_every_asymmetric_algorithm_simplejwt_takes_has_a_key_family():
    assert {"RS256", "ES256", "EdDSA", "PS256"} <= set(ASYMMETRIC)
    assert set(ASYMMETRIC) <= env.JWT_KEY_FAMILIES.keys()


@pytest.mark.parametrize("algorithm", ASYMMETRIC)
def test_generated_pair_signs_and_verifies(algorithm, var_dir):
    signing, verifying = env.jwt_keys(algorithm)
    assert "PRIVATE KEY" in signing and "PUBLIC KEY" in verifying
    backend = TokenBackend(algorithm, signing, verifying)
    assert backend.decode(backend.encode({"user_id": 1}))["user_id"] == 1
    assert env.jwt_keys(algorithm) == (signing, verifying)  # generated once, then kept
    assert stat.S_IMODE(os.stat(var_dir / "secrets.json").st_mode) == 0o600
    stored = json.loads((var_dir / "secrets.json").read_text())
    assert stored[f"JWT_PRIVATE_KEY_{env.JWT_KEY_FAMILIES[algorithm]}"] == signing


def test_one_family_shares_a_key_and_families_differ(var_dir):
    assert env.jwt_keys("RS256") == env.jwt_keys("PS512")
    assert env.jwt_keys("ES256")[0] != env.jwt_keys("ES384")[0]


def test_hmac_keeps_the_random_signing_key(var_dir, monkeypatch):
    monkeypatch.delenv("AUTHLAB_JWT_SIGNING_KEY", raising=False)
    assert env.jwt_keys("HS256") == (env.local_secrets()["JWT_SIGNING_KEY"], "")


def test_the_environment_wins_over_the_file(var_dir, monkeypatch):
    signing, _ = env.jwt_keys("ES256")
    other = env._private_key_maker("EC-P256")()
    monkeypatch.setenv("AUTHLAB_JWT_PRIVATE_KEY", other)
    assert env.jwt_keys("ES256")[0] == other != signing


#: In a fresh interpreter (settings read the algorithm at import), on a private copy of
#: the session's migrated SQLite file: log in on jwt/ and jwt-stateless/, call whoami/
#: with the access token.
LOGIN_AND_WHOAMI = """
import django, json; django.setup()
from django.contrib.auth import get_user_model
from django.test import Client
import jwt as pyjwt
get_user_model().objects.create_user("alice", "a@example.com", "correct-horse-battery")
out = {}
for scheme in ("jwt", "jwt-stateless"):
    c = Client()
    login = c.post(f"/api/v1/{scheme}/login/", {"username": "alice",
        "password": "correct-horse-battery"}, content_type="application/json")
    access = login.json()["access"]
    who = c.get(f"/api/v1/{scheme}/whoami/", headers={"Authorization": f"Bearer {access}"})
    refresh = c.post(f"/api/v1/{scheme}/refresh/", {"refresh": login.json()["refresh"]},
        content_type="application/json")
    out[scheme] = [login.status_code, pyjwt.get_unverified_header(access)["alg"],
        who.status_code, who.json()["username"], refresh.status_code]
print(json.dumps(out))
"""


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
def test_login_and_whoami_under_an_asymmetric_algorithm(algorithm, tmp_path, migrated):
    environ = {
        **{k: v for k, v in os.environ.items() if k not in ("DB", "DATABASE_URL")},
        "AUTHLAB_VAR_DIR": str(tmp_path),
        "AUTHLAB_SQLITE_PATH": str(tmp_path / "jwt.sqlite3"),
        "AUTHLAB_JWT_ALGORITHM": algorithm,
        "AUTHLAB_PASSWORD_HASHER": "md5",
        "DJANGO_SETTINGS_MODULE": "lab.settings.bench",  # serve settings, throttle lifted
    }
    environ.pop("AUTHLAB_JWT_PRIVATE_KEY", None)
    migrated(environ)
    done = subprocess.run(
        [sys.executable, "-c", LOGIN_AND_WHOAMI],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    for scheme in ("jwt", "jwt-stateless"):
        assert result[scheme] == [200, algorithm, 200, "alice", 200], scheme
    assert stat.S_IMODE(os.stat(tmp_path / "secrets.json").st_mode) == 0o600
