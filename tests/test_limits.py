"""Oversized and unexpected input at every door: credentials longer than any account
holds, bodies over the size cap, content types whoami/ does not take, and every
served URL under ``OPTIONS``. Each answers a 4xx (JSON on the API), never a 5xx."""

from __future__ import annotations

import base64
import json
import re

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern

from lab.backends import PASSWORD_MAX_LENGTH, credential_bounds
from schemes import registry
from tests.conftest import PASSWORD

#: Each is over SQLite's 50,000-byte LIKE pattern cap once allauth builds its
#: case-insensitive match: plain bytes, ``%`` (escaped to two), 4-byte emoji.
LONG_VALUES = {"50001-a": "a" * 50_001, "25001-pct": "%" * 25_001, "12501-emoji": "😀" * 12_501}
JSON_LOGINS = [
    *(s.url("login") for s in registry.all_schemes() if "login" in s.actions),
    "/api/v1/dj-rest-auth/login/",
]
FORM_LOGINS = ["/api-auth/login/", "/admin/login/"]


def post_json(path: str, data: object) -> object:
    return Client().post(path, json.dumps(data), content_type="application/json")


# --- 1. credentials longer than any account -------------------------------------------------
def test_bounds_come_from_the_user_model():
    User = get_user_model()
    username = User._meta.get_field("username").max_length
    email = User._meta.get_field("email").max_length
    assert credential_bounds() == {
        "username": max(username, email),  # allauth also logs in by email through it
        "email": email,
        "password": PASSWORD_MAX_LENGTH,
    }


@pytest.mark.parametrize("value", LONG_VALUES.values(), ids=LONG_VALUES.keys())
@pytest.mark.parametrize("path", JSON_LOGINS)
def test_long_username_is_refused_by_every_json_login(path, value, user):
    wrong = post_json(path, {"username": "alice", "password": "wrong"})
    response = post_json(path, {"username": value, "password": PASSWORD})
    # The view's own "unable to log in" answer (400, or 401 for simplejwt).
    assert response.status_code == wrong.status_code in (400, 401), response.content[:300]
    assert response.json() == wrong.json()


