"""Drive Django's WSGI handler in-process, the way a WSGI server does, and log seeded
accounts in cheaply: what the benchmarks (benchmarks/harness.py) and the load phase's
logins made ahead (loadtests/logins.py) share.

A request goes through :class:`django.core.handlers.wsgi.WSGIHandler`: the
``request_started`` / ``request_finished`` signals (per-request connection
handling, ``CONN_MAX_AGE``), every middleware, the view, and ``response.close()``.
Django's test client disconnects the connection handling; this does not.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core.handlers.wsgi import WSGIHandler

from lab.seed import SEED_PASSWORD
from results import verify as verify_rule
from schemes.base import Credential, Reply, Scheme, encode_body, parse_json

#: The hasher of an account whose login is not the figure (lab/settings/base.py
#: PASSWORD_HASHER_CHOICES): a password check of a few µs instead of PBKDF2's ~0.5 s.
FLOW_HASHER = "md5"


@contextlib.contextmanager
def flow_account(username: str, password: str = SEED_PASSWORD) -> Iterator[None]:
    """``username`` hashed with :data:`FLOW_HASHER`, which the settings prefer meanwhile
    (so no login rehashes it); the account's stored hash is put back afterwards.

    A credential made meanwhile may not outlive the swap: a Django session keeps an
    HMAC of the password hash it was made under, and is refused once the stored hash
    is back. Check a credential from here before relying on it.
    """
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from django.test import override_settings

    choices = settings.PASSWORD_HASHER_CHOICES
    first = choices[FLOW_HASHER]
    users = get_user_model()._default_manager.filter(username=username)
    stored = users.values_list("password", flat=True).get()
    try:
        with override_settings(
            PASSWORD_HASHERS=[first, *(h for h in choices.values() if h != first)]
        ):
            users.update(password=make_password(password))
            yield
    finally:
        users.update(password=stored)


def flow_credential(
    client: WSGIClient, scheme: Scheme, username: str, password: str = SEED_PASSWORD
) -> tuple[Credential, bool]:
    """Log ``username`` in through ``scheme``'s own flow, cheaply where it can be; return
    the credential and whether it took a login with the real hash.

    First on an account of the flow hasher (:func:`flow_account`), its Django session
    (if any) then bound to the real hash (:func:`rebind_session`), kept when it answers
    ``whoami/``; else again with the real hash. A scheme that checks the password on
    every request sends its credential without logging in: nothing to save.
    """
    transport = WSGITransport(client)
    if scheme.family != "password":
        with flow_account(username, password):
            credential = scheme.obtain(transport, username, password)
        # Before any request: one refused for its stale hash is flushed by Django.
        rebind_session(scheme, credential, username)
        if answers(client, scheme, credential, username):
            return credential, False
    return scheme.obtain(transport, username, password), scheme.family != "password"


def answers(client: WSGIClient, scheme: Scheme, credential: Credential, username: str) -> bool:
    """Whether ``whoami/`` answers ``credential`` with 200 and ``username``."""
    answer = client.request("GET", scheme.url("whoami"), credential.headers_for("GET"))
    body = answer.json() if answer.status == 200 else None
    return isinstance(body, dict) and body.get("username") == expected_username(scheme, username)


def rebind_session(scheme: Scheme, credential: Credential, username: str) -> bool:
    """Bind the Django session ``credential`` carries to the account's password hash as
    stored now, as ``update_session_auth_hash()`` does after a password change (an HMAC
    of the stored hash, no password hash run); the new key, if the engine gives one
    (signed cookies: the data is the key), replaces the old in ``credential``. Whether
    there was a logged-in session to bind.

    Call it before the session is sent: Django flushes a session whose hash no longer
    matches the account's at its first request."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import HASH_SESSION_KEY, get_user_model

    carrier = scheme.session_carrier(credential)
    if carrier is None:
        return False
    holder, name = carrier
    engine = import_module(scheme.session_engine or settings.SESSION_ENGINE)
    session = engine.SessionStore(session_key=holder[name])
    if HASH_SESSION_KEY not in session:  # expired, deleted, or never logged in
        return False
    user = get_user_model()._default_manager.get_by_natural_key(username)
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    holder[name] = session.session_key
    return True


