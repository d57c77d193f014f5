"""``AUTHENTICATION_BACKENDS``: what each entry adds to a failed ``authenticate()`` —
the call behind both Basic and every login view. A successful one stops at the
first backend (ModelBackend); after a failure each next backend may hash the
password again (allauth's does, even for an unknown user, to keep timing flat)."""

import io

import pytest
from django.conf import settings
from django.contrib.auth import authenticate
from django.core.handlers.wsgi import WSGIRequest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from benchmarks.harness import BACKENDS_USER, environ_for
from benchmarks.policy import KNOWN_SLOW
from benchmarks.probes import Counted
from benchmarks.records import Kind

#: Each prefix of the configured list: ModelBackend alone, then with each next entry.
BACKEND_SETS = [
    settings.AUTHENTICATION_BACKENDS[: n + 1] for n in range(len(settings.AUTHENTICATION_BACKENDS))
]
#: A wrong password: the case where every backend is tried. A success stops at the
#: first one; an unknown user costs the same hashes (test_bench_enumeration checks it).
CASES = {"wrong-password": (BACKENDS_USER, "not-the-password")}


def short_names(backends: list[str]) -> list[str]:
    """``module.Class`` paths shortened to ``app:Class`` for tables."""
    return [f"{path.split('.')[0]}:{path.rsplit('.', 1)[1]}" for path in backends]


def refused(user) -> None:
    """A failed authenticate() returns None."""
    assert user is None


@pytest.mark.benchmark(group="AUTHENTICATION_BACKENDS: a failed authenticate()")
@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize(
    "backends", BACKEND_SETS, ids=["+".join(short_names(b)) for b in BACKEND_SETS]
)
def test_time_failed_authenticate_by_backends(backends, case, measure, benchmark):
    username, password = CASES[case]
    request = WSGIRequest({**environ_for("POST", "/", {}, b""), "wsgi.input": io.BytesIO()})
    call = Counted(lambda: authenticate(request, username=username, password=password), refused)
    with (
        override_settings(AUTHENTICATION_BACKENDS=backends),
        CaptureQueriesContext(connection) as captured,
    ):
        refused(measure(call, KNOWN_SLOW))  # at least one password hash per call
    benchmark.extra_info.update(
        kind=Kind.BACKENDS,
        backends=short_names(backends),
        backend_paths=list(backends),
        case=case,
        queries=len(captured.captured_queries) // call.calls,
    )
