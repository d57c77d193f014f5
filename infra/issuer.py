"""The lab's third-party token issuer: a small OpenID-style service in its own process.

It holds RSA signing keys the lab never sees, signs RS256 access tokens and publishes
the public halves as a JWKS; the ``oidc`` scheme (schemes/oidc.py) verifies its tokens
against that JWKS, fetched over HTTP and cached. Endpoints (127.0.0.1 only):

- ``GET /.well-known/openid-configuration``: issuer, jwks_uri, token_endpoint;
- ``GET /jwks.json``: the published public keys (``kid`` = RFC 7638 thumbprint);
- ``POST /token``: a token for a subject the client vouches for (below);
- ``POST /admin/rotate``, ``POST /admin/retire``, ``GET /admin/stats``: sign with a new
  key (old ones stay published), unpublish all but the newest, request counts.

Who checks the password: the lab. The users live in the lab's database (seeded, and
created inside each test's transaction, which no other process can see), so the lab's
``login/`` checks the password itself and then asks the issuer, as a confidential
client (HTTP Basic ``client_id:secret``, RFC 6749 2.3.1), for a token for that user:
``grant_type`` :data:`GRANT`, ``subject`` (the user id), ``username``, ``audience`` and
``auth_time`` (OIDC Core 2: when the user was authenticated). ``iat`` is that
``auth_time`` and ``exp`` is ``iat`` + the lifetime the issuer allows: the lab's clock is
the one clock, so frozen-clock tests see the expiry they set (a real issuer uses its own
clock; the skew would be the verifier's leeway). What a login costs is then the lab's
password check plus this one round trip, as with a hosted issuer.

``python -m infra.issuer --port P`` serves until SIGTERM; the client secret comes from
``AUTHLAB_OIDC_CLIENT_SECRET`` (never the command line, which ``ps`` shows).
:func:`serve` runs one for a ``with`` block; :func:`shared_url` gives a process tree one.
"""

from __future__ import annotations

import argparse
import atexit
import base64
import contextlib
import hashlib
import hmac
import json
import os
import secrets
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from schemes.oidc_protocol import (  # noqa: F401 - re-exported for the service's users
    ALGORITHM,
    CLIENT_ID,
    GRANT,
    URL_ENV,
    client_secret,
    public_url,
)

SECRET_ENV = "AUTHLAB_OIDC_CLIENT_SECRET"
#: Longest token lifetime the issuer grants (a longer request is cut to this).
MAX_LIFETIME_S = 3600
#: Largest request body the issuer reads (a token request is ~200 bytes).
MAX_BODY = 4096


def thumbprint(jwk: dict) -> str:
    """RFC 7638 thumbprint of an RSA public JWK: the key's ``kid``."""
    canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Keys:
    """The issuer's RSA keys, newest (the signing one) last, and its request counts."""

    def __init__(self):
        self.lock = threading.Lock()
        self.keys: list[tuple[str, object, dict]] = []
        self.counts = {"jwks": 0, "token": 0}
        self.rotate()

    def rotate(self) -> str:
        """Generate a 2048-bit key, sign with it from now on; the old ones stay published."""
        from cryptography.hazmat.primitives.asymmetric import rsa
        from jwt.algorithms import RSAAlgorithm

        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = RSAAlgorithm.to_jwk(private.public_key(), as_dict=True)
        kid = thumbprint(jwk)
        with self.lock:
            self.keys.append((kid, private, {**jwk, "kid": kid, "use": "sig", "alg": ALGORITHM}))
        return kid

    def retire(self) -> list[str]:
        """Unpublish every key but the signing one; return the kids still published."""
        with self.lock:
            del self.keys[:-1]
            return [kid for kid, _, _ in self.keys]

    def jwks(self) -> dict:
        """The published key set, counted."""
        with self.lock:
            self.counts["jwks"] += 1
            return {"keys": [jwk for _, _, jwk in self.keys]}

    def sign(self, claims: dict) -> str:
        """An RS256 JWT of ``claims`` under the newest key, counted."""
        import jwt

        with self.lock:
            kid, private, _ = self.keys[-1]
            self.counts["token"] += 1
        return jwt.encode(claims, private, algorithm=ALGORITHM, headers={"kid": kid})


