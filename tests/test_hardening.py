"""Issue 11's account and throttle weaknesses, each checked through real requests:
deleted users on refresh/, throttles that hold whatever the headers and wherever a
password is checked, unverified sign-ups, one address per account, single-use
secrets under parallel use, and login CSRF."""

from __future__ import annotations

import json
import unicodedata

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from django.core.cache import caches
from django.db import IntegrityError, transaction
from django.test import Client
from rest_framework.throttling import ScopedRateThrottle

from schemes import registry
from schemes.base import basic_header
from schemes.transports import HttpTransport
from tests.conftest import PASSWORD

ACCOUNTS = "/api/v1/dj-rest-auth/"
STRONG = "plum-orbit-canvas-91"
STRONGER = "quartz-meadow-lantern-47"


def post(client: Client, path: str, data: dict, **headers):
    """POST ``data`` as JSON."""
    return client.post(path, json.dumps(data), content_type="application/json", headers=headers)


@pytest.fixture
def rate_of_three(monkeypatch):
    """Three logins, and three failed password checks, a minute per client."""
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/minute"})
    caches["throttle"].clear()
    yield
    caches["throttle"].clear()


# --- 2. refresh/ for a deleted user ---------------------------------------------------------
@pytest.mark.parametrize("name", ["jwt", "jwt-stateless"])
def test_refresh_for_a_deleted_user_is_401(name, user, transport):
    scheme = registry.get(name)
    refresh = scheme.obtain(transport, "alice", PASSWORD).extra["refresh"]
    user.delete()
    response = post(Client(), scheme.url("refresh"), {"refresh": refresh})
    assert response.status_code == 401, response.content
    assert isinstance(response.json()["detail"], str)


# --- 6. throttles -----------------------------------------------------------------------------
def test_rotating_x_forwarded_for_is_still_throttled(rate_of_three, user):
    client = Client()
    statuses = [
        post(
            client,
            "/api/v1/token/login/",
            {"username": "alice", "password": "wrong"},
            **{"X-Forwarded-For": f"10.0.0.{i}"},
        ).status_code
        for i in range(6)
    ]
    assert statuses[:3] == [400, 400, 400]
    assert set(statuses[3:]) == {429}, statuses


def test_basic_guesses_are_throttled_then_even_the_right_password(rate_of_three, user, call):
    basic = registry.get("basic")
    for _ in range(3):
        response = call(basic, headers={"Authorization": basic_header("alice", "guess")})
        assert response.status_code == 401
    right = call(basic, headers={"Authorization": basic_header("alice", PASSWORD)})
    assert right.status_code == 429, right.content
    assert isinstance(right.json()["detail"], str)
    assert int(right["Retry-After"]) > 0


def test_basic_successes_are_never_throttled(rate_of_three, user, call):
    basic = registry.get("basic")
    header = {"Authorization": basic_header("alice", PASSWORD)}
    assert {call(basic, headers=header).status_code for _ in range(10)} == {200}


def test_failures_anywhere_count_for_every_password_check(rate_of_three, user, call):
    """Guesses on Basic lock the same client out of the login views too."""
    basic = registry.get("basic")
    for _ in range(3):
        call(basic, headers={"Authorization": basic_header("alice", "guess")})
    client = Client()
    body = {"username": "alice", "password": PASSWORD}
    assert post(client, "/api/v1/jwt/login/", body).status_code == 429
    assert post(client, f"{ACCOUNTS}login/", body).status_code == 429


@pytest.mark.parametrize("path", ["/api-auth/login/", "/admin/login/"])
def test_django_login_pages_are_throttled(path, rate_of_three, db):
    get_user_model().objects.create_superuser("root", "root@example.com", PASSWORD)
    client = Client()
    for _ in range(3):
        wrong = client.post(path, {"username": "root", "password": "wrong"})
        assert wrong.status_code == 200  # the form again, with its error
    response = client.post(path, {"username": "root", "password": PASSWORD})
    assert response.status_code == 429, response.content[:300]
    assert isinstance(response.json()["detail"], str)
    assert "sessionid" not in response.cookies


@pytest.mark.slow
def test_two_gunicorn_workers_share_the_failure_count(tmp_path, migrated):
    """Real gunicorn, 2 workers, fresh connection per request (so both workers serve):
    the 4th wrong password from this client is a 429 whichever worker answers."""
    from infra import procs

    env = {
        "DJANGO_SETTINGS_MODULE": "lab.settings.serve",
        "AUTHLAB_VAR_DIR": str(tmp_path),
        "AUTHLAB_SQLITE_PATH": str(tmp_path / "lab.sqlite3"),
        "AUTHLAB_LOGIN_THROTTLE_RATE": "3/minute",
        "AUTHLAB_PASSWORD_HASHER": "md5",
        "DB": "sqlite",
        "CACHE": "locmem",
    }
    manage = [str(procs.BIN / "python"), "manage.py"]
    migrated(env)  # the session's migrated SQLite file, copied
    done = procs.spawn(
        [*manage, "seed_users", "--count", "1"], env={**__import__("os").environ, **env}
    )
    assert done.wait(120) == 0
    with procs.gunicorn(env=env, workers=2) as base:
        statuses, pids = [], set()
        for _ in range(8):
            http = HttpTransport(base)
            reply = http.request(
                "GET", "/api/v1/basic/whoami/", None, {"Authorization": basic_header("user1", "x")}
            )
            statuses.append(reply.status)
            http.close()
        assert statuses[:3] == [401, 401, 401], statuses
        assert set(statuses[3:]) == {429}, statuses
        del pids


