"""``CONN_MAX_AGE``: 0 (Django's default: reconnect to the SQLite file, and rerun its
PRAGMAs, on every request) against a persistent connection, for every scheme that
runs SQL per request. Set on the live connection (the setting is read at connect)."""

import contextlib

import pytest
from django.db import connection

from benchmarks.records import Kind
from schemes import registry

SCHEMES = [pytest.param(s, id=s.name) for s in registry.all_schemes() if not s.is_baseline]
AGES = [pytest.param(0, id="0-reconnect"), pytest.param(None, id="persistent")]


@contextlib.contextmanager
def conn_max_age(value):
    """Run with ``CONN_MAX_AGE = value`` on the default connection, then restore it.

    Inside a test's transaction (``make test``) the connection is left open.
    """
    saved = connection.settings_dict["CONN_MAX_AGE"]
    reopen = not connection.in_atomic_block
    if reopen:
        connection.close()
    connection.settings_dict["CONN_MAX_AGE"] = value
    try:
        yield
    finally:
        if reopen:
            connection.close()
        connection.settings_dict["CONN_MAX_AGE"] = saved


@pytest.mark.benchmark(group="CONN_MAX_AGE: GET whoami/, reconnect per request vs persistent")
@pytest.mark.parametrize("age", AGES)
@pytest.mark.parametrize("scheme", SCHEMES)
def test_time_whoami_by_conn_max_age(scheme, age, credentials, whoami, benchmark):
    slow = whoami.hides_overheads(scheme)
    if slow:
        pytest.skip(f"{slow * 1000:.0f} ms per request (crypto) hides a reconnect")
    with conn_max_age(age):
        benchmark.extra_info.update(kind=Kind.CONN_MAX_AGE, conn_max_age=age)
        send, facts, seconds = whoami.probe(scheme, "GET", credential=credentials.get(scheme))
        if facts["queries"] == 0:
            pytest.skip("no SQL per request: the connection is never opened")
        whoami.time(scheme, send, seconds)
