"""Benchmark and load-test profile: the serve settings with login throttling lifted.

Throttling would turn a load test of logins into a test of the throttle; it is
raised here explicitly, and every result records this profile. Everything else
that changes what a request costs (hasher, CONN_MAX_AGE, session engine, JWT
algorithm) is as in ``base``: the benchmarks measure what the lab serves.
"""

from lab import env
from lab.settings.base import *  # noqa: F403
from lab.settings.base import LOGGING, REST_FRAMEWORK, REST_KNOX

REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "1000000/minute"}}
# Login benchmarks log one user in hundreds of times on knox. The limit stays on (its
# count query is part of what a knox login costs), set out of reach.
REST_KNOX = {**REST_KNOX, "TOKEN_LIMIT_PER_USER": 1_000_000}
# allauth's own login rate limits (the allauth headless schemes' login/), lifted the same way.
ACCOUNT_RATE_LIMITS = False

# --- Benchmarks (make bench) ---------------------------------------------------------------
# What the driver (benchmarks/run.py) hands its pytest child: the run folder the suites
# write into, and whether the run is QUICK (fewer rounds). Empty/False outside make bench.
BENCH_RUN_DIR = env.BENCH_RUN_DIR
BENCH_QUICK = env.BENCH_QUICK

# The benchmarks send refused and missing credentials on purpose (the verification before
# timing, the evidence, the contract checks of every phase): each 4xx is an answer they
# measure, and Django's "Unauthorized: /api/v1/.../whoami/" warning per refusal buried
# the progress lines of make bench. django-oauth-toolkit logs, on every password-grant
# login, that RFC 9700 discourages the grant: the lab uses it on purpose (schemes/oauth2.py
# says why). Errors (5xx included) are still logged by both.
LOGGING = {
    **LOGGING,
    "loggers": {
        "django.request": {"level": "ERROR"},
        "oauth2_provider": {"level": "ERROR"},
    },
}
