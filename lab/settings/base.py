"""Settings shared by every profile.

Everything that changes what a request costs is set here explicitly, with the
reason, rather than left to a default nobody sees. The environment is read only
in :mod:`lab.env`. Reference: https://docs.djangoproject.com/en/6.1/ref/settings/
"""

from datetime import timedelta

from lab import env

BASE_DIR = env.BASE_DIR
_secrets = env.local_secrets()
SECRET_KEY = _secrets["SECRET_KEY"]
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]", "testserver", *env.ALLOWED_HOSTS]
# Ports a Host header may name besides the one the request arrived on (lab.hosts).
AUTHLAB_ALLOWED_PORTS = env.ALLOWED_PORTS

# --- Applications ------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "rest_framework",
    "rest_framework.authtoken",
    "rest_framework_simplejwt.token_blacklist",
    "knox",
    # api-key: the library's app (its own APIKey model, unused) and the lab's
    # user-linked key model (schemes/apps/apikey).
    "rest_framework_api_key",
    "schemes.apps.apikey",
    # oauth2: django-oauth-toolkit's applications, tokens and grants.
    "oauth2_provider",
    "allauth",
    "allauth.account",
    # dj_rest_auth.registration's views import allauth's social-account models.
    "allauth.socialaccount",
    "allauth.headless",  # the allauth-session and allauth-jwt schemes
    "dj_rest_auth",
    "dj_rest_auth.registration",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "lab",
]
# CORS (django-cors-headers): only the origins AUTHLAB_CORS_ORIGINS names, e.g. the second
# origin of `make browser-claims`. Its middleware is added only then, so the measured
# stack is the same as before when no origin is allowed (the default).
CORS_ALLOWED_ORIGINS = env.CORS_ORIGINS
if CORS_ALLOWED_ORIGINS:
    INSTALLED_APPS.append("corsheaders")
SITE_ID = 1  # django.contrib.sites, for allauth's emails ("Django for APIs")

# The full stack a typical project runs. Header-based schemes pay for the session,
# CSRF and authentication middleware they do not use; benchmarks measure that.
MIDDLEWARE = [
    # First: a body over DATA_UPLOAD_MAX_MEMORY_SIZE gets a JSON 413 before anything
    # reads it (DRF's JSON parser and multipart file parts skip Django's own check).
    "lab.limits.RequestSizeLimitMiddleware",
    # ALLOWED_HOSTS ignores the port: a Host naming another port would poison every
    # absolute link (emails). Refused here, before anything builds one (lab/hosts.py).
    "lab.hosts.HostPortMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Serves the admin, browsable API and Swagger UI assets with DEBUG off (no CDN).
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lab.middleware.SessionMiddleware",  # Django's, refusing NUL keys (lab/middleware.py)
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
]
if CORS_ALLOWED_ORIGINS:  # before CommonMiddleware, as django-cors-headers asks
    MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.common.CommonMiddleware"),
                      "corsheaders.middleware.CorsMiddleware")  # fmt: skip
ROOT_URLCONF = "lab.urls"
WSGI_APPLICATION = "lab.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
STATIC_URL = "static/"
STATIC_ROOT = None  # nothing is collected: WhiteNoise serves from the apps (below)
WHITENOISE_USE_FINDERS = True  # serve straight from the apps: no collectstatic step
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Request sizes -------------------------------------------------------------------------
# The largest body the lab takes is a registration form of a few hundred bytes; whoami/
# echoes JSON. 1 MiB (Django's default is 2.5 MB) leaves room for any real client
# while bounding what one request makes a worker parse and hold: a 100 MB upload was
# echoed back whole and grew a worker from 110 to 395 MB. Checked on Content-Length
# before any read (lab/limits.py): 413 with a JSON detail.
DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
# No endpoint takes files; with the body capped below this, no upload touches disk.
FILE_UPLOAD_MAX_MEMORY_SIZE = DATA_UPLOAD_MAX_MEMORY_SIZE
# The widest form the lab reads has four fields (registration); Django's default 1000
# lets one request build a large QueryDict for nothing. Over it: 400 (JSON on the API).
DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
# Files in one multipart body (Django's default, stated): no view reads any.
DATA_UPLOAD_MAX_NUMBER_FILES = 100
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"

