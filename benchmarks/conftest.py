"""Fixtures of the benchmark suites: the database, a WSGI client, credentials, timing.

Two modes. Under ``make bench`` the driver sets ``AUTHLAB_BENCH_RUN_DIR``: the
suites use the driver's migrated, seeded SQLite file as is, with no transaction
around each test, so per-request connection handling is what a server does.
Under ``make test`` (no run folder) pytest-django's test database is used, seeded
here and rolled back after each test, and each benchmark runs once, untimed.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from benchmarks import policy as bench_policy
from benchmarks.harness import SEED_COUNT, WSGIClient
from benchmarks.timing import Credentials, Measure, Observations, WhoAmITimer
from lab.seed import seed_users

RUN_DIR = bench_policy.run_dir_from_env()
QUICK = bench_policy.quick_from_env()


#: Run order: verification first, then the headline request figures (``none``
#: first), dimensions after; the baseline is measured again at the very end.
MODULE_ORDER = (
    "test_verify",
    "test_request",
    "test_authenticate",
    "test_login",
    "test_hashers",
    "test_backends",
    "test_jwt",
    "test_sessions",
    "test_knox",
    "test_connections",
    "test_middleware",
)
LAST = "test_time_baseline_again_at_end"
#: Modules too long for QUICK's budget (dozens of password hashes): full runs only.
FULL_ONLY = {
    "test_bench_enumeration": "two hashes per refused login, 12 targets: "
    "full runs only (make bench without QUICK)"
}
#: Dimensions measured per scheme that QUICK runs for one scheme of each family only
#: (the first registered; :func:`quick_sample`): no claim reads them, and over twenty
#: schemes they took 17 s of QUICK's suites. A full run covers every scheme.
QUICK_ONE_PER_FAMILY = {"test_connections", "test_middleware"}
#: Modules whose slow benchmarks get QUICK's rounds in full runs too: each call hashes
#: twice and there are many, so more rounds would take minutes for little precision.
FEW_SLOW_ROUNDS = {"test_bench_enumeration"}
HERE = Path(__file__).parent


if RUN_DIR:

    @pytest.fixture(scope="session")
    def django_db_setup():
        """Use the driver's database (migrated and seeded) instead of a test database."""

    @pytest.fixture(scope="session", autouse=True)
    def bench_db(django_db_blocker):
        """Open the database to the benchmarks, with no transaction around each test:
        per-request connection handling runs as under a server."""
        with django_db_blocker.unblock():
            yield

else:

    @pytest.fixture(autouse=True)
    def bench_db(db):
        """pytest-django's test database (rolled back after each test), seeded.

        As Django's test client does, requests do not close the connection: that
        would end the test's transaction (timing is off here anyway).
        """
        seed_users(SEED_COUNT)
        request_started.disconnect(close_old_connections)
        request_finished.disconnect(close_old_connections)
        yield
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def pytest_collection_modifyitems(config, items):
    """Run the benchmarks in :data:`MODULE_ORDER`, after any other tests."""
    ours = [i for i in items if HERE in Path(str(i.path)).parents]
    others = [i for i in items if i not in ours]

    def rank(pair):
        index, item = pair
        module = Path(str(item.path)).stem
        order = MODULE_ORDER.index(module) if module in MODULE_ORDER else len(MODULE_ORDER)
        return (getattr(item, "originalname", "") == LAST, order, index)

    items[:] = others + [item for _, item in sorted(enumerate(ours), key=rank)]
    if RUN_DIR and QUICK:
        sample = quick_sample()
        for item in ours:
            module = Path(str(item.path)).stem
            reason = FULL_ONLY.get(module)
            scheme = getattr(getattr(item, "callspec", None), "params", {}).get("scheme")
            sampled = module in QUICK_ONE_PER_FAMILY and scheme is not None
            if not reason and sampled and scheme.name not in sample:
                reason = f"QUICK: one scheme per family ({', '.join(sample)}); full runs: all"
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


def quick_sample() -> tuple[str, ...]:
    """The first registered scheme of each family: QUICK's rows of the per-scheme
    dimensions in :data:`QUICK_ONE_PER_FAMILY`."""
    from schemes import registry

    first: dict[str, str] = {}
    for scheme in registry.all_schemes():
        first.setdefault(scheme.family, scheme.name)
    return tuple(first.values())


@pytest.fixture(scope="session")
def policy() -> bench_policy.Policy:
    """Rounds and time per benchmark (QUICK or full)."""
    return bench_policy.policy(QUICK)


@pytest.fixture(scope="session")
def run_dir() -> Path | None:
    """The driver's run folder, or ``None`` under ``make test``."""
    return Path(RUN_DIR) if RUN_DIR else None


@pytest.fixture(scope="session")
def wsgi() -> WSGIClient:
    """A WSGI client over a handler with the configured middleware."""
    return WSGIClient()


@pytest.fixture(scope=bench_policy.per_run)
def credentials(bench_db, wsgi) -> Credentials:
    """The session's credential cache."""
    return Credentials(wsgi)


@pytest.fixture
def measure(request, benchmark, policy) -> Measure:
    """A :class:`Measure` for this benchmark."""
    if request.module.__name__.rsplit(".", 1)[-1] in FEW_SLOW_ROUNDS:
        policy = dataclasses.replace(policy, slow_rounds=bench_policy.QUICK.slow_rounds)
    return Measure(benchmark, policy)


@pytest.fixture(scope="session")
def baseline_send(wsgi):
    """GET ``whoami/`` of the baseline scheme: what paired timings compare with."""
    from schemes import registry

    return wsgi.prepare("GET", registry.baseline().url("whoami"))


@pytest.fixture(scope="session")
def observations() -> Observations:
    """The session's :class:`Observations` (verification facts, GET medians)."""
    return Observations()


@pytest.fixture
def whoami(benchmark, measure, wsgi, credentials, observations, baseline_send) -> WhoAmITimer:
    """A :class:`WhoAmITimer` for this benchmark."""
    return WhoAmITimer(benchmark, measure, wsgi, credentials, observations, baseline_send)
