"""The book's account URLs (``/api/v1/rest-auth/``, ``/api/v1/rest-auth/registration/``)
answer exactly as ``/api/v1/dj-rest-auth/``, and the account emails name the served
host instead of Django's ``example.com``."""

from __future__ import annotations

import re

import pytest
from django.contrib.sites.models import Site
from django.core.management import call_command
from django.urls import resolve

from lab.accounts import urls as account_urls
from lab.accounts.site import DJANGO_DEFAULT_DOMAIN, served_domain
from tests.test_accounts import STRONG, Api, _fresh_cache  # noqa: F401 (autouse fixture)

BOOK = "/api/v1/rest-auth/"
CANONICAL = "/api/v1/dj-rest-auth/"
EMAIL = "dora@authlab.test"  # not @example.com: the test looks for that name in the body


def _paths(patterns, prefix: str = "") -> list[str]:
    """Every concrete path under ``patterns`` (path converters filled with ``x``)."""
    out = []
    for p in patterns:
        route = re.sub(r"<[^>]+>", "x", str(p.pattern))
        if hasattr(p, "url_patterns"):
            out += _paths(p.url_patterns, prefix + route)
        else:
            out.append(prefix + route)
    return out


@pytest.mark.parametrize("path", _paths(account_urls.urlpatterns))
def test_every_account_url_is_served_under_the_books_prefix(path):
    book, canonical = resolve(BOOK + path), resolve(CANONICAL + path)
    assert book.func.view_class is canonical.func.view_class
    assert book.url_name == canonical.url_name


def _register(api: Api, prefix: str, host: str = "testserver", port: str = "80"):
    """Sign ``dora`` up, as a server on ``host:port`` receives it (SERVER_PORT from its socket)."""
    body = {"username": "dora", "email": EMAIL, "password1": STRONG, "password2": STRONG}
    return api.client.post(
        f"{prefix}registration/",
        body,
        content_type="application/json",
        headers={"Host": host},
        SERVER_PORT=port,
    )


def test_register_verify_and_login_under_the_books_prefix(db, mailoutbox):
    api = Api()
    response = _register(api, BOOK)
    assert response.status_code == 201, response.content
    assert response.json() == {"detail": "Verification e-mail sent."}
    (message,) = mailoutbox
    confirm = r"http://testserver(/api/v1/dj-rest-auth/registration/account-confirm-email/\S+/)"
    link = re.search(confirm, message.body)
    assert link, message.body
    assert api.post(link[1]).json() == {"detail": "ok"}
    login = api.post(f"{BOOK}login/", {"username": "dora", "password": STRONG})
    assert login.status_code == 200, login.content
    key = login.json()["key"]
    assert api.get(f"{BOOK}user/", token=key).json()["email"] == EMAIL
    assert api.get("/api/v1/token/whoami/", token=key).json()["username"] == "dora"
    # The same key from the canonical prefix: one set of views, one token per user.
    again = api.post(f"{CANONICAL}login/", {"username": "dora", "password": STRONG})
    assert again.json()["key"] == key
    assert api.post(f"{BOOK}logout/", token=key).json() == {"detail": "Successfully logged out."}
    assert api.get("/api/v1/token/whoami/", token=key).status_code == 401


def test_a_wrong_login_answers_the_same_under_both_prefixes(db):
    api = Api()
    wrong = {"username": "nobody", "password": "wrong-password-123"}
    book, canonical = api.post(f"{BOOK}login/", wrong), api.post(f"{CANONICAL}login/", wrong)
    assert (book.status_code, book.json()) == (canonical.status_code, canonical.json())
    assert book.status_code == 400


def test_the_emails_name_the_served_host_not_example_com(db, mailoutbox):
    # Before: the migration's row, which the emails print.
    assert Site.objects.get_current().domain == DJANGO_DEFAULT_DOMAIN
    call_command("name_site", host="127.0.0.1", port=8123, verbosity=0)
    assert Site.objects.get_current().name == "127.0.0.1:8123"
    response = _register(Api(), BOOK, host="127.0.0.1:8123", port="8123")
    assert response.status_code == 201, response.content
    (message,) = mailoutbox
    assert "Hello from 127.0.0.1:8123!" in message.body
    assert "http://127.0.0.1:8123/api/v1/" in message.body
    assert DJANGO_DEFAULT_DOMAIN not in message.body + message.subject


def test_served_domain_brackets_an_ipv6_host():
    assert served_domain("::1", 8000) == "[::1]:8000"
    assert served_domain("localhost", "8000") == "localhost:8000"