# --- Database ----------------------------------------------------------------------------
# CONN_MAX_AGE: Django's default of 0 closes the connection after every request, so
# each request reopens the SQLite file and re-runs its PRAGMAs (~2x the cost of a
# DB-backed scheme). Persistent connections (None) are what a tuned server runs.
# WAL lets readers run beside a writer; IMMEDIATE transactions take the write lock
# up front so concurrent logins wait (busy timeout) instead of failing with
# "database is locked" when a read transaction upgrades.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": env.SQLITE_PATH,
        "CONN_MAX_AGE": env.CONN_MAX_AGE,
        "CONN_HEALTH_CHECKS": False,
        "OPTIONS": {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        },
    }
}
# DB=postgres: psycopg 3 on DATABASE_URL (`python -m infra.services run` starts a throwaway
# cluster and sets it). Same persistent connection per worker thread as SQLite
# (CONN_MAX_AGE); no psycopg pool (Django's pool needs CONN_MAX_AGE=0, and a pooled
# checkout per request is a different cost); client-side parameter binding and no
# prepared statements (Django's defaults: one round trip per query); isolation left at
# PostgreSQL's READ COMMITTED. Each is stated because each changes what a request costs.
if env.DB == "postgres":
    _pg = env.parse_database_url(env.DATABASE_URL) if env.DATABASE_URL else {}
    DATABASES["default"] = {
        "ENGINE": "django.db.backends.postgresql",
        # Without a URL, a clear error on first connection (not at import: `manage.py
        # help` keeps working); infra.services supplies the URL.
        "NAME": _pg.get("NAME", "DB=postgres needs DATABASE_URL (run through infra.services)"),
        "USER": _pg.get("USER", ""),
        "PASSWORD": _pg.get("PASSWORD", ""),
        "HOST": _pg.get("HOST", ""),
        "PORT": _pg.get("PORT", ""),
        "CONN_MAX_AGE": env.CONN_MAX_AGE,
        "CONN_HEALTH_CHECKS": False,
        "DISABLE_SERVER_SIDE_CURSORS": False,
        "OPTIONS": {
            "pool": False,
            "server_side_binding": False,
            "prepare_threshold": None,  # Django's default: no server-side prepared statements
            "connect_timeout": 10,
            "application_name": "authlab",
            **_pg.get("OPTIONS", {}),
        },
    }

# --- Cache and sessions ------------------------------------------------------------------
# locmem: one cache per process (gunicorn workers do not share it). CACHE=redis: Django's
# own Redis backend (redis-py, one connection pool per process) at REDIS_URL.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "authlab",
    }
}
if env.CACHE == "redis":
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env.REDIS_URL or "redis://127.0.0.1:6379/0",
        "KEY_PREFIX": "authlab",
        "TIMEOUT": 300,  # Django's default, stated (cached_db sessions use their own age)
    }
# --- Throttle state (lab/throttles.py) ------------------------------------------------------
# Login rates and failed-password counts must hold across gunicorn workers: locmem is
# per process, so N workers would allow N times the rate. With CACHE=redis they share
# Redis (own key prefix); otherwise a file cache in the var folder, which every worker
# on this machine shares with no extra service (one small file per client IP, written
# only on logins and failed password checks; Basic's successful requests read it once).
CACHES["throttle"] = (
    {**CACHES["default"], "KEY_PREFIX": "authlab-throttle"}
    if env.CACHE == "redis"
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(env.VAR_DIR / "throttle-cache"),
        "TIMEOUT": 3600,  # longer than any throttle window; each entry sets its own
    }
)
# The tuned variants' cache (schemes/caching.py: token-cached, basic-cached, session-cache),
# an alias of its own so its entries (credential lookups, user rows) never mix with
# anything else and can be cleared alone. Local memory is per process: an eviction on
# one gunicorn worker is not seen by the others until the entry's TTL; Redis shares it.
CACHES["auth"] = {
    # LocMemCache without its per-get key scan (the keys are the lab's own HMACs).
    "BACKEND": "schemes.caching.LocalAuthCache",
    "LOCATION": "authlab-auth",
}
if env.CACHE == "redis":
    CACHES["auth"] = {**CACHES["default"], "KEY_PREFIX": "authlab-auth"}
SESSION_ENGINES = {
    "db": "django.contrib.sessions.backends.db",
    "cache": "django.contrib.sessions.backends.cache",
    "cached_db": "django.contrib.sessions.backends.cached_db",
    "signed_cookies": "django.contrib.sessions.backends.signed_cookies",
    "file": "django.contrib.sessions.backends.file",
}
SESSION_ENGINE = SESSION_ENGINES[env.SESSION_ENGINE]
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14  # Django's default, stated: two weeks
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False  # API clients read it to send X-CSRFToken
# --- TLS (AUTHLAB_TLS=1) -------------------------------------------------------------------
# Off by default: the lab serves plain HTTP on loopback, where Secure cookies would never
# be sent back and a redirect to HTTPS has nothing to land on (README "Security notes").
# No SECURE_PROXY_SSL_HEADER: gunicorn already turns X-Forwarded-Proto into the request's
# scheme, and only from forwarded_allow_ips (loopback), so no client can claim HTTPS.
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = env.TLS
SECURE_SSL_REDIRECT = env.TLS
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if env.TLS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.TLS
SECURE_HSTS_PRELOAD = False  # preloading is a promise about a real domain, not the lab's

