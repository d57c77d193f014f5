"""Test profile (pytest). Each difference from ``base`` says why."""

from lab.settings.base import *  # noqa: F403
from lab.settings.base import PASSWORD_HASHER_CHOICES, REST_FRAMEWORK, REST_KNOX

# Fixed secrets: tests must not depend on a generated file (these never serve).
SECRET_KEY = "test-only-secret-key-not-for-serving-0123456789abcdefghijklmnop"
# An asymmetric algorithm (AUTHLAB_JWT_ALGORITHM) keeps the generated key pair of base.
if not SIMPLE_JWT["VERIFYING_KEY"]:  # noqa: F405
    _TEST_JWT_KEY = "test-only-jwt-key-distinct-from-secret-key-0123456789"
    SIMPLE_JWT = {**SIMPLE_JWT, "SIGNING_KEY": _TEST_JWT_KEY}  # noqa: F405
AUTHLAB_JWE = {**AUTHLAB_JWE, "KEY": "dGVzdC1vbmx5LWp3ZS1rZXktMzItYnl0ZXMtLS0tLS0"}  # noqa: F405

HEADLESS_JWT_PRIVATE_KEY = "test-only-allauth-jwt-key-distinct-from-the-others-0123456789"
# allauth's own login rate limits (headless login/): lifted like the DRF "login" throttle.
ACCOUNT_RATE_LIMITS = False

# One token issuer for the whole pytest process and every server it starts (they inherit
# AUTHLAB_OIDC_URL): started here unless make's infra.services already gave one.
# By dotted path, as AUTHLAB_OIDC["START"] names it: settings configure the service, and
# lab imports nothing of infra (infra imports lab.env).
from django.utils.module_loading import import_string  # noqa: E402

AUTHLAB_OIDC = {**AUTHLAB_OIDC, "URL": import_string(AUTHLAB_OIDC["START"])()}  # noqa: F405

# Fast hasher: tests check behaviour, not cost (one test runs Basic on the default).
PASSWORD_HASHERS = [
    PASSWORD_HASHER_CHOICES["md5"],
    *(h for k, h in PASSWORD_HASHER_CHOICES.items() if k != "md5"),
]

# A private in-memory database per test run (pytest-django creates it). With DB=postgres
# the base settings stand: pytest-django creates and drops test_<NAME> on that server.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

# The contract suite must cover a scheme added from settings alone.
AUTHLAB_EXTRA_SCHEMES = ["tests.extra_scheme.HeaderKeyScheme"]

# Logins are throttled in production settings; tests log in hundreds of times.
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"login": "100000/minute"}}
# Likewise knox's live tokens per user (schemathesis logs one user in hundreds of times);
# tests/test_served_limits.py puts the served limit back to check it.
REST_KNOX = {**REST_KNOX, "TOKEN_LIMIT_PER_USER": 1_000_000}

# Throttle counts in memory, in the same store as the default cache (same LocMem
# LOCATION), so the suites' cache.clear() resets them too. Real-server tests run the
# serve settings: their workers share the file cache in their own var folder.
CACHES = {**CACHES, "throttle": CACHES["default"]}  # noqa: F405

# Email: pytest-django's test environment swaps every mailer for the in-memory one.

# Client() builds the middleware stack per test; WhiteNoise would rescan every app
# static folder each time (~90 ms). Test-client tests fetch no static files; the
# browser tests run gunicorn with the serve settings, which serve them.
WHITENOISE_USE_FINDERS = False
