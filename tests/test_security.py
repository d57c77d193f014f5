"""Security properties, checked rather than assumed: login throttling, the deploy
checklist, secrets (none tracked; the JWT key is not SECRET_KEY), cookie flags, and
what a leaked database row is worth for each stateful scheme."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import cache
from django.urls import URLPattern, URLResolver, get_resolver
from knox.models import AuthToken
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from schemes import registry
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent
#: ``check --deploy`` warnings that only make sense over HTTPS; the lab serves plain
#: HTTP on loopback unless AUTHLAB_TLS=1. Each is explained in README "Security notes".
# W010, not W012: Django looks for its own SessionMiddleware path; the lab subclasses it.
#: The password grant the oauth2 scheme runs on purpose (lab/settings/base.py): DOT's
#: RFC 9700 deploy check warns about it in every profile.
PASSWORD_GRANT = "oauth2_provider.W002"
TLS_ONLY = {"security.W004", "security.W008", "security.W010", "security.W016", PASSWORD_GRANT}


def run_profile(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter with a settings profile and its own var dir
    (generated secrets land there, not in the checkout's var/)."""
    environ = {
        **os.environ,
        "AUTHLAB_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "lab.settings.serve",  # pytest's own is lab.settings.test
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def profile_settings(tmp_path: Path, names: list[str], **env: str) -> dict:
    """The values of ``names`` in a settings profile, read in a fresh interpreter."""
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "from rest_framework.throttling import ScopedRateThrottle as T; "
        f"print(json.dumps({{n: getattr(s, n) for n in {names!r}}} | "
        "{'login_rate': T.THROTTLE_RATES.get('login')}, default=str))"
    )
    done = run_profile(code, tmp_path, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


# --- throttling ----------------------------------------------------------------------------
def walk(resolver: URLResolver, prefix: str = "/"):
    """Yield ``(path, callback)`` for every URL pattern (routes joined, regex kept)."""
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern).lstrip("^").rstrip("$")
        if isinstance(pattern, URLResolver):
            yield from walk(pattern, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern.callback


def login_throttle(callback) -> bool:
    """Whether the view runs DRF's ScopedRateThrottle with the ``login`` scope."""
    view, kwargs = getattr(callback, "view_class", None), getattr(callback, "view_initkwargs", {})
    throttles = kwargs.get("throttle_classes", getattr(view, "throttle_classes", ()))
    scope = kwargs.get("throttle_scope", getattr(view, "throttle_scope", None))
    return any(issubclass(t, ScopedRateThrottle) for t in throttles) and scope == "login"


def api_logins() -> list[str]:
    """Every DRF view under /api/ whose path ends in ``login/``, except those of schemes
    added from settings (a user's own scheme brings its own policy; the test one has none)."""
    extra = {s.prefix for s in registry.all_schemes() if s.name not in builtin_names()}
    return sorted(
        path
        for path, callback in walk(get_resolver())
        if path.startswith("/api/")
        and path.endswith("login/")
        and not any(path.startswith(prefix) for prefix in extra)
        and issubclass(getattr(callback, "view_class", object), APIView)
    )


def builtin_names() -> set[str]:
    from django.utils.module_loading import import_string

    return {import_string(dotted).name for dotted in registry.BUILTIN}


def test_every_api_login_endpoint_is_throttled():
    logins = api_logins()
    scheme_logins = {
        s.url("login")
        for s in registry.all_schemes()
        if "login" in s.actions and s.name in builtin_names()
    }
    # allauth headless's login is no DRF view: allauth's own rate limit guards it (below).
    assert scheme_logins - set(headless_logins()) <= set(logins)
    callbacks = dict(walk(get_resolver()))
    unthrottled = [path for path in logins if not login_throttle(callbacks[path])]
    assert unthrottled == []


def headless_logins() -> list[str]:
    """The scheme logins served by allauth headless's own login view."""
    from allauth.headless.account.views import LoginView

    callbacks = dict(walk(get_resolver()))
    return [
        s.url("login")
        for s in registry.all_schemes()
        if "login" in s.actions
        and issubclass(getattr(callbacks[s.url("login")], "view_class", object), LoginView)
    ]


@pytest.mark.parametrize("path", headless_logins())
def test_headless_login_is_refused_with_429_past_allauths_rate(path, user, settings):
    from django.test import Client

    settings.ACCOUNT_RATE_LIMITS = {"login": "3/m/ip"}
    cache.clear()
    client = Client()
    body = {"username": "alice", "password": "wrong"}
    statuses = [
        client.post(path, body, content_type="application/json").status_code for _ in range(3)
    ]
    assert 429 not in statuses, statuses
    assert client.post(path, body, content_type="application/json").status_code == 429
    cache.clear()


@pytest.fixture
def login_rate_of_three(monkeypatch):
    """Three logins a minute. DRF copies the rates onto the class when it is defined,
    so ``override_settings`` cannot change them: patch the class attribute itself."""
    monkeypatch.setattr(ScopedRateThrottle, "THROTTLE_RATES", {"login": "3/minute"})
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("path", api_logins())
def test_login_is_refused_with_429_past_the_rate(path, login_rate_of_three, user, call):
    from django.test import Client

    client = Client()
    body = {"username": "alice", "password": "wrong"}
    statuses = [
        client.post(path, body, content_type="application/json").status_code for _ in range(3)
    ]
    assert 429 not in statuses, statuses
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 429
    assert "throttled" in response.json()["detail"].lower()
    assert int(response["Retry-After"]) > 0


def test_profiles_state_their_login_rate(tmp_path):
    served = profile_settings(tmp_path, [])["login_rate"]
    bench = profile_settings(tmp_path, [], DJANGO_SETTINGS_MODULE="lab.settings.bench")
    assert served == "30/minute"
    number, _, period = bench["login_rate"].partition("/")
    assert period == "minute" and int(number) >= 1_000_000  # lifted, and said so in bench.py
    env_rate = profile_settings(tmp_path, [], AUTHLAB_LOGIN_THROTTLE_RATE="5/minute")
    assert env_rate["login_rate"] == "5/minute"


# --- the deploy checklist --------------------------------------------------------------------
def deploy_warnings(tmp_path: Path, **env: str) -> set[str]:
    """IDs of the warnings ``manage.py check --deploy`` reports for the serve profile."""
    code = (
        "import sys; from django.core.management import execute_from_command_line as e; "
        "e(['manage.py', 'check', '--deploy', '--fail-level', 'CRITICAL'])"
    )
    done = run_profile(code, tmp_path, **env)
    assert done.returncode == 0, done.stderr
    return set(re.findall(r"\((\w+\.[EW]\d+)\)", done.stdout + done.stderr))


def test_check_deploy_leaves_only_tls_warnings_on_loopback(tmp_path):
    assert deploy_warnings(tmp_path) == TLS_ONLY


def test_check_deploy_with_tls_leaves_only_preload(tmp_path):
    # HSTS preload is a promise made for a real domain, never for the lab (README).
    assert deploy_warnings(tmp_path, AUTHLAB_TLS="1") == {"security.W021", PASSWORD_GRANT}


# --- secrets -----------------------------------------------------------------------------------
def tracked_files() -> list[str]:
    done = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip("not a git checkout")
    return [f for f in done.stdout.splitlines() if (ROOT / f).is_file()]


def test_no_secret_material_is_tracked():
    files = tracked_files()
    forbidden = re.compile(r"(^|/)(var/|\.env$|secrets\.json$|.*\.(pem|key|p12|sqlite3)$)")
    assert [f for f in files if forbidden.search(f)] == []
    # detect-secrets, with the detectors for real key material. Its keyword and
    # entropy detectors are left out: they flag the lab's public test passwords.
    from detect_secrets import SecretsCollection
    from detect_secrets.settings import transient_settings

    plugins = [
        "PrivateKeyDetector",
        "AWSKeyDetector",
        "GitHubTokenDetector",
        "GitLabTokenDetector",
        "JwtTokenDetector",
        "SlackDetector",
        "StripeDetector",
        "PypiTokenDetector",
        "NpmDetector",
        "OpenAIDetector",
        "SendGridDetector",
        "TwilioKeyDetector",
        "AzureStorageKeyDetector",
        "DiscordBotTokenDetector",
    ]
    found = SecretsCollection(root=str(ROOT))
    with transient_settings({"plugins_used": [{"name": p} for p in plugins]}):
        for name in files:
            found.scan_file(name)
    assert {f: [s.type for s in found[f]] for f in found.files} == {}


def test_this_checkouts_generated_secrets_are_in_no_tracked_file():
    secrets_file = ROOT / "var" / "secrets.json"
    if not secrets_file.exists():
        pytest.skip("no var/secrets.json generated yet")
    values = [v for v in json.loads(secrets_file.read_text()).values() if len(v) >= 20]
    leaks = [
        f
        for f in tracked_files()
        if any(v in (ROOT / f).read_text(errors="ignore") for v in values)
    ]
    assert leaks == []


def test_secret_keys_are_distinct_and_long(tmp_path):
    got = profile_settings(tmp_path, ["SECRET_KEY", "SIMPLE_JWT"])
    jwt_key = json.loads(json.dumps(got["SIMPLE_JWT"]))["SIGNING_KEY"]
    assert jwt_key != got["SECRET_KEY"]
    assert len(jwt_key) >= 43 and len(got["SECRET_KEY"]) >= 43  # >= 256 bits of base64
    # Generated once per checkout: a second start reads the same keys back.
    again = profile_settings(tmp_path, ["SECRET_KEY"])
    assert again["SECRET_KEY"] == got["SECRET_KEY"]


def test_one_key_for_both_is_refused(tmp_path):
    same = "x" * 64
    done = run_profile(
        "import django; django.setup()",
        tmp_path,
        AUTHLAB_SECRET_KEY=same,
        AUTHLAB_JWT_SIGNING_KEY=same,
    )
    assert done.returncode != 0
    assert "must differ" in done.stderr


# --- cookies ---------------------------------------------------------------------------------
def test_session_login_cookies_are_httponly_and_samesite(user, call):
    response = call(
        registry.get("session"),
        method="POST",
        action="login",
        data={"username": "alice", "password": PASSWORD},
        headers=registry.get("session").login_headers(),
    )
    assert response.status_code == 200
    session = response.cookies[settings.SESSION_COOKIE_NAME]
    csrf = response.cookies[settings.CSRF_COOKIE_NAME]
    assert session["httponly"] and session["samesite"] == "Lax"
    assert csrf["samesite"] == "Lax"
    # Not HttpOnly on purpose: API clients read it to send X-CSRFToken.
    assert not csrf["httponly"]
    assert not session["secure"]  # plain HTTP on loopback; Secure under AUTHLAB_TLS=1


def test_tls_profile_marks_cookies_secure(tmp_path):
    names = [
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
    ]
    tls = profile_settings(tmp_path, names, AUTHLAB_TLS="1")
    plain = profile_settings(tmp_path, names)
    assert tls["SESSION_COOKIE_SECURE"] and tls["CSRF_COOKIE_SECURE"] and tls["SECURE_SSL_REDIRECT"]
    assert tls["SECURE_HSTS_SECONDS"] >= 31_536_000
    assert not any(plain[n] for n in names)


# --- what a leaked row is worth ----------------------------------------------------------------
def test_leaked_drf_token_row_authenticates(user, transport, call):
    scheme = registry.get("token")
    scheme.obtain(transport, "alice", PASSWORD)
    key = Token.objects.get(user=user).key  # what a database dump holds
    assert scheme.properties.stored_credential_usable
    response = call(scheme, headers={"Authorization": f"Token {key}"})
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


def test_leaked_knox_row_does_not_authenticate(user, transport, call):
    scheme = registry.get("knox")
    live = scheme.obtain(transport, "alice", PASSWORD)
    row = AuthToken.objects.get(user=user)  # digest and token_key: all a dump holds
    assert not scheme.properties.stored_credential_usable
    for value in (row.digest, row.token_key, row.token_key + row.digest, row.digest[:64]):
        response = call(scheme, headers={"Authorization": f"Token {value}"})
        assert response.status_code == 401, value
    assert call(scheme, live).status_code == 200  # the token itself still works


def test_leaked_session_row_authenticates(user, transport, call):
    scheme = registry.get("session")
    scheme.obtain(transport, "alice", PASSWORD)
    key = Session.objects.get().session_key
    assert scheme.properties.stored_credential_usable
    response = call(scheme, headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={key}"})
    assert response.status_code == 200
    assert response.json()["username"] == "alice"


@pytest.mark.parametrize("name", ["jwt", "jwt-stateless"])
def test_leaked_outstanding_jwt_row_mints_access_tokens(name, user, transport, call):
    scheme = registry.get(name)
    scheme.obtain(transport, "alice", PASSWORD)
    refresh = OutstandingToken.objects.get(user=user).token  # stored whole
    assert scheme.properties.stored_credential_usable
    minted = call(scheme, method="POST", action="refresh", data={"refresh": refresh})
    assert minted.status_code == 200
    response = call(scheme, headers={"Authorization": f"Bearer {minted.json()['access']}"})
    assert response.status_code == 200


def test_outstanding_row_holds_the_issued_refresh_token(user, transport):
    credential = registry.get("jwt").obtain(transport, "alice", PASSWORD)
    assert OutstandingToken.objects.get(user=user).token == credential.extra["refresh"]


def test_inactive_users_are_not_issued_credentials(user, transport):
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    from schemes.base import CredentialRefused

    for scheme in registry.all_schemes():
        if "login" in scheme.actions:
            with pytest.raises(CredentialRefused):
                scheme.obtain(transport, "alice", PASSWORD)