# --- Passwords ---------------------------------------------------------------------------
# The hasher is a recorded variable of every benchmark. The first entry hashes new
# passwords; the rest still verify existing hashes.
PASSWORD_HASHER_CHOICES = {
    "pbkdf2": "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "argon2": "django.contrib.auth.hashers.Argon2PasswordHasher",
    "bcrypt": "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "scrypt": "django.contrib.auth.hashers.ScryptPasswordHasher",
    "md5": "django.contrib.auth.hashers.MD5PasswordHasher",  # insecure: reference only
}
PASSWORD_HASHERS = [
    PASSWORD_HASHER_CHOICES[env.PASSWORD_HASHER],
    *(h for k, h in PASSWORD_HASHER_CHOICES.items() if k != env.PASSWORD_HASHER),
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": f"django.contrib.auth.password_validation.{name}"}
    for name in (
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    )
]
# The guard first: a client past the failed-password limit is refused before any
# password is checked (lab/throttles.py; one cache read per check). Then Django's and
# allauth's backends (log in by email, "Django for APIs"), each refusing accounts whose
# sign-up is not verified yet (lab/accounts/backends.py) and credentials longer than
# the columns (a password over 4096 characters) before any query: allauth's
# case-insensitive match is a LIKE on SQLite, which fails (a 500) on patterns over
# 50,000 bytes (lab/backends.py). Every backend listed is tried in turn on a failed
# login: a measured cost.
AUTHENTICATION_BACKENDS = [
    "lab.throttles.PasswordGuessingGuard",
    "lab.accounts.backends.ModelBackend",
    "lab.accounts.backends.EmailBackend",
]

