"""Credential lookup alone: the scheme's ``authenticate()`` on a prepared request.

Each round gets a fresh request that every configured middleware has already
processed (session and user attached lazily, as DRF finds them), so what is timed
is the lookup itself: header parsing, SQL, crypto.
"""

import io

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.utils.module_loading import import_string
from rest_framework.request import Request

from benchmarks.harness import REQUEST_USER, environ_for
from benchmarks.policy import KNOWN_SLOW, SLOW_SECONDS
from benchmarks.probes import capture_queries, timed_once
from benchmarks.records import Kind
from schemes import registry

SCHEMES = [pytest.param(s, id=s.name) for s in registry.all_schemes() if not s.is_baseline]


def request_factory(path: str, headers: dict[str, str]):
    """Return a function making a fresh DRF request, as it reaches ``authenticate()``."""
    template = environ_for("GET", path, headers, b"")
    middleware = []
    for dotted in settings.MIDDLEWARE:
        cls = import_string(dotted)
        if isinstance(cls, type) and hasattr(cls, "process_request"):
            middleware.append(cls(lambda request: None))

    def make() -> Request:
        environ = dict(template)
        environ["wsgi.input"] = io.BytesIO(b"")
        request = WSGIRequest(environ)
        for instance in middleware:
            instance.process_request(request)
        return Request(request)

    return make


def authenticate(request: Request, classes):
    """What DRF does: ask each class in turn; the first non-None answer wins."""
    for cls in classes:
        result = cls().authenticate(request)
        if result is not None:
            return result
    return None


@pytest.mark.benchmark(group="authenticate(): the scheme's classes alone")
@pytest.mark.parametrize("scheme", SCHEMES)
def test_time_authenticate(scheme, credentials, observations, measure, benchmark):
    make = request_factory(scheme.url("whoami"), credentials.get(scheme).headers_for("GET"))
    classes = scheme.authentication_classes
    benchmark.extra_info.update(kind=Kind.AUTHENTICATE, scheme=scheme.name)
    if (observations.request_seconds(scheme.name) or 0) >= SLOW_SECONDS and not benchmark.disabled:
        seconds = KNOWN_SLOW  # its request hashes a password: no untimed probe call
    else:
        request = make()
        (result, statements), seconds = timed_once(
            lambda: capture_queries(lambda: authenticate(request, classes))
        )
        assert result is not None and result[0].get_username() == REQUEST_USER
        benchmark.extra_info["queries"] = len(statements)
    result = measure(lambda req: authenticate(req, classes), seconds, setup=lambda: ((make(),), {}))
    assert result[0].get_username() == REQUEST_USER