#: HTTP headers that WSGI carries without the ``HTTP_`` prefix.
_UNPREFIXED = {"CONTENT_TYPE", "CONTENT_LENGTH"}


@dataclass
class Response:
    """A WSGI response as a client would see it (app headers, not the server's)."""

    status: int
    reason: str
    headers: list[tuple[str, str]]
    body: bytes

    def json(self) -> Any:
        """The body parsed as JSON (text when it is not JSON)."""
        return parse_json(self.body)

    def header_lines(self, skip: frozenset[str] = frozenset()) -> list[str]:
        """Each response header as ``Name: value``, minus the names in ``skip`` (lower)."""
        return [f"{k}: {v}" for k, v in self.headers if k.lower() not in skip]

    @property
    def head_bytes(self) -> int:
        """Bytes of the status line, the header lines and the blank line."""
        lines = [f"HTTP/1.1 {self.status} {self.reason}", *self.header_lines(), ""]
        return sum(len(line.encode("latin-1")) + 2 for line in lines)

    @property
    def total_bytes(self) -> int:
        """Headers plus body, as sent on the wire by the application."""
        return self.head_bytes + len(self.body)


def environ_for(method: str, path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """A WSGI environ (PEP 3333) for one request, without its input stream."""
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key in _UNPREFIXED else f"HTTP_{key}"] = value
    return environ


class WSGIClient:
    """Send requests straight into a :class:`WSGIHandler` (middleware loaded once)."""

    def __init__(self, handler: WSGIHandler | None = None):
        self.handler = handler or WSGIHandler()

    def prepare(
        self,
        method: str,
        path: str,
        headers: dict[str, str] | None = None,
        data: Any = None,
    ) -> Callable[[], Response]:
        """Return a function that sends this request once per call (for timing)."""
        headers = dict(headers or {})
        body = b""
        if isinstance(data, bytes):  # already encoded (the caller sets Content-Type)
            body = data
        elif data is not None:
            body = json.dumps(data).encode()
            headers.setdefault("Content-Type", "application/json")
        template = environ_for(method.upper(), path, headers, body)
        handler = self.handler

        def send() -> Response:
            environ = dict(template)
            environ["wsgi.input"] = io.BytesIO(body)
            started: list[Any] = []
            result = handler(
                environ, lambda status, hdrs, exc_info=None: started.extend((status, hdrs))
            )
            try:
                content = b"".join(result)
            finally:
                result.close()  # what a server does: fires request_finished
            code, _, reason = started[0].partition(" ")
            return Response(int(code), reason, list(started[1]), content)

        return send

    def request(
        self, method: str, path: str, headers: dict[str, str] | None = None, data: Any = None
    ) -> Response:
        """Send one request and return the response."""
        return self.prepare(method, path, headers, data)()


@dataclass
class WSGITransport:
    """A scheme-client transport (:class:`schemes.base.Transport`) over :class:`WSGIClient`.

    Keeps the last response so callers can count the login response's bytes.
    """

    client: WSGIClient
    last: Response | None = field(default=None, init=False)

    def post(
        self, path: str, data: dict[str, Any], headers: dict[str, str], *, form: bool = False
    ) -> Reply:
        """POST ``data`` (JSON, or a form) through the handler and return the reply."""
        body, content_type = encode_body(data, form)
        response = self.client.request(
            "POST", path, {"Content-Type": content_type, **headers}, body
        )
        self.last = response
        return Reply.from_http(response.status, response.headers, response.body)


def expected_username(scheme: Scheme, username: str) -> str | None:
    """The name ``whoami/`` must answer with: none for the baseline (anonymous)."""
    return verify_rule.expected_username(username, baseline=scheme.is_baseline)
