"""The book's account endpoints, through HTTP as a client uses them: register, verify
the email, log in, use the token, change and reset the password; and bad input, which
is a 400 naming the field (or the same answer for everyone), never a 500."""

from __future__ import annotations

import io
import json
import re

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.test import Client
from rest_framework.authtoken.models import Token

from lab.accounts.mail import ReadableConsoleBackend
from tests.conftest import PASSWORD

ACCOUNTS = "/api/v1/dj-rest-auth/"
REGISTER = f"{ACCOUNTS}registration/"
STRONG = "plum-orbit-canvas-91"
STRONGER = "quartz-meadow-lantern-47"
STRONGEST = "violet-harbor-compass-63"
CONFIRM_LINK = re.compile(
    r"http://testserver(/api/v1/dj-rest-auth/registration/account-confirm-email/([^/\s]+)/)"
)
RESET_LINK = re.compile(
    r"http://testserver(/api/v1/dj-rest-auth/password/reset/confirm/([^/\s]+)/([^/\s]+)/)"
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """allauth's rate limits and DRF's throttles count in the cache: start each test at 0."""
    cache.clear()
    yield
    cache.clear()


class Api:
    """A JSON client that enforces CSRF and sends only the token it is given."""

    def __init__(self):
        self.client = Client(enforce_csrf_checks=True)

    def post(self, path: str, data=None, token: str | None = None, raw: bytes | None = None):
        """POST ``data`` as JSON (or ``raw`` bytes), with ``Authorization: Token``."""
        body = raw if raw is not None else json.dumps(data or {})
        return self.client.post(path, body, content_type="application/json", headers=_auth(token))

    def get(self, path: str, token: str | None = None):
        """GET ``path`` with ``Authorization: Token`` when given."""
        return self.client.get(path, headers=_auth(token))

    def login(self, login: str, password: str, field: str = "username"):
        """dj-rest-auth's login/."""
        return self.post(f"{ACCOUNTS}login/", {field: login, "password": password})


def _auth(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Token {token}"} if token else {}


@pytest.fixture
def api():
    """An :class:`Api`."""
    return Api()


def register(api: Api, username: str = "carol", email: str = "carol@example.com", **extra):
    """POST a registration with a strong password (fields overridable)."""
    data = {"username": username, "email": email, "password1": STRONG, "password2": STRONG}
    return api.post(REGISTER, {**data, **extra})


def only_link(mailoutbox, pattern: re.Pattern, to: str) -> re.Match:
    """The one email sent, to ``to``, and the link in it."""
    assert [m.to for m in mailoutbox] == [[to]]
    match = pattern.search(mailoutbox[0].body)
    assert match, mailoutbox[0].body
    return match


@pytest.fixture
def verified(db, api, mailoutbox):
    """``carol``, registered and verified through the API; the outbox is emptied."""
    assert register(api).status_code == 201
    key = only_link(mailoutbox, CONFIRM_LINK, "carol@example.com")[2]
    assert api.post(f"{REGISTER}verify-email/", {"key": key}).status_code == 200
    mailoutbox.clear()
    return "carol"


def assert_field_errors(response, *fields: str) -> None:
    """A 400 whose JSON names exactly these fields, each with a message."""
    assert response.status_code == 400, response.content
    body = response.json()
    assert sorted(body) == sorted(fields), body
    assert all(isinstance(body[f], list) and body[f] for f in fields), body


# --- The whole flow ------------------------------------------------------------------------
def test_register_verify_login_change_reset(db, api, mailoutbox):
    # Register: the answer says an email went out, and it did, with a link.
    response = register(api)
    assert response.status_code == 201, response.content
    assert response.json() == {"detail": "Verification e-mail sent."}
    path, key = only_link(mailoutbox, CONFIRM_LINK, "carol@example.com").groups()

    # Verification is mandatory: no token before the address is confirmed (the answer
    # is a wrong password's: it does not confirm the password was right).
    refused = {"non_field_errors": ["Unable to log in with provided credentials."]}
    assert api.login("carol", STRONG).json() == refused

    # The emailed link answers (GET changes nothing) and confirms on POST.
    assert api.get(path).json()["key"] == key
    assert not EmailAddress.objects.get(email="carol@example.com").verified
    assert api.post(path).json() == {"detail": "ok"}
    assert EmailAddress.objects.get(email="carol@example.com").verified

    # Log in: a DRF token key, which the token scheme's endpoint accepts.
    response = api.login("carol", STRONG)
    assert response.status_code == 200, response.content
    token = response.json()["key"]
    whoami = api.get("/api/v1/token/whoami/", token=token)
    assert whoami.status_code == 200
    assert whoami.json() == {"username": "carol", "scheme": "token"}
    assert api.get(f"{ACCOUNTS}user/", token=token).json()["email"] == "carol@example.com"

    # Change the password (the old one is required); the old one stops working.
    change = {"old_password": STRONG, "new_password1": STRONGER, "new_password2": STRONGER}
    response = api.post(f"{ACCOUNTS}password/change/", change, token=token)
    assert response.status_code == 200, response.content
    assert api.login("carol", STRONG).status_code == 400
    assert api.get("/api/v1/token/whoami/", token=token).status_code == 401  # key revoked
    assert api.login("carol", STRONGER).status_code == 200

    # Reset by email, confirm with the emailed uid and token, log in with the new one.
    mailoutbox.clear()
    assert api.post(f"{ACCOUNTS}password/reset/", {"email": "carol@example.com"}).status_code == 200
    path, uid, reset_token = only_link(mailoutbox, RESET_LINK, "carol@example.com").groups()
    assert api.get(path).json()["uid"] == uid
    confirm = {"uid": uid, "token": reset_token}
    new = {"new_password1": STRONGEST, "new_password2": STRONGEST}
    response = api.post(f"{ACCOUNTS}password/reset/confirm/", {**confirm, **new})
    assert response.status_code == 200, response.content
    assert api.login("carol", STRONGER).status_code == 400
    assert api.login("carol@example.com", STRONGEST, field="email").status_code == 200

    # The reset token was single-use: the password it was made for has changed.
    assert_field_errors(api.post(path, new), "token")


def test_login_key_is_the_token_schemes_key(verified, api):
    key = api.login("carol", STRONG).json()["key"]
    assert Token.objects.get(user__username="carol").key == key


def test_logout_deletes_the_key(verified, api):
    key = api.login("carol", STRONG).json()["key"]
    assert api.post(f"{ACCOUNTS}logout/", token=key).json() == {
        "detail": "Successfully logged out."
    }
    assert api.get("/api/v1/token/whoami/", token=key).status_code == 401


def test_password_change_revokes_the_key(verified, api):
    """dj-rest-auth alone leaves the authtoken key alive; the lab deletes it (issue 11)."""
    key = api.login("carol", STRONG).json()["key"]
    change = {"old_password": STRONG, "new_password1": STRONGER, "new_password2": STRONGER}
    assert api.post(f"{ACCOUNTS}password/change/", change, token=key).status_code == 200
    assert api.get("/api/v1/token/whoami/", token=key).status_code == 401


def test_unverified_users_use_the_scheme_logins(user, api):
    """Users made without an email address row (seeded, fixtures) cannot use
    dj-rest-auth's login under mandatory verification; the schemes' logins still work."""
    assert api.login("alice", PASSWORD).status_code == 400
    assert (
        api.post("/api/v1/token/login/", {"username": "alice", "password": PASSWORD}).status_code
        == 200
    )


# --- Bad input: 400 with field errors ------------------------------------------------------
@pytest.mark.parametrize(
    ("extra", "fields"),
    [
        ({"username": "alice"}, ["username"]),  # taken (the fixture user)
        ({"email": "ALICE@example.com"}, ["email"]),  # taken, any case
        ({"password2": STRONG + "x"}, ["password2"]),
        ({"password1": "short", "password2": "short"}, ["password1"]),
        ({"password1": "password123", "password2": "password123"}, ["password1"]),
        ({"password1": "48291038475", "password2": "48291038475"}, ["password1"]),
        ({"password1": "carol.99", "password2": "carol.99"}, ["password1"]),  # like the name
        ({"email": "not-an-email"}, ["email"]),
        ({"username": "bad name!"}, ["username"]),
        ({"username": ""}, ["username"]),
        ({"password1": None}, ["password1"]),
    ],
    ids=[
        "taken-username",
        "taken-email",
        "mismatch",
        "too-short",
        "common",
        "numeric",
        "similar-to-username",
        "bad-email",
        "bad-username",
        "blank-username",
        "null-password",
    ],
)
def test_bad_registration_names_the_field(extra, fields, user, api, mailoutbox):
    assert_field_errors(register(api, **extra), *fields)
    assert mailoutbox == []


def test_email_of_an_unverified_sign_up_is_taken_too(db, api, mailoutbox):
    assert register(api).status_code == 201
    assert_field_errors(register(api, username="dave"), "email")


@pytest.mark.parametrize(
    "raw",
    [b"[]", b'"text"', b"{", b"null", b"\xff\xfe"],
    ids=["array", "string", "truncated", "null", "bytes"],
)
@pytest.mark.parametrize(
    "path",
    [
        REGISTER,
        f"{ACCOUNTS}login/",
        f"{ACCOUNTS}password/reset/",
        f"{ACCOUNTS}password/reset/confirm/",
        f"{REGISTER}verify-email/",
        f"{REGISTER}resend-email/",
        f"{ACCOUNTS}password/reset/confirm/1/x-y/",
    ],
)
def test_malformed_bodies_are_4xx_json(raw, path, db, api):
    response = api.post(path, raw=raw)
    assert 400 <= response.status_code < 500, response.content
    assert response["Content-Type"].startswith("application/json")


def test_password_reset_does_not_reveal_accounts(verified, api, mailoutbox):
    known = api.post(f"{ACCOUNTS}password/reset/", {"email": "carol@example.com"})
    unknown = api.post(f"{ACCOUNTS}password/reset/", {"email": "nobody@example.com"})
    assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
    assert known.status_code == 200
    assert [m.to for m in mailoutbox] == [["carol@example.com"]]


def test_resend_does_not_reveal_accounts(db, api, mailoutbox):
    assert register(api).status_code == 201
    mailoutbox.clear()
    known = api.post(f"{REGISTER}resend-email/", {"email": "carol@example.com"})
    unknown = api.post(f"{REGISTER}resend-email/", {"email": "nobody@example.com"})
    assert (known.status_code, known.content) == (unknown.status_code, unknown.content)
    assert [m.to for m in mailoutbox] == [["carol@example.com"]]


@pytest.mark.parametrize(
    ("uid", "token_of", "field"),
    [
        ("own", lambda t: t[:-1] + ("a" if t[-1] != "a" else "b"), "token"),  # tampered
        ("own", lambda t: "nonsense", "token"),
        ("zz", None, "uid"),  # no such user
        ("!!", None, "uid"),  # not base36
        ("z" * 40, None, "uid"),  # too large
        ("", None, "uid"),
    ],
    ids=["tampered-token", "junk-token", "unknown-uid", "bad-uid", "huge-uid", "blank-uid"],
)
def test_bad_reset_confirmations_are_400(uid, token_of, field, verified, api, mailoutbox):
    api.post(f"{ACCOUNTS}password/reset/", {"email": "carol@example.com"})
    _, own_uid, token = only_link(mailoutbox, RESET_LINK, "carol@example.com").groups()
    data = {
        "uid": own_uid if uid == "own" else uid,
        "token": token_of(token) if token_of else token,
        "new_password1": STRONGER,
        "new_password2": STRONGER,
    }
    assert_field_errors(api.post(f"{ACCOUNTS}password/reset/confirm/", data), field)
    assert api.login("carol", STRONG).status_code == 200  # nothing changed


def test_reset_with_rejected_password_names_the_field(verified, api, mailoutbox):
    api.post(f"{ACCOUNTS}password/reset/", {"email": "carol@example.com"})
    path = only_link(mailoutbox, RESET_LINK, "carol@example.com")[1]
    response = api.post(path, {"new_password1": "abc", "new_password2": "abc"})
    assert_field_errors(response, "new_password2")
    response = api.post(path, {"new_password1": STRONGER, "new_password2": STRONGEST})
    assert_field_errors(response, "new_password2")


def test_password_change_needs_the_old_password(verified, api):
    key = api.login("carol", STRONG).json()["key"]
    change = {"old_password": "wrong", "new_password1": STRONGER, "new_password2": STRONGER}
    assert_field_errors(api.post(f"{ACCOUNTS}password/change/", change, token=key), "old_password")
    anonymous = api.post(f"{ACCOUNTS}password/change/", {**change, "old_password": STRONG})
    # DRF's default classes put SessionAuthentication first: no challenge, so 403.
    assert anonymous.status_code == 403


def test_wrong_login_is_400(verified, api):
    response = api.login("carol", "wrong-password")
    assert response.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}


@pytest.mark.parametrize("key", ["nonsense", "MQ:1uXyZ:abc", "a" * 300])
def test_unknown_verification_key_is_404(key, db, api):
    response = api.post(f"{REGISTER}verify-email/", {"key": key})
    assert response.status_code == 404
    assert response.json()["detail"]
    assert api.post(f"{REGISTER}account-confirm-email/{key}/").status_code == 404


def test_console_email_keeps_links_on_one_line():
    link = "http://127.0.0.1:8000/api/v1/dj-rest-auth/registration/account-confirm-email/" + (
        "MQ:1xXK76:" + "x" * 60 + "/"
    )
    stream = io.StringIO()
    message = EmailMessage("Confirm", f"Go to {link}\n", "lab@localhost", ["carol@example.com"])
    assert ReadableConsoleBackend(stream=stream).send_messages([message]) == 1
    assert f"Go to {link}\n" in stream.getvalue()
    assert "To: carol@example.com\n" in stream.getvalue()
