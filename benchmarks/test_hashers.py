"""Password hashers: the cost of one ``verify()`` under each hasher the lab offers,
with Django's default parameters, and what a Basic request costs under each."""

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils.module_loading import import_string

from benchmarks.harness import HASHER_USER_BASE, WSGITransport, assert_whoami
from benchmarks.probes import Counted, hasher_params, timed_once
from benchmarks.records import Kind
from lab.seed import SEED_PASSWORD, seed_username
from schemes import registry

HASHERS = list(settings.PASSWORD_HASHER_CHOICES.items())
PARAMS = [pytest.param(i, short, dotted, id=short) for i, (short, dotted) in enumerate(HASHERS)]
#: Reference only: Django documents MD5 as fit for tests, never for real passwords.
INSECURE = {"md5"}


def hasher_facts(short: str, hasher) -> dict:
    """What identifies a hasher in the results."""
    return {
        "hasher": short,
        "algorithm": hasher.algorithm,
        "params": hasher_params(hasher),
        "insecure": short in INSECURE,
    }


@pytest.mark.benchmark(group="password hasher: verify() one password")
@pytest.mark.parametrize(("index", "short", "dotted"), PARAMS)
def test_time_password_verify(index, short, dotted, measure, benchmark):
    hasher = import_string(dotted)()
    # Encoding costs what verifying does: it stands in for the probe call.
    encoded, seconds = timed_once(lambda: hasher.encode(SEED_PASSWORD, hasher.salt()))
    default = dotted == settings.PASSWORD_HASHERS[0]
    benchmark.extra_info.update(
        kind=Kind.HASHER_VERIFY, default=default, **hasher_facts(short, hasher)
    )
    verify = Counted(lambda: hasher.verify(SEED_PASSWORD, encoded), check=assert_true)
    assert_true(measure(verify, seconds))


def assert_true(value) -> None:
    """The password verified."""
    assert value is True


@pytest.mark.benchmark(group="password hasher: Basic GET whoami/ under each")
@pytest.mark.parametrize(("index", "short", "dotted"), PARAMS)
def test_time_basic_request_by_hasher(
    index, short, dotted, wsgi, measure, baseline_send, benchmark
):
    if "basic" not in registry.names():
        pytest.skip("no basic scheme in the registry")
    if dotted == settings.PASSWORD_HASHERS[0] and not benchmark.disabled:
        pytest.skip("the default hasher: that is request GET basic, measured already")
    basic = registry.get("basic")
    username = seed_username(HASHER_USER_BASE + index)
    others = [h for _, h in HASHERS if h != dotted]
    with override_settings(PASSWORD_HASHERS=[dotted, *others]):
        # Stored with this hasher, so verify() uses it and no rehash-on-login happens.
        encoded, seconds = timed_once(lambda: make_password(SEED_PASSWORD))
        get_user_model()._default_manager.filter(username=username).update(password=encoded)
        credential = basic.obtain(WSGITransport(wsgi), username, SEED_PASSWORD)
        send = wsgi.prepare("GET", basic.url("whoami"), credential.headers_for("GET"))
        call = Counted(send, check=lambda response: assert_whoami(response, basic, username))
        with CaptureQueriesContext(connection) as captured:
            # Each request hashes once, as make_password just did: no probe needed.
            assert_whoami(measure.paired(call, seconds, baseline_send), basic, username)
    benchmark.extra_info.update(
        kind=Kind.HASHER_BASIC_REQUEST,
        scheme=basic.name,
        username=username,
        queries=len(captured.captured_queries) // call.calls,
        **hasher_facts(short, import_string(dotted)()),
    )