@pytest.mark.parametrize("path", JSON_LOGINS)
def test_long_password_is_refused_and_real_logins_still_work(path, user):
    wrong = post_json(path, {"username": "alice", "password": "wrong"})
    refused = post_json(path, {"username": "alice", "password": "x" * (PASSWORD_MAX_LENGTH + 1)})
    assert refused.status_code == wrong.status_code in (400, 401), refused.content[:300]
    if path.startswith("/api/v1/dj-rest-auth/"):
        return  # alice has no verified address there (mandatory verification)
    assert post_json(path, {"username": "alice", "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize("value", LONG_VALUES.values(), ids=LONG_VALUES.keys())
@pytest.mark.parametrize("path", FORM_LOGINS)
def test_long_username_is_refused_by_the_form_logins(path, value, user):
    client = Client()
    response = client.post(path, {"username": value, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("value", LONG_VALUES.values(), ids=LONG_VALUES.keys())
def test_long_basic_username_gets_401(value, user):
    header = "Basic " + base64.b64encode(f"{value}:{PASSWORD}".encode()).decode()
    response = Client().get(registry.get("basic").url("whoami"), headers={"Authorization": header})
    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


def test_oversized_credentials_stop_before_any_query(user, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert authenticate(None, username="%" * 25_001, password=PASSWORD) is None
        assert authenticate(None, email="a" * 255, password=PASSWORD) is None
    assert authenticate(None, username="alice", password=PASSWORD) == user


# --- 3. every served URL under OPTIONS -------------------------------------------------------
#: A sample value per path converter; regex groups take their first alternative.
SAMPLES = {"int": "1", "str": "x", "slug": "x", "uuid": "00000000-0000-0000-0000-000000000001"}


def sample_path(patterns: tuple) -> str:
    """A concrete path matching the chain of URL patterns ``patterns``."""
    parts = []
    for pattern in patterns:
        text = str(pattern)
        if isinstance(pattern, RegexPattern):
            text = re.sub(r"\(\?P<\w+>([^)]*)\)", lambda m: m[1].split("|")[0], text)
            text = text.replace(".*", "x").lstrip("^").rstrip("$")
        text = re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES.get(m[1] or "str", "1"), text)
        parts.append(text)
    return "/" + "".join(parts)


def served_paths(resolver: URLResolver | None = None, chain: tuple = ()) -> list[str]:
    """One concrete path per URL pattern of the URL conf."""
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            found += served_paths(pattern, (*chain, pattern.pattern))
        elif isinstance(pattern, URLPattern):
            found.append(sample_path((*chain, pattern.pattern)))
    return found


def test_every_served_url_answers_options_without_a_server_error(db, admin_user):
    paths = served_paths()
    assert "/api/v1/docs/" in paths and len(paths) > 100
    anonymous, staff = Client(), Client()
    staff.force_login(admin_user)  # the admin's own pages, not a scheme under test
    errors = []
    for path in paths:
        resolve(path)  # the sample really is one of the served URLs
        for who, client in (("anonymous", anonymous), ("staff", staff)):
            status = client.options(path).status_code
            if status >= 500:
                errors.append((who, path, status))
    assert errors == []


def test_docs_options_answers_json(db):
    response = Client().options("/api/v1/docs/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert Client().get("/api/v1/docs/")["Content-Type"].startswith("text/html")


# --- 4. whoami/ takes JSON only; bodies are capped -------------------------------------------
BINARY_UPLOAD = (
    b'--B\r\nContent-Disposition: form-data; name="file"; filename="x.bin"\r\n'
    b"Content-Type: application/octet-stream\r\n\r\n" + bytes(range(256)) * 4 + b"\r\n--B--\r\n"
)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data; boundary=B", BINARY_UPLOAD),
        ("application/x-www-form-urlencoded", b"a=1&b=%FF"),
        ("text/plain", b"hello"),
    ],
    ids=["binary-multipart", "form", "text"],
)
def test_whoami_refuses_what_is_not_json_with_415(content_type, body, db):
    for scheme in registry.all_schemes():
        response = Client().generic("POST", scheme.url("whoami"), body, content_type=content_type)
        if response.status_code in (401, 403):  # refused before the body is read
            continue
        assert response.status_code == 415, (scheme.name, response.content[:300])
        assert "detail" in response.json()


def test_whoami_still_echoes_json(db):
    response = post_json(registry.get("none").url("whoami"), {"hello": ["world", 1]})
    assert response.status_code == 200
    assert response.json()["echo"] == {"hello": ["world", 1]}


def over_the_cap(settings) -> int:
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1


@pytest.mark.parametrize(
    "path",
    ["/api/v1/none/whoami/", "/api/v1/token/login/", "/admin/login/", "/api-auth/login/"],
)
@pytest.mark.parametrize(
    "content_type", ["application/json", "multipart/form-data; boundary=B", "text/plain"]
)
def test_a_body_over_the_cap_gets_413_json(path, content_type, settings, db):
    body = b"[" + b"1," * (over_the_cap(settings) // 2) + b"1]"
    response = Client().generic("POST", path, body, content_type=content_type)
    assert response.status_code == 413, response.content[:300]
    assert "limit" in response.json()["detail"]


def test_the_cap_is_stated_and_one_mebibyte(settings):
    assert settings.DATA_UPLOAD_MAX_MEMORY_SIZE == 1024 * 1024
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE == settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    assert settings.DATA_UPLOAD_MAX_NUMBER_FIELDS == 100


def test_a_body_just_under_the_cap_is_read(settings, db):
    padding = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE - 100)
    response = post_json("/api/v1/none/whoami/", {"p": padding})
    assert response.status_code == 200
    assert len(response.json()["echo"]["p"]) == len(padding)


def test_too_many_form_fields_get_a_json_400(settings, db):
    body = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    response = Client().generic(
        "POST", "/api/v1/token/login/", body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400, response.content[:300]
    assert "DATA_UPLOAD_MAX_NUMBER_FIELDS" in response.json()["detail"]
