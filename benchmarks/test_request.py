"""Request cost: GET and POST ``whoami/`` through Django's WSGI handler, every scheme
with a real credential, the bare Django view as the floor, and the ``none`` baseline
measured again at the very end of the session (drift = noise)."""

import functools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import get_hasher
from django.test import override_settings

from benchmarks.attribution import attribute, rounds_for
from benchmarks.harness import REQUEST_USER
from benchmarks.probes import timed_once
from benchmarks.records import Kind
from benchmarks.summary import BASIC
from benchmarks.urls import BARE_PATH
from lab.seed import SEED_PASSWORD
from schemes import registry

SCHEMES = [pytest.param(s, id=s.name) for s in registry.all_schemes()]


@pytest.mark.benchmark(group="request: GET whoami/ (full WSGI request)")
@pytest.mark.parametrize("scheme", SCHEMES)
def test_time_whoami_get(scheme, whoami, observations, benchmark, policy, baseline_send):
    benchmark.extra_info["kind"] = Kind.REQUEST
    send, _facts, seconds = whoami.probe(scheme, "GET")
    median = whoami.time(scheme, send, seconds, paired=True)
    observations.add_request_seconds(scheme.name, median)
    # Untimed, after the timed rounds: where the µs went (SQL, crypto, the rest).
    rounds = 1 if benchmark.disabled else rounds_for(median, policy.max_time, policy.slow_rounds)
    beside = None
    if scheme.name == BASIC:  # its crypto must match its hasher's own verify (±5%)
        hasher = get_hasher("default")
        encoded = get_user_model()._default_manager.get(username=REQUEST_USER).password
        beside = functools.partial(hasher.verify, SEED_PASSWORD, encoded)
        benchmark.extra_info["beside_hasher"] = hasher.algorithm
    paired = None if scheme.is_baseline else baseline_send  # none's parts are 0 by definition
    benchmark.extra_info.update(attribute(send, rounds, beside, paired))


@pytest.mark.benchmark(group="request: GET whoami/ (full WSGI request)")
def test_time_bare_django_view_floor(wsgi, measure, baseline_send, benchmark):
    with override_settings(ROOT_URLCONF="benchmarks.urls"):
        send = wsgi.prepare("GET", BARE_PATH)
        response, seconds = timed_once(send)
        assert response.status == 200, response.body
        benchmark.extra_info.update(kind=Kind.FLOOR, method="GET")
        assert measure.paired(send, seconds, baseline_send).status == 200
    # Leaving the override dropped the URL caches: rebuild them untimed.
    assert wsgi.request("GET", registry.baseline().url("whoami")).status == 200


@pytest.mark.benchmark(group="request: POST whoami/ (full WSGI request, JSON body)")
@pytest.mark.parametrize("scheme", SCHEMES)
def test_time_whoami_post(scheme, whoami, benchmark):
    benchmark.extra_info["kind"] = Kind.REQUEST
    whoami(scheme, "POST", paired=True)


@pytest.mark.benchmark(group="request: GET whoami/ (full WSGI request)")
def test_time_baseline_again_at_end(whoami, benchmark):
    """Run last (see conftest): the baseline again, to tell drift from differences."""
    benchmark.extra_info["kind"] = Kind.BASELINE_END
    whoami(registry.baseline(), "GET")