class Refused(Exception):
    """A request the issuer refuses: HTTP status and the RFC 6749 ``error``."""

    def __init__(self, status: int, error: str, detail: str):
        super().__init__(detail)
        self.status, self.error, self.detail = status, error, detail


def token_claims(form: dict[str, str], issuer: str) -> dict:
    """The claims of a token request (:data:`GRANT`); :class:`Refused` when malformed."""
    if form.get("grant_type") != GRANT:
        raise Refused(400, "unsupported_grant_type", f"grant_type must be {GRANT}")
    try:
        subject, audience = form["subject"], form["audience"]
        auth_time = int(form["auth_time"])
        lifetime = min(int(form.get("expires_in") or MAX_LIFETIME_S), MAX_LIFETIME_S)
    except (KeyError, ValueError) as exc:
        raise Refused(400, "invalid_request", f"missing or malformed field: {exc}") from exc
    if not subject or not audience or lifetime <= 0:
        raise Refused(400, "invalid_request", "subject, audience and expires_in > 0 needed")
    claims = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "iat": auth_time,
        "auth_time": auth_time,
        "exp": auth_time + lifetime,
        "jti": secrets.token_urlsafe(12),
    }
    if form.get("username"):
        claims["preferred_username"] = form["username"]
    return claims


class IssuerHandler(BaseHTTPRequestHandler):
    """One request to the issuer; the server carries ``keys``, ``issuer`` and ``secret``."""

    server_version = "authlab-issuer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        """Quiet: every request would be logged otherwise."""

    def answer(self, status: int, body: dict, cache: str = "no-store") -> None:
        """Send ``body`` as JSON."""
        raw = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.send_header("Cache-Control", cache)
        self.end_headers()
        self.wfile.write(raw)

    def client_ok(self) -> bool:
        """The request carries the client's Basic credentials."""
        expected = (
            "Basic " + base64.b64encode(f"{CLIENT_ID}:{self.server.secret}".encode()).decode()
        )
        return hmac.compare_digest(self.headers.get("Authorization", ""), expected)

    def do_GET(self):
        """Discovery, the JWKS, or the counts."""
        base, keys = self.server.issuer, self.server.keys
        route = urlsplit(self.path).path
        if route == "/.well-known/openid-configuration":
            self.answer(
                200,
                {
                    "issuer": base,
                    "jwks_uri": f"{base}/jwks.json",
                    "token_endpoint": f"{base}/token",
                    "grant_types_supported": [GRANT],
                    "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                    "id_token_signing_alg_values_supported": [ALGORITHM],
                    "subject_types_supported": ["public"],
                },
            )
        elif route == "/jwks.json":
            self.answer(200, keys.jwks(), cache="public, max-age=300")
        elif route == "/admin/stats" and self.client_ok():
            with keys.lock:
                published = [kid for kid, _, _ in keys.keys]
            self.answer(200, {**keys.counts, "kids": published, "pid": os.getpid()})
        else:
            self.answer(404, {"error": "not_found", "detail": "No such endpoint."})

    def do_POST(self):
        """A token, a key rotation or a retirement."""
        route = urlsplit(self.path).path
        try:
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 <= length <= MAX_BODY:
                raise Refused(413, "invalid_request", f"body over {MAX_BODY} bytes")
            raw = self.rfile.read(length).decode("utf-8")
            form = {k: v[-1] for k, v in parse_qs(raw, max_num_fields=20).items()}
            if not self.client_ok():
                raise Refused(401, "invalid_client", "Client authentication failed.")
            if route == "/token":
                claims = token_claims(form, self.server.issuer)
                token = self.server.keys.sign(claims)
                lifetime = claims["exp"] - claims["iat"]
                self.answer(
                    200, {"access_token": token, "token_type": "Bearer", "expires_in": lifetime}
                )
            elif route == "/admin/rotate":
                self.answer(200, {"kid": self.server.keys.rotate()})
            elif route == "/admin/retire":
                self.answer(200, {"kids": self.server.keys.retire()})
            else:
                raise Refused(404, "not_found", "No such endpoint.")
        except Refused as exc:
            self.answer(exc.status, {"error": exc.error, "detail": exc.detail})
        except (ValueError, UnicodeDecodeError):
            self.answer(400, {"error": "invalid_request", "detail": "Malformed request."})


