"""Middleware: what the header-based schemes pay for the session, CSRF, auth,
messages and allauth middleware they do not use — the full stack of a typical
project against a lean one. Cookie-based schemes need them and are left out."""

import pytest
from django.conf import settings
from django.test import override_settings

from benchmarks.harness import WSGIClient
from benchmarks.records import Kind
from schemes import registry

#: What a header-only API can drop: they serve cookies, browsers and allauth.
UNUSED_BY_HEADER_SCHEMES = (
    "lab.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "allauth.account.middleware.AccountMiddleware",
)
SCHEMES = [pytest.param(s, id=s.name) for s in registry.all_schemes()]


def stack(name: str) -> list[str]:
    """The configured MIDDLEWARE ("full") or it without the unused entries ("lean")."""
    if name == "full":
        return list(settings.MIDDLEWARE)
    return [m for m in settings.MIDDLEWARE if m not in UNUSED_BY_HEADER_SCHEMES]


@pytest.mark.benchmark(group="middleware: GET whoami/, full stack vs lean (header schemes)")
@pytest.mark.parametrize("stack_name", ["full", "lean"])
@pytest.mark.parametrize("scheme", SCHEMES)
def test_time_whoami_by_middleware_stack(scheme, stack_name, wsgi, credentials, whoami, benchmark):
    credential = credentials.get(scheme)
    if credential.cookies:
        pytest.skip("cookie-based: needs the session middleware")
    slow = whoami.hides_overheads(scheme)
    if slow:
        pytest.skip(f"{slow * 1000:.0f} ms per request (crypto) hides the middleware")
    with override_settings(MIDDLEWARE=stack(stack_name)):
        client = WSGIClient()  # middleware is loaded when the handler is built
        benchmark.extra_info.update(
            kind=Kind.MIDDLEWARE,
            stack=stack_name,
            middleware_count=len(stack(stack_name)),
            dropped=[m for m in settings.MIDDLEWARE if m not in stack(stack_name)],
        )
        send, _facts, seconds = whoami.probe(scheme, "GET", client=client, credential=credential)
        if stack_name == "lean":  # in blocks beside the same request on the full stack
            full = wsgi.prepare("GET", scheme.url("whoami"), credential.headers_for("GET"))
            whoami.time(scheme, send, seconds, paired=True, baseline=full, label="full")
        else:
            whoami.time(scheme, send, seconds)
