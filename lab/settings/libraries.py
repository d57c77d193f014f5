"""Settings of the token libraries: simplejwt, and those behind the jwe, oauth2, oidc
and allauth headless schemes.

Star-imported by ``lab.settings.base``. It reads only :mod:`lab.env` (the secrets and
the JWT algorithm), so it imports nothing half-built; the other libraries' lifetimes
follow simplejwt's, here, so every scheme compares like for like.
"""

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

from lab import env

_secrets = env.local_secrets()

# simplejwt: a signing key of its own, never SECRET_KEY (rotating one must not
# invalidate the other). HS256 is its default; other algorithms are benchmarked. An
# asymmetric algorithm (RS*, PS*, ES*, EdDSA) signs with a generated private key of its
# family, kept in var/secrets.json like the other secrets, and verifies with its public
# half (lab.env.jwt_keys); a random string there was an InvalidKeyError (a 500).
_jwt_signing_key, _jwt_verifying_key = env.jwt_keys(env.JWT_ALGORITHM)
SIMPLE_JWT = {
    "ALGORITHM": env.JWT_ALGORITHM,
    "SIGNING_KEY": _jwt_signing_key,
    "VERIFYING_KEY": _jwt_verifying_key,
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=1),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "AUTH_HEADER_TYPES": ("Bearer",),
}
# Refuse to start with one key for both: a leaked SECRET_KEY would then mint JWTs too.
if SIMPLE_JWT["SIGNING_KEY"] == _secrets["SECRET_KEY"]:
    raise ImproperlyConfigured("AUTHLAB_JWT_SIGNING_KEY must differ from AUTHLAB_SECRET_KEY")

# jwe (joserfc): a content key of its own (dir + A256GCM: the key encrypts the claims
# directly), from var/secrets.json like the others. Lifetime as simplejwt's access token,
# so the two token schemes compare like for like.
AUTHLAB_JWE = {
    "KEY": _secrets["JWE_KEY"],
    "LIFETIME": SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"],
}

# oauth2 (django-oauth-toolkit): every RFC 9700 (OAuth 2.0 Security BCP) gate on but
# one: the password grant (RFC 6749 4.3) is the only grant DOT has that gives a
# user-bound token without a browser, which is what a headless client and the benchmark
# can run; check --deploy keeps its warning (oauth2_provider.W002) as the reminder.
# Access tokens live as long as simplejwt's (DOT's default is 10 h); tokens are stored
# as SHA-256 checksums only (TOKEN_STORAGE), so a leaked table holds no usable token.
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": int(SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()),
    "REFRESH_TOKEN_EXPIRE_SECONDS": int(SIMPLE_JWT["REFRESH_TOKEN_LIFETIME"].total_seconds()),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,  # hashed storage cannot replay a token
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    "PKCE_REQUIRED": True,
    "SCOPES": {"read": "Read", "write": "Write"},
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": False,
    **{
        f"COMPLIANT_BCP_RFC9700_{gate}": True
        for gate in (
            "IMPLICIT_GRANT",
            "PKCE_METHOD",
            "ACCESS_TOKEN_TRANSPORT",
            "AUTHZ_RESPONSE_ISS",
            "TOKEN_STORAGE",
            "REFRESH_TOKEN",
            "REDIRECT_URI_SCHEME",
            "REDIRECT_URI_MATCHING",
            "PKCE_REQUIRED",
        )
    },
}
# The lab's own client of that server, created on first use (schemes/oauth2.py): a
# public client, identified by its id alone, as a first-party app that cannot keep a
# secret is (RFC 6749 2.1): the grant checks the user's password. A confidential client's
# secret would have to reach every process that logs in (tests, locust, curl) while the
# server's comes from its own var/secrets.json.
AUTHLAB_OAUTH2_CLIENT_ID = "authlab-client"

# --- allauth headless (the allauth-session and allauth-jwt schemes) -----------------------
# https://docs.allauth.org/en/latest/headless/configuration.html
# One strategy for both schemes (the setting is global): allauth's JWT strategy, issuing
# the JWT pair only for allauth-jwt's login (schemes/allauth_headless.py).
HEADLESS_TOKEN_STRATEGY = "schemes.allauth_headless.LabTokenStrategy"
HEADLESS_CLIENTS = ("app",)  # the lab mounts only app-client views, under each scheme
# HS256 with a key of its own, like the lab's simplejwt: the two JWT schemes then differ in
# library, not algorithm (allauth's default RS256 would need a PEM key).
HEADLESS_JWT_ALGORITHM = "HS256"
HEADLESS_JWT_PRIVATE_KEY = _secrets["ALLAUTH_JWT_KEY"]
HEADLESS_JWT_ACCESS_TOKEN_EXPIRES_IN = 300  # allauth's defaults, stated
HEADLESS_JWT_REFRESH_TOKEN_EXPIRES_IN = 86400
HEADLESS_JWT_ROTATE_REFRESH_TOKEN = True
# Off (allauth's default): the access token is trusted on its signature; on, each request
# would also load the session, which allauth-session already measures.
HEADLESS_JWT_STATEFUL_VALIDATION_ENABLED = False

# --- oidc: tokens from a separate issuer process, verified against its JWKS -------------
# schemes/oidc.py, infra/issuer.py. URL: how to reach the issuer, with the lab's client
# credentials (empty: schemes.oidc_keys calls START, by dotted path, on first use: it
# starts an issuer for this process tree and returns its URL). ISSUER: the ``iss`` a
# token must carry (default: the URL's own origin). The access lifetime is simplejwt's,
# so the third-party token compares like for like. The key cache: keys are refetched
# after KEYS_TTL_S; an unknown ``kid`` refetches at most once per REFETCH_MIN_S (a
# hostile token cannot make the lab hammer the issuer); a JWKS fetch gives up after
# TIMEOUT_S or MAX_JWKS_BYTES; cached keys serve STALE_S past their TTL while the issuer
# is unreachable.
AUTHLAB_OIDC = {
    "URL": env.OIDC_URL,
    "START": "infra.issuer.shared_url",
    "ISSUER": "",
    "AUDIENCE": "authlab",
    "LIFETIME": SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"],
    "KEYS_TTL_S": 300,
    "REFETCH_MIN_S": 30,
    "STALE_S": 3600,
    "TIMEOUT_S": 2.0,
    "MAX_JWKS_BYTES": 64 * 1024,
    "LEEWAY_S": 0,
}
