"""The lab's timing machinery: credentials, the timing policy, ``whoami/`` timers.

Importable outside pytest's conftest (the fixtures in ``benchmarks/conftest.py``
only build these). Spreads use the lab's one definition (:mod:`results.stats`).
"""

from __future__ import annotations

import math
import statistics
import time

from benchmarks import policy as bench_policy
from benchmarks.harness import (
    POST_BODY,
    REQUEST_USER,
    WSGIClient,
    assert_whoami,
    flow_credential,
)
from benchmarks.probes import probe_request, timed_once
from results import stats
from schemes.base import Credential, Scheme

#: Length of each block of a paired timing (see Measure.paired).
PAIR_BLOCK_SECONDS = 0.002
#: Baseline time after each round of a slow paired call.
PAIR_SLOW_BASELINE_SECONDS = 0.02


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
        credential = self.obtain(scheme, username)
        self.cache[key] = (time.monotonic(), credential)
        return credential

    def obtain(self, scheme: Scheme, username: str) -> Credential:
        """Log ``username`` in through ``scheme``'s flow, on an account of the flow hasher
        where the credential outlives it (:func:`infra.inprocess.flow_credential`):
        the login is not the figure here, and each costs a PBKDF2 check at the real cost."""
        return flow_credential(self.client, scheme, username)[0]


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
            round(stats.iqr(ratios), 4),
        )
        benchmark.extra_info.update(dict(zip(keys, values, strict=True)))
        # The per-round ratios themselves: the summary bootstraps its interval from them.
        benchmark.extra_info[f"{keys[1]}_samples"] = [round(r, 5) for r in ratios]
        return result


class Observations:
    """The one recorder of what a session learned that later benchmarks reuse: the
    verification requests' facts and each scheme's GET median.

    Every reader has a fallback for a missing entry (it probes, or times once), so no
    benchmark depends on another having run before it.
    """

    def __init__(self) -> None:
        self._verified: dict[tuple[str, str], tuple[dict, float]] = {}
        self._request_s: dict[str, float] = {}

    def add_verified(self, scheme: str, method: str, facts: tuple[dict, float]) -> None:
        """Keep the verification request's (facts, seconds) of ``scheme`` and ``method``."""
        self._verified[(scheme, method)] = facts

    def verified(self, scheme: str, method: str) -> tuple[dict, float] | None:
        """The verification request's (facts, seconds), or ``None`` when not verified."""
        return self._verified.get((scheme, method))

    def add_request_seconds(self, scheme: str, seconds: float) -> None:
        """Keep the median seconds of ``scheme``'s timed GET request."""
        self._request_s[scheme] = seconds

    def request_seconds(self, scheme: str) -> float | None:
        """The median seconds of ``scheme``'s GET request, ``None`` when not timed yet."""
        return self._request_s.get(scheme)


class WhoAmITimer:
    """Verify, probe, then time ``whoami/`` of one scheme; facts go to ``extra_info``."""

    def __init__(self, benchmark, measure, wsgi, credentials, observations, baseline):
        self.benchmark, self.measure = benchmark, measure
        self.wsgi, self.credentials = wsgi, credentials
        self.observations, self.baseline = observations, baseline

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
        reuse = self.observations.verified(scheme.name, method)
        # Slow for sure: both verification requests were (the first alone may be cold).
        seen = [self.observations.verified(scheme.name, m) for m in ("GET", "POST")]
        slow_seen = min((v[1] for v in seen if v is not None), default=0.0)
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

        if paired and (baseline is not None or not scheme.is_baseline):
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
        seconds = self.observations.request_seconds(scheme.name)
        if seconds is None:
            credential = self.credentials.get(scheme)
            send = self.wsgi.prepare("GET", scheme.url("whoami"), credential.headers_for("GET"))
            seconds = timed_once(send)[1]
        return seconds if seconds >= bench_policy.SLOW_SECONDS else None