# --- Django REST framework ---------------------------------------------------------------
# Each scheme's endpoint sets its own authentication classes; these defaults serve the
# account endpoints and the browsable API (the book's Session + Token pair).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "schemes.auth.TokenAuthentication",  # DRF's, refusing NUL keys (schemes/auth.py)
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    # drf-spectacular's AutoSchema plus a free-form fallback for serializer-less views.
    "DEFAULT_SCHEMA_CLASS": "lab.openapi.LabAutoSchema",
    "DEFAULT_THROTTLE_RATES": {"login": env.LOGIN_THROTTLE_RATE},
    # Django's refusals of hostile bodies (too many fields, data too big) as JSON.
    "EXCEPTION_HANDLER": "lab.limits.api_exception_handler",
    # Client IP for throttles: REMOTE_ADDR, never X-Forwarded-For, unless the lab is
    # told how many proxies append to it (AUTHLAB_NUM_PROXIES). DRF's default (None)
    # trusts the header, so a client could rotate it to dodge every limit.
    "NUM_PROXIES": env.NUM_PROXIES,
    # DRF's JSON parser lets 1e999, "\ud800" and deep nesting through to a 500; the
    # strict one answers 400 (hardening, tests/test_fuzz.py). Form parsers as DRF's.
    "DEFAULT_PARSER_CLASSES": [
        "schemes.parsers.StrictJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}

# The token libraries' settings (simplejwt, and behind the issue-14 schemes jwe, oauth2
# and allauth headless): in lab/settings/libraries.py, which reads only lab.env.
from lab.settings.libraries import *  # noqa: E402, F403

# knox: knox's defaults, stated, except the token limit. knox reads every token of the
# user on each request (to delete expired ones), so unbounded logins make whoami/ slower
# for that user (1,501 tokens: 3.5 -> 40 ms). 10 live tokens (one per device or client)
# keeps that read small (benchmarks/test_knox.py times 1/10/100/1000); the 11th login
# gets a 403 with a JSON detail until one is logged out or expires.
KNOX_TOKEN_LIMIT_PER_USER = 10
REST_KNOX = {
    "TOKEN_TTL": timedelta(hours=10),
    "AUTO_REFRESH": False,
    "TOKEN_LIMIT_PER_USER": KNOX_TOKEN_LIMIT_PER_USER,
}

# --- Schemes -----------------------------------------------------------------------------
# Extra scheme classes by dotted path, added after the built-in ones (schemes.registry).
AUTHLAB_EXTRA_SCHEMES = env.EXTRA_SCHEMES

# --- Accounts (dj-rest-auth + allauth, "Django for APIs" part III) -------------------------
# https://dj-rest-auth.readthedocs.io/en/latest/configuration.html
# https://docs.allauth.org/en/latest/account/configuration.html
# Django 6.1 configures email through MAILERS; the console backend is the book's choice,
# printing the body unencoded so its links can be copied from the terminal (pytest-django
# swaps every mailer for the in-memory one in tests).
MAILERS = {"default": {"BACKEND": "lab.accounts.mail.ReadableConsoleBackend"}}
DEFAULT_FROM_EMAIL = "authlab <noreply@localhost>"
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[authlab] "
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "email*", "password1*", "password2*"]
# Mandatory verification: a new account cannot log in (dj-rest-auth answers 400 "E-mail
# is not verified.") until its emailed key is confirmed, so every credential the lab
# issues belongs to someone who owns the address, and the flow test exercises the whole
# loop the book describes. Users made by seed_users/createsuperuser have no EmailAddress
# row: they use the schemes' own login/ views, which do not look at email at all.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_GET = False  # logout is a POST (a GET must not change state)
REST_AUTH = {
    # login/ answers {"key": ...}: a DRF authtoken key, the same table the token
    # scheme reads, so the key works on /api/v1/token/whoami/ (the book's flow).
    "TOKEN_MODEL": "rest_framework.authtoken.models.Token",
    # No session on top of the token: the client asked for one credential, not two.
    # Browsers log in at /api-auth/ (the browsable API) instead.
    "SESSION_LOGIN": False,
    # A stolen token alone must not be enough to change the password.
    "OLD_PASSWORD_FIELD_ENABLED": True,
    # Field errors (400) for a taken email, mismatched or rejected passwords.
    "REGISTER_SERIALIZER": "lab.accounts.serializers.RegisterSerializer",
    # Same email as dj-rest-auth's, without its read of a setting allauth deprecates.
    "PASSWORD_RESET_SERIALIZER": "lab.accounts.serializers.PasswordResetSerializer",
    # A reset link works once, even under parallel use (the user row is locked).
    "PASSWORD_RESET_CONFIRM_SERIALIZER": "lab.accounts.serializers.PasswordResetConfirmSerializer",
    # --- the jwt-cookie scheme (schemes/jwt_cookie.py) -------------------------------------
    # USE_JWT stays False, so dj-rest-auth's login/ above keeps answering a DRF token; only
    # the jwt-cookie scheme's own views and JWTCookieAuthentication read these.
    # https://dj-rest-auth.readthedocs.io/en/latest/configuration.html
    "JWT_AUTH_COOKIE": "jwt-access",
    "JWT_AUTH_REFRESH_COOKIE": "jwt-refresh",
    # The scheme's prefix: refresh/ and logout/ read the refresh cookie (whoami/ gets it too).
    "JWT_AUTH_REFRESH_COOKIE_PATH": "/api/v1/jwt-cookie/",
    "JWT_AUTH_HTTPONLY": True,  # scripts cannot read either token (XSS cannot steal them)
    "JWT_AUTH_SECURE": env.TLS,  # as the session cookie: Secure only when served over TLS
    "JWT_AUTH_SAMESITE": "Lax",
    # A cookie is sent by the browser on its own, so unsafe methods need the CSRF token
    # (dj-rest-auth's default is off: cookie-borne JWTs would be open to CSRF).
    "JWT_AUTH_COOKIE_USE_CSRF": True,
}

# --- OpenAPI (drf-spectacular) -----------------------------------------------------------
# https://drf-spectacular.readthedocs.io/en/latest/settings.html
# Swagger UI's JS, CSS and favicon come from drf-spectacular-sidecar through WhiteNoise:
# the docs page makes no request outside the lab. lab/openapi.py (and through it
# schemes/openapi.py) documents each scheme's security scheme.
SPECTACULAR_SETTINGS = {
    "TITLE": "authlab",
    "DESCRIPTION": "One endpoint under every DRF authentication scheme, side by side.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,  # write-only fields (passwords) only in requests
    # The oauth2 scheme's flow (schemes/oauth2.py): the password grant on its token/.
    "OAUTH2_FLOWS": ["password"],
    "OAUTH2_TOKEN_URL": "/api/v1/oauth2/token/",
    "OAUTH2_REFRESH_URL": "/api/v1/oauth2/token/",
    # The book's /api/v1/rest-auth/ alias serves the documented account views again.
    "PREPROCESSING_HOOKS": ["lab.openapi.without_book_alias"],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # validatorUrl null: Swagger UI would otherwise fetch a badge from validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