# --- 7. unverified sign-ups -------------------------------------------------------------------
@pytest.fixture
def unverified(db, mailoutbox):
    """``mallory``, signed up with an address she does not own and never verified."""
    body = {"username": "mallory", "email": "kate@example.com", "password1": STRONG}
    response = post(Client(), f"{ACCOUNTS}registration/", {**body, "password2": STRONG})
    assert response.status_code == 201, response.content
    assert not EmailAddress.objects.get(email="kate@example.com").verified
    return "mallory"


@pytest.mark.parametrize("login", ["mallory", "kate@example.com"])
@pytest.mark.parametrize("name", ["token", "knox", "jwt", "session", "basic"])
def test_unverified_sign_up_cannot_authenticate(name, login, unverified, transport, call):
    from schemes.base import CredentialRefused

    scheme = registry.get(name)
    try:
        credential = scheme.obtain(transport, login, STRONG)
    except CredentialRefused as refused:
        assert refused.status in (400, 401), refused.body
        return
    assert call(scheme, credential).status_code == 401


@pytest.mark.parametrize("login", ["mallory", "kate@example.com"])
def test_unverified_sign_up_cannot_use_the_browsable_api_login(login, unverified):
    response = Client().post("/api-auth/login/", {"username": login, "password": STRONG})
    assert response.status_code == 200  # the form again: no redirect, no session
    assert "sessionid" not in response.cookies


def test_verified_sign_up_can_authenticate(unverified, transport, call):
    EmailAddress.objects.filter(email="kate@example.com").update(verified=True)
    scheme = registry.get("token")
    assert call(scheme, scheme.obtain(transport, "mallory", STRONG)).status_code == 200


# --- 8 and 12. one address and one name per account ----------------------------------------
def register(client: Client, username: str, email: str):
    """POST a registration with a strong password."""
    body = {"username": username, "email": email, "password1": STRONG, "password2": STRONG}
    return post(client, f"{ACCOUNTS}registration/", body)


@pytest.mark.parametrize(
    "email", ["\u212aate@example.com", "KATE@example.com", "\uff4bate@example.com"]
)
def test_look_alike_address_is_taken(email, db, mailoutbox):
    get_user_model().objects.create_user("kate", "kate@example.com", PASSWORD)
    response = register(Client(), "kate2", email)
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["email"]


@pytest.mark.parametrize("username", ["\uff41\uff4c\uff49\uff43\uff45", "\uff21lice"])
def test_look_alike_username_is_taken(username, user, mailoutbox):
    response = register(Client(), username, "other@example.com")
    assert response.status_code == 400, response.content
    assert list(response.json()) == ["username"]


def test_compatibility_ligature_is_stored_normalised(db, mailoutbox):
    assert register(Client(), "\u01c5emal", "d@example.com").status_code == 201
    assert get_user_model().objects.filter(username=unicodedata.normalize("NFKC", "\u01c5emal"))


def test_full_width_login_reaches_the_same_account(user, transport):
    token = registry.get("token")
    assert token.obtain(transport, "\uff41\uff4c\uff49\uff43\uff45", PASSWORD).headers[
        "Authorization"
    ]


def test_database_refuses_a_second_account_with_the_address(user):
    with pytest.raises(IntegrityError), transaction.atomic():
        get_user_model().objects.create_user("alice2", "ALICE@example.com", PASSWORD)


# --- 10. what a password change revokes ----------------------------------------------------
def test_password_change_blacklists_every_refresh_token(user, transport):
    jwt = registry.get("jwt")
    refreshes = [jwt.obtain(transport, "alice", PASSWORD).extra["refresh"] for _ in range(2)]
    user.set_password("a-new-password-entirely")
    user.save()
    for refresh in refreshes:
        assert post(Client(), jwt.url("refresh"), {"refresh": refresh}).status_code == 401


def test_password_change_deletes_every_knox_token(user, transport, call):
    knox = registry.get("knox")
    credentials = [knox.obtain(transport, "alice", PASSWORD) for _ in range(3)]
    user.set_password("a-new-password-entirely")
    user.save()
    assert {call(knox, c).status_code for c in credentials} == {401}


# --- 11. login CSRF -------------------------------------------------------------------------
def test_session_login_from_a_foreign_origin_is_refused(user):
    session = registry.get("session")
    client = Client(enforce_csrf_checks=True)
    body = {"username": "alice", "password": PASSWORD}
    headers = {**session.login_headers(), "Origin": "http://evil.example"}
    response = post(client, session.url("login"), body, **headers)
    assert response.status_code == 403
    assert "origin" in response.json()["detail"].lower()
    assert "sessionid" not in response.cookies


def test_session_login_without_csrf_token_is_refused(user):
    session = registry.get("session")
    form = Client(enforce_csrf_checks=True).post(
        session.url("login"), {"username": "alice", "password": PASSWORD}
    )
    assert form.status_code == 403
    assert "csrf" in form.json()["detail"].lower()
    assert "sessionid" not in form.cookies


def test_session_login_with_the_double_submit_works(user):
    session = registry.get("session")
    client = Client(enforce_csrf_checks=True)
    body = {"username": "alice", "password": PASSWORD}
    response = post(client, session.url("login"), body, **session.login_headers())
    assert response.status_code == 200
    assert response.cookies["sessionid"].value
