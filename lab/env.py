"""The one place authlab reads its environment.

Every setting that can come from outside (secrets, database, cost knobs) is read
here and nowhere else, so a reader can see at a glance what the lab reacts to.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
#: Untracked state of a local checkout: the SQLite database and generated secrets.
VAR_DIR = Path(os.environ.get("AUTHLAB_VAR_DIR", BASE_DIR / "var"))
SECRETS_FILE = VAR_DIR / "secrets.json"


def get(name: str, default: str = "") -> str:
    """Return the environment variable ``name``, or ``default`` when unset or empty."""
    return os.environ.get(name) or default


def get_bool(name: str, default: bool = False) -> bool:
    """Read a yes/no variable: 1/true/yes/on are true, 0/false/no/off are false."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name}={value!r} is not a yes/no value (use 1 or 0)")


def get_int_or_none(name: str, default: int | None) -> int | None:
    """Read an integer variable where the word ``none`` means Python ``None``."""
    value = os.environ.get(name, "").strip().lower()
    if not value:
        return default
    if value == "none":
        return None
    return int(value)


def _stored_secrets(makers: dict[str, Callable[[], str]]) -> dict[str, str]:
    """Return the stored secrets named in ``makers``, generating (``makers[name]()``)
    and saving any that are missing: one file, written atomically, mode 0600."""
    try:
        stored = json.loads(SECRETS_FILE.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        stored = {}
    missing = makers.keys() - stored.keys()
    if missing:
        for key in missing:
            stored[key] = makers[key]()
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        tmp = SECRETS_FILE.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(stored, fh)
        os.replace(tmp, SECRETS_FILE)
    return {key: stored[key] for key in makers}


def _random_secret() -> str:
    return secrets.token_urlsafe(48)  # 384 bits


def local_secrets() -> dict[str, str]:
    """Return this checkout's generated secrets, creating them once if missing.

    ``SECRET_KEY``, the JWT signing key and the JWE key (base64url of 32 bytes) are
    distinct random values, written to an untracked file (mode 0600) so that
    restarts keep sessions and tokens valid. The environment (``AUTHLAB_SECRET_KEY``,
    ``AUTHLAB_JWT_SIGNING_KEY``, ``AUTHLAB_JWE_KEY``) always wins over the file.
    """
    # Random bytes per secret: 384 bits for the HMAC keys; exactly 256 for the JWE
    # content key (A256GCM with ``dir`` takes the key as is).
    stored = _stored_secrets(
        {
            "SECRET_KEY": _random_secret,
            "JWT_SIGNING_KEY": _random_secret,
            "JWE_KEY": lambda: secrets.token_urlsafe(32),
            "ALLAUTH_JWT_KEY": _random_secret,
        }
    )
    return {
        "SECRET_KEY": get("AUTHLAB_SECRET_KEY", stored["SECRET_KEY"]),
        "JWT_SIGNING_KEY": get("AUTHLAB_JWT_SIGNING_KEY", stored["JWT_SIGNING_KEY"]),
        "JWE_KEY": get("AUTHLAB_JWE_KEY", stored["JWE_KEY"]),
        "ALLAUTH_JWT_KEY": get("AUTHLAB_ALLAUTH_JWT_KEY", stored["ALLAUTH_JWT_KEY"]),
    }


def _private_key_maker(family: str) -> Callable[[], str]:
    """A function generating a PKCS#8 PEM private key of ``family`` (see JWT_KEY_FAMILIES)."""

    def make() -> str:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

        generate = {
            # 2048-bit RSA: NIST SP 800-57's floor through 2030; what RS256 is run with.
            "RSA": lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048),
            "EC-P256": lambda: ec.generate_private_key(ec.SECP256R1()),
            "EC-P384": lambda: ec.generate_private_key(ec.SECP384R1()),
            "EC-P521": lambda: ec.generate_private_key(ec.SECP521R1()),
            "EC-secp256k1": lambda: ec.generate_private_key(ec.SECP256K1()),
            "Ed25519": ed25519.Ed25519PrivateKey.generate,
        }[family]
        return (
            generate()
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode()
        )

    return make


#: The key each asymmetric JWT algorithm signs with (RFC 7518 / RFC 8037): RSA for
#: RS*/PS*, the curve named by the algorithm for ES*, Ed25519 for EdDSA.
JWT_KEY_FAMILIES = {
    **{f"{kind}{bits}": "RSA" for kind in ("RS", "PS") for bits in (256, 384, 512)},
    "ES256": "EC-P256",
    "ES384": "EC-P384",
    "ES512": "EC-P521",
    "ES521": "EC-P521",
    "ES256K": "EC-secp256k1",
    "EdDSA": "Ed25519",
}


