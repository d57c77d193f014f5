"""Fixtures of the benchmark suites: the database, a WSGI client, credentials, timing.

Two modes. Under ``make bench`` the driver sets ``AUTHLAB_BENCH_RUN_DIR``: the
suites use the driver's migrated, seeded SQLite file as is, with no transaction
around each test, so per-request connection handling is what a server does.
Under ``make test`` (no run folder) pytest-django's test database is used, seeded
here and rolled back after each test, and each benchmark runs once, untimed.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
import time
from pathlib import Path

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from benchmarks import policy as bench_policy
from benchmarks.harness import (
    POST_BODY,
    REQUEST_USER,
    SEED_COUNT,
    WSGIClient,
    WSGITransport,
    assert_whoami,
)
from benchmarks.probes import probe_request, timed_once
from lab.seed import SEED_PASSWORD, seed_users
from schemes.base import Credential, Scheme

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
#: Modules whose slow benchmarks get QUICK's rounds in full runs too: each call hashes
#: twice and there are many, so more rounds would take minutes for little precision.
FEW_SLOW_ROUNDS = {"test_bench_enumeration"}
#: Length of each block of a paired timing (see Measure.paired).
PAIR_BLOCK_SECONDS = 0.002
#: Baseline time after each round of a slow paired call.
PAIR_SLOW_BASELINE_SECONDS = 0.02
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
        for item in ours:
            reason = FULL_ONLY.get(Path(str(item.path)).stem)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


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


class Credentials:
    """Credentials per (scheme, user), obtained through each scheme's real login flow.

    Renewed after :attr:`MAX_AGE` seconds, or a quarter of the scheme's declared
    expiry when shorter (``jwt-short``'s access token lives 60 s): a benchmark never
    starts with a credential that could expire under it.
    """

    MAX_AGE = 120.0

    def __init__(self, client: WSGIClient):
        self.client = client
        self.cache: dict[tuple[str, str], tuple[float, Credential]] = {}

    def get(self, scheme: Scheme, username: str = REQUEST_USER) -> Credential:
        """A live credential of ``username`` for ``scheme``."""
        key = (scheme.name, username)
        hit = self.cache.get(key)
        expiry = scheme.properties.expiry_seconds
        max_age = self.MAX_AGE if expiry is None else min(self.MAX_AGE, expiry / 4)
        if hit and time.monotonic() - hit[0] < max_age:
            return hit[1]
        credential = scheme.obtain(WSGITransport(self.client), username, SEED_PASSWORD)
        self.cache[key] = (time.monotonic(), credential)
        return credential


@pytest.fixture(scope=bench_policy.per_run)
def credentials(bench_db, wsgi) -> Credentials:
    """The session's credential cache."""
    return Credentials(wsgi)


class Measure:
    """Time a function by the run's policy (``probe_seconds``: one untimed call's duration).

    Fast calls get pytest-benchmark's calibration; slow ones (a password hash) and
    calls needing fresh state per round (``setup``) get explicit rounds.
    """

    def __init__(self, benchmark, policy: bench_policy.Policy):
        self.benchmark, self.policy = benchmark, policy

    def __call__(self, fn, probe_seconds: float, setup=None):
        """Time ``fn``; return its last result."""
        benchmark = self.benchmark
        if benchmark.disabled:
            return benchmark.pedantic(fn, setup=setup) if setup else benchmark(fn)
        slow = probe_seconds >= bench_policy.SLOW_SECONDS
        if setup is None and not slow:
            benchmark.extra_info["rounds_policy"] = "calibrated"
            return benchmark(fn)
        rounds = self.policy.rounds_for(probe_seconds)
        benchmark.extra_info["rounds_policy"] = "slow" if slow else "explicit"
        warmup = 0 if slow else min(rounds, self.policy.warmup_iterations)
        return benchmark.pedantic(fn, setup=setup, rounds=rounds, warmup_rounds=warmup)

    def paired(self, fn, probe_seconds: float, baseline, label: str = "none"):
        """Time ``fn`` with a block of ``baseline`` calls right after each of its rounds.

        Another process slows both sides of a pair alike, so the median of the
        per-round ratios (``ratio_paired``, or ``ratio_to_<label>``) holds still on a
        busy machine where two medians taken minutes apart do not. Fast calls run in
        blocks of ~2 ms against equal blocks of the baseline (both warm, as in a hot
        loop); a slow call (a password hash) is one round against ~20 ms of
        baseline calls, whose median leaves out the first, cold ones.
        """
        benchmark = self.benchmark
        if benchmark.disabled:
            return benchmark(fn)
        base_seconds = min(timed_once(baseline)[1] for _ in range(3))
        if probe_seconds < bench_policy.SLOW_SECONDS:  # the probe ran under the profiler
            probe_seconds = min(timed_once(fn)[1] for _ in range(3))
        slow = probe_seconds >= bench_policy.SLOW_SECONDS
        if slow:
            block, rounds, warmup = 1, self.policy.slow_rounds, 0
            base_block = max(3, math.ceil(PAIR_SLOW_BASELINE_SECONDS / base_seconds))
        else:
            block = base_block = max(1, math.ceil(PAIR_BLOCK_SECONDS / probe_seconds))
            per_round = block * (probe_seconds + base_seconds)  # half the time: baseline
            budget = 2 * self.policy.max_time
            rounds = max(self.policy.min_rounds, min(int(budget / per_round), 20_000))
            warmup = min(rounds, 5)
        samples: list[float] = []

        def baseline_block():
            times = [timed_once(baseline)[1] for _ in range(base_block)]
            samples.append(statistics.median(times) if slow else statistics.fmean(times))

        kind = "slow" if slow else f"blocks of {block}"
        benchmark.extra_info["rounds_policy"] = f"{kind}, paired with {label}"
        result = benchmark.pedantic(
            fn, rounds=rounds, iterations=block, warmup_rounds=warmup, teardown=baseline_block
        )
        timings, base = benchmark.stats.stats.data, samples[warmup : warmup + rounds]
        ratios = [t / b for t, b in zip(timings, base, strict=True)]
        keys = ("baseline_paired_us", "ratio_paired", "ratio_paired_iqr")
        if label != "none":
            keys = (f"{label}_paired_us", f"ratio_to_{label}", f"ratio_to_{label}_iqr")
        values = (
            round(statistics.median(base) * 1e6, 3),
            round(statistics.median(ratios), 4),
            round(iqr(ratios), 4),
        )
        benchmark.extra_info.update(dict(zip(keys, values, strict=True)))
        return result


def iqr(values: list[float]) -> float:
    """Interquartile range (0 for fewer than two values)."""
    if len(values) < 2:
        return 0.0
    q1, _, q3 = statistics.quantiles(values, n=4)
    return q3 - q1


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

    return wsgi.prepare("GET", registry.get(registry.BASELINE).url("whoami"))


@pytest.fixture(scope="session")
def observed() -> dict[str, float]:
    """Median seconds of each scheme's GET request, as measured in this session."""
    return {}


@pytest.fixture(scope="session")
def verified() -> dict[tuple[str, str], tuple[dict, float]]:
    """(scheme, method) -> the verification request's facts and seconds."""
    return {}


class WhoAmITimer:
    """Verify, probe, then time ``whoami/`` of one scheme; facts go to ``extra_info``."""

    def __init__(self, benchmark, measure, wsgi, credentials, observed, verified, baseline):
        self.benchmark, self.measure = benchmark, measure
        self.wsgi, self.credentials = wsgi, credentials
        self.observed, self.verified, self.baseline = observed, verified, baseline

    def probe(
        self,
        scheme: Scheme,
        method: str = "GET",
        *,
        client: WSGIClient | None = None,
        credential: Credential | None = None,
        username: str = REQUEST_USER,
        **info,
    ):
        """Send one verified, untimed request; return (send, facts, seconds).

        A ``client`` other than the session's (a new handler) is warmed up first, so
        the facts and the rounds policy are those of a warm server. A slow request
        (a password hash) that verification already sent as is is not sent again:
        its facts are reused and it is timed without a probe.
        """
        reuse = self.verified.get((scheme.name, method))
        # Slow for sure: both verification requests were (the first alone may be cold).
        slow_seen = min(
            (
                self.verified[(scheme.name, m)][1]
                for m in ("GET", "POST")
                if (scheme.name, m) in self.verified
            ),
            default=0.0,
        )
        default = client is None and credential is None and username == REQUEST_USER
        credential = credential or self.credentials.get(scheme, username)
        data = POST_BODY if method == "POST" else None
        send = (client or self.wsgi).prepare(
            method, scheme.url("whoami"), credential.headers_for(method), data
        )
        if default and reuse and slow_seen >= bench_policy.SLOW_SECONDS:
            facts, seconds = reuse[0], bench_policy.KNOWN_SLOW
        else:
            # A cached variant: one request first, so the probe sees the steady state (its
            # cache refilled after another test saved the user), as the timed rounds do.
            if client is not None or scheme.properties.queries_first_request is not None:
                assert_whoami(send(), scheme, username)
            response, facts, seconds = probe_request(send)
            assert_whoami(response, scheme, username)
        self.benchmark.extra_info.update(
            scheme=scheme.name,
            method=method,
            username=username,
            credential_bytes=credential.wire_bytes(method),
            **facts,
            **info,
        )
        return send, facts, seconds

    def time(
        self,
        scheme: Scheme,
        send,
        seconds: float,
        username: str = REQUEST_USER,
        paired: bool = False,
        baseline=None,
        label: str = "none",
    ):
        """Time ``send`` and check its last answer again; return the median seconds.

        ``paired``: in blocks beside ``baseline`` (default: the ``none`` request), see
        :meth:`Measure.paired`.
        """
        from schemes import registry

        if paired and (baseline is not None or scheme.name != registry.BASELINE):
            response = self.measure.paired(send, seconds, baseline or self.baseline, label)
        else:
            response = self.measure(send, seconds)
        assert_whoami(response, scheme, username)
        stats = getattr(self.benchmark, "stats", None)
        return stats.stats.median if stats else seconds

    def __call__(self, scheme: Scheme, method: str = "GET", paired: bool = False, **kwargs):
        """Probe and time in one go; return the probe's facts (and ``median_s``)."""
        send, facts, seconds = self.probe(scheme, method, **kwargs)
        median = self.time(scheme, send, seconds, kwargs.get("username", REQUEST_USER), paired)
        return {**facts, "median_s": median}

    def hides_overheads(self, scheme: Scheme) -> float | None:
        """Seconds per request when the scheme's own work (a password hash) is too
        large for a ~0.1 ms overhead to show; ``None`` otherwise, and always when
        timing is off (``make test`` runs everything once)."""
        if self.benchmark.disabled:
            return None
        seconds = self.observed.get(scheme.name)
        if seconds is None:
            credential = self.credentials.get(scheme)
            send = self.wsgi.prepare("GET", scheme.url("whoami"), credential.headers_for("GET"))
            seconds = timed_once(send)[1]
        return seconds if seconds >= bench_policy.SLOW_SECONDS else None


@pytest.fixture
def whoami(benchmark, measure, wsgi, credentials, observed, verified, baseline_send) -> WhoAmITimer:
    """A :class:`WhoAmITimer` for this benchmark."""
    return WhoAmITimer(benchmark, measure, wsgi, credentials, observed, verified, baseline_send)