def make_server(port: int, secret: str, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """An issuer bound to ``host:port`` (not yet serving)."""
    server = ThreadingHTTPServer((host, port), IssuerHandler)
    server.daemon_threads = True
    server.keys, server.secret = Keys(), secret
    server.issuer = f"http://{host}:{server.server_address[1]}"
    return server


def main(argv: list[str] | None = None) -> int:
    """CLI: serve on 127.0.0.1:PORT until SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m infra.issuer", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    secret = os.environ.get(SECRET_ENV)
    if not secret:
        parser.error(f"{SECRET_ENV} is not set")
    server = make_server(args.port, secret)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"issuer on {server.issuer} (pid {os.getpid()})", flush=True)
    server.serve_forever()
    server.server_close()
    return 0


# --- Starting one, by PID -----------------------------------------------------------------
@contextlib.contextmanager
def serve():
    """Run an issuer on 127.0.0.1:<free port> for the ``with`` block; yield its Server
    (``url`` = ``http://authlab:<secret>@127.0.0.1:<port>``), stopped by PID after."""
    from infra import procs
    from infra.services import Server, _spawn, _started, _stop

    folder = Path(tempfile.mkdtemp(prefix="authlab-issuer-"))
    log = folder / "issuer.log"
    secret = secrets.token_urlsafe(24)
    root = Path(__file__).resolve().parent.parent
    try:
        for _attempt in range(3):  # the free port can be taken between probe and bind
            port = procs.free_port()
            cmd = [sys.executable, "-m", "infra.issuer", "--port", str(port)]
            with _environ({SECRET_ENV: secret, "PYTHONPATH": str(root)}):
                proc = _spawn(cmd, None, log, signal.SIGTERM)
            url = f"http://{CLIENT_ID}:{secret}@127.0.0.1:{port}"
            check = lambda port=port: procs.wait_http(  # noqa: E731
                f"http://127.0.0.1:{port}/.well-known/openid-configuration", timeout=1
            )
            if _started(proc, log, "Address already in use", check):
                break
        else:
            raise RuntimeError(f"the issuer could not bind a port: {log.read_text()}")
        settings = {"algorithm": ALGORITHM, "max_lifetime_s": str(MAX_LIFETIME_S)}
        try:
            yield Server(
                "oidc-issuer", url, proc, folder, f"authlab issuer ({ALGORITHM})", settings
            )
        finally:
            _stop(proc, signal.SIGTERM, grace=5)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _environ(extra: dict[str, str]) -> Iterator[None]:
    saved = {k: os.environ.get(k) for k in extra}
    os.environ.update(extra)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


_shared: list = []
_shared_lock = threading.Lock()


def shared_url() -> str:
    """This process tree's issuer: :data:`URL_ENV` when set (``make`` targets start one
    through infra.services), else one started now for this process, stopped at its exit,
    and put in the environment so every child started afterwards uses the same one."""
    with _shared_lock:
        if not os.environ.get(URL_ENV):
            context = serve()
            server = context.__enter__()
            _shared.append(server)
            atexit.register(context.__exit__, None, None, None)
            os.environ[URL_ENV] = server.url
        return os.environ[URL_ENV]


if __name__ == "__main__":
    sys.exit(main())