def jwt_keys(algorithm: str) -> tuple[str, str]:
    """``(signing key, verifying key)`` for simplejwt under ``algorithm``.

    HMAC algorithms sign and verify with the shared random key of
    :func:`local_secrets` (verifying key ""). An asymmetric one signs with a private
    key of its family, generated once into the secrets file (``JWT_PRIVATE_KEY_<family>``,
    mode 0600), and verifies with its public half; ``AUTHLAB_JWT_PRIVATE_KEY`` (PEM)
    wins over the file.
    """
    family = JWT_KEY_FAMILIES.get(algorithm)
    if family is None:  # HS*, or a name simplejwt itself will refuse clearly
        return local_secrets()["JWT_SIGNING_KEY"], ""
    name = f"JWT_PRIVATE_KEY_{family}"
    private = (
        get("AUTHLAB_JWT_PRIVATE_KEY") or _stored_secrets({name: _private_key_maker(family)})[name]
    )
    from cryptography.hazmat.primitives import serialization

    public = (
        serialization.load_pem_private_key(private.encode(), password=None)
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


# --- Cost-relevant knobs, all visible in one place -------------------------------------
#: Seconds a DB connection is kept; ``none`` = forever. Django's default of 0 reopens
#: the SQLite file on every request, roughly doubling the cost of DB-backed schemes.
CONN_MAX_AGE = get_int_or_none("AUTHLAB_CONN_MAX_AGE", None)
#: Path of the SQLite database that serve, manage.py and the load tests share.
SQLITE_PATH = Path(get("AUTHLAB_SQLITE_PATH", str(VAR_DIR / "authlab.sqlite3")))
#: Database and cache choices (``DB``, ``CACHE``). ``python -m infra.services run -- cmd``
#: starts the servers they need and hands ``cmd`` their URLs.
DATABASES = ("sqlite", "postgres")
CACHES = ("locmem", "redis")


def check_db(value: str) -> str:
    """Validate a ``DB`` value: ``sqlite`` or ``postgres``."""
    if value not in DATABASES:
        raise ValueError(f"DB={value!r}: use one of {', '.join(DATABASES)}")
    return value


def check_cache(value: str) -> str:
    """Validate a ``CACHE`` value: ``locmem`` or ``redis``."""
    if value not in CACHES:
        raise ValueError(f"CACHE={value!r}: use one of {', '.join(CACHES)}")
    return value


def parse_database_url(url: str) -> dict[str, Any]:
    """Django ``DATABASES`` keys from ``postgres[ql]://user:password@host:port/name?opt=v``.

    Query parameters become libpq ``OPTIONS`` (``sslmode``, ``connect_timeout``...).
    """
    parts = urlsplit(url)
    if parts.scheme not in {"postgres", "postgresql"}:
        raise ValueError(f"DATABASE_URL: only postgres:// URLs are supported, not {parts.scheme}")
    return {
        "NAME": unquote(parts.path.lstrip("/")) or "postgres",
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": parts.hostname or "",
        "PORT": str(parts.port or ""),
        "OPTIONS": dict(parse_qsl(parts.query)),
    }


#: The server when ``DB=postgres``; given alone it selects PostgreSQL.
DATABASE_URL = get("DATABASE_URL")
#: The oidc scheme's token issuer, ``http://<client>:<secret>@127.0.0.1:<port>``
#: (infra/issuer.py); ``make`` targets start one through infra.services. Empty: the
#: first process that needs it starts one for itself and its children.
OIDC_URL = get("AUTHLAB_OIDC_URL")
#: ``sqlite`` (embedded default) or ``postgres``.
DB = check_db(get("DB", "postgres" if DATABASE_URL else "sqlite").lower())
#: ``locmem`` (default, per process) or ``redis`` at ``REDIS_URL``.
CACHE = check_cache(get("CACHE", "locmem").lower())
REDIS_URL = get("REDIS_URL")
#: Django session engine, by short name: db, cache, cached_db, signed_cookies, file.
SESSION_ENGINE = get("AUTHLAB_SESSION_ENGINE", "db")
#: Password hasher, by short name (pbkdf2, argon2, bcrypt, scrypt, md5).
PASSWORD_HASHER = get("AUTHLAB_PASSWORD_HASHER", "pbkdf2")
#: JWT signing algorithm (HS256, HS512, RS256, ES256, EdDSA, ...: any simplejwt takes;
#: asymmetric ones get a generated key pair, :func:`jwt_keys`).
JWT_ALGORITHM = get("AUTHLAB_JWT_ALGORITHM", "HS256")
#: Extra scheme classes by dotted path, comma-separated (added to the registry).
EXTRA_SCHEMES = [p.strip() for p in get("AUTHLAB_EXTRA_SCHEMES").split(",") if p.strip()]
#: Request-rate limit for login endpoints (DRF throttle rate syntax).
LOGIN_THROTTLE_RATE = get("AUTHLAB_LOGIN_THROTTLE_RATE", "30/minute")
#: Proxies in front of the lab that append to X-Forwarded-For (DRF's NUM_PROXIES). 0: the
#: client IP is REMOTE_ADDR and the header is ignored, so it cannot dodge throttles.
NUM_PROXIES = int(get("AUTHLAB_NUM_PROXIES", "0"))
#: Extra hosts allowed to serve (comma-separated); loopback is always allowed.
ALLOWED_HOSTS = [h.strip() for h in get("AUTHLAB_ALLOWED_HOSTS").split(",") if h.strip()]
#: Ports a Host header may name besides the one gunicorn listens on (comma-separated):
#: the public port of a proxy in front. Another port is refused (lab.hosts).
ALLOWED_PORTS = [p.strip() for p in get("AUTHLAB_ALLOWED_PORTS").split(",") if p.strip()]
#: Origins allowed to call the API from another origin (CORS, comma-separated, exact
#: ``scheme://host:port``); none by default, so cross-origin reads stay refused.
CORS_ORIGINS = [o.strip() for o in get("AUTHLAB_CORS_ORIGINS").split(",") if o.strip()]
#: The lab is reached over HTTPS (gunicorn --certfile, or a TLS proxy on loopback that
#: gunicorn trusts for X-Forwarded-Proto): Secure cookies, HSTS and the HTTPS redirect.
TLS = get_bool("AUTHLAB_TLS", False)
#: Set by ``make bench`` (``python -m benchmarks``) for its pytest child: the run folder
#: the suites write into ("" otherwise), and whether the run is QUICK.
BENCH_RUN_DIR = get("AUTHLAB_BENCH_RUN_DIR")
BENCH_QUICK = get_bool("AUTHLAB_BENCH_QUICK")
