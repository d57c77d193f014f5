"""The load phase's logins made ahead (loadtests/logins.py): the generator's users take
them after one unmeasured check, refresh a refused one where the scheme has a refresh,
and log in over HTTP only where one is still refused or absent.

Real processes (a child Django process for the logins, gunicorn, locust) on loopback;
counts pinned from locust's own statistics, nothing timed. MD5 hasher: behaviour, not cost.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3

import pytest

from loadtests import database, logins, orchestrate

pytestmark = pytest.mark.slow

SCHEMES = ["token", "knox", "session", "jwt"]
SHORT = {"users": 2, "warmup_s": 0.1, "duration_s": 0.3}
#: A knox token the server never issued: refused, so user2 logs in on knox.
REFUSED = "Token " + "0" * 64
#: An access token past its lifetime, as jwt-short's is a minute after it was made
#: ahead: refused, so user2 refreshes it (its refresh token kept) and logs in on no scheme.
EXPIRED = "Bearer " + "e30." * 2 + "c2ln"


@pytest.fixture
def ahead_run(tmp_path, monkeypatch):
    """One load run on a database made ahead, its logins file altered as it is written:
    user2's token credential left out, user2's knox credential replaced by a refused one,
    user2's jwt access token by a refused one (its refresh token kept)."""
    monkeypatch.setenv("AUTHLAB_PASSWORD_HASHER", "md5")
    monkeypatch.setattr(database, "_ahead", {})
    monkeypatch.setattr(database, "_handed", {})
    written: list = []
    real = logins.make_ahead

    def altered(env, users, out, schemes=None):
        made = real(env, users, out, schemes)
        data = logins.read(out)
        written.append(json.loads(json.dumps(data)))  # as made, before the changes
        del data["credentials"]["token"]["user2"]
        data["credentials"]["knox"]["user2"]["headers"]["Authorization"] = REFUSED
        data["credentials"]["jwt"]["user2"]["headers"]["Authorization"] = EXPIRED
        out.write_text(json.dumps(data))
        return made

    monkeypatch.setattr(logins, "make_ahead", altered)
    made = orchestrate.prepare_ahead(users=2, schemes=SCHEMES)
    run_dir = tmp_path / "run"
    result = orchestrate.run_load(run_dir, quick=True, schemes=SCHEMES, **SHORT)
    raw = {n: json.loads((run_dir / "load" / f"{n}.json").read_text()) for n in SCHEMES}
    return made, written[0], result, raw, run_dir


def _requests(raw: dict, name: str) -> int:
    return sum(e["requests"] for e in raw["locust_stats"] if e["name"] == name)


def test_users_take_the_logins_made_ahead_and_log_in_only_where_refused(ahead_run, tmp_path):
    made, credentials, result, raw, run_dir = ahead_run
    # Made ahead: 2 accounts x 4 schemes; the sessions, bound to the swapped-in hash
    # (another salt, even with MD5 as the real hasher), were bound to the real one
    # (infra.inprocess.rebind_session): no login with the real hash.
    assert made["logins"] == 8 and made["schemes"] == 4
    assert made["real_hash_logins"] == {}
    assert result["meta"]["logins_made_ahead"] is True
    for name in SCHEMES:
        assert result["verification"][name]["ok"], name
        assert result["schemes"][name]["load_failures"] == 0, name
    # Each credential present is checked once; a login reaches the server only for the
    # absent one (token, user2) and the refused one of a scheme without refresh (knox,
    # user2); jwt's refused access token is refreshed instead (no password, no hash).
    assert {n: _requests(raw[n], f"{n} check/") for n in SCHEMES} == {
        "token": 1,
        "knox": 2,
        "session": 2,
        "jwt": 2,
    }
    assert {n: _requests(raw[n], f"{n} login/") for n in SCHEMES} == {
        "token": 1,
        "knox": 1,
        "session": 0,
        "jwt": 0,
    }
    assert {n: _requests(raw[n], f"{n} refresh/") for n in SCHEMES} == {
        "token": 0,
        "knox": 0,
        "session": 0,
        "jwt": 1,
    }
    # The knox tokens in the database as the phase ended: user1's made ahead, and for
    # user2 the one made ahead (never sent) and its login's.
    env = {**os.environ, database.PATH_ENV: str(tmp_path / "next.sqlite3")}
    env["DJANGO_SETTINGS_MODULE"] = orchestrate.SETTINGS
    handed = database.take_over(env, orchestrate.ACCOUNTS)
    with contextlib.closing(sqlite3.connect(env[database.PATH_ENV])) as db:
        rows = db.execute(
            "SELECT u.username, COUNT(*) FROM knox_authtoken k JOIN auth_user u"
            " ON u.id = k.user_id GROUP BY u.username ORDER BY u.username"
        ).fetchall()
    assert rows == [("user1", 1), ("user2", 2)]
    # Account 1's credentials go on to the servers phase: the ones made ahead.
    token = credentials["credentials"]["token"]["user1"]["headers"]["Authorization"]
    assert handed["token"]["Authorization"] == token
    assert set(handed) == set(SCHEMES)
    # Live credentials never reach the run folder.
    assert not any(token in p.read_text(errors="ignore") for p in run_dir.rglob("*") if p.is_file())
