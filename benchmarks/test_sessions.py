"""Session engines: what a session-authenticated request costs, and how big the
session cookie is, under Django's db, cache, cached_db and signed_cookies engines.

The session is started with Django's own ``login()`` through ``Client.force_login``
(no password check: what is compared is the request, and logins are measured in
test_login); the request then authenticates through SessionAuthentication as usual.
"""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client, override_settings

from benchmarks.harness import ENGINE_USER, WSGIClient
from benchmarks.records import Kind
from schemes import registry
from schemes.base import Credential

ENGINES = ("db", "cache", "cached_db", "signed_cookies")


def session_cookie(username: str) -> str:
    """A fresh session for ``username`` under the current engine: the cookie's value."""
    client = Client()
    client.force_login(get_user_model()._default_manager.get(username=username))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


@pytest.mark.benchmark(group="session engine: GET whoami/ with a session cookie")
@pytest.mark.parametrize("engine", ENGINES)
def test_time_session_request_by_engine(engine, bench_db, whoami, benchmark):
    if "session" not in registry.names():
        pytest.skip("no session scheme in the registry")
    scheme = registry.get("session")
    with override_settings(SESSION_ENGINE=settings.SESSION_ENGINES[engine]):
        credential = Credential(cookies={settings.SESSION_COOKIE_NAME: session_cookie(ENGINE_USER)})
        client = WSGIClient()  # SessionMiddleware binds the engine when it is loaded
        benchmark.extra_info.update(
            kind=Kind.SESSION_ENGINE,
            engine=engine,
            engine_path=settings.SESSION_ENGINE,
            cookie_bytes=len(credential.headers_for("GET")["Cookie"].encode()),
        )
        whoami(
            scheme, "GET", client=client, credential=credential, username=ENGINE_USER, paired=True
        )
