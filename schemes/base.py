"""The contract every authentication scheme of the lab fulfils.

A scheme is declared once, as a subclass of :class:`Scheme` in its own module, and
every other part of authlab (URLs, tests, benchmarks, load tests, reports) reads it
from the registry. A scheme says which DRF authentication classes protect its
endpoint, which credential-flow views it adds (login, logout, ...), how a client
obtains and sends a credential, and what its security properties are, as data.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from http.cookies import SimpleCookie
from typing import Any, ClassVar, Literal, Protocol, get_args
from urllib.parse import urlencode

from django.urls import URLPattern, path
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import AllowAny, BasePermission, IsAuthenticated

from results.schema import BASELINE
from schemes.views import WhoAmIView

API_PREFIX = "/api/v1/"
JSON = "application/json"
#: RFC 6749's body encoding for OAuth2 token and revocation requests.
FORM = "application/x-www-form-urlencoded"
#: The families the report groups schemes by (issue 14), key -> label; ``baseline``
#: is the ``none`` scheme alone.
FAMILIES = {
    "baseline": "no authentication (baseline)",
    "password": "password on every request",
    "server-state": "server-side state",
    "token": "signed or encrypted tokens",
    "third-party": "third-party issued",
}
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

Location = Literal["header", "cookie"]
#: What a carried value is: the password itself, a server-side session key, a CSRF
#: token, an opaque token looked up on the server, a JWT, another signed value.
Kind = Literal["password", "session", "csrf", "token", "jwt", "signed"]


@dataclass(frozen=True)
class Carrier:
    """One part of a credential on the wire: a header or a cookie, and what it holds."""

    location: Location
    #: Header or cookie name, e.g. ``Authorization``, ``sessionid``, ``X-CSRFToken``.
    name: str
    kind: Kind
    #: The ``Authorization`` auth-scheme word (``Basic``, ``Token``, ``Bearer``), else "".
    auth_scheme: str = ""
    #: Sent with unsafe methods only (a CSRF header).
    unsafe_only: bool = False
    #: How the value is written, for readers (default ``<kind>``).
    format: str = ""

    def __post_init__(self):
        for value, allowed in ((self.location, Location), (self.kind, Kind)):
            if value not in get_args(allowed):
                raise ValueError(f"{value!r} is not one of {get_args(allowed)}")

    def __str__(self) -> str:
        value = " ".join(filter(None, (self.auth_scheme, self.format or f"<{self.kind}>")))
        line = (
            f"Cookie: {self.name}={value}" if self.location == "cookie" else f"{self.name}: {value}"
        )
        return line + (" (unsafe methods)" if self.unsafe_only else "")


@dataclass(frozen=True)
class Properties:
    """A scheme's security and cost properties, stated as data for the report."""

    #: The server keeps no per-credential state (nothing to look up per request).
    stateless: bool
    #: Default lifetime of the credential in seconds; ``None`` means it never expires.
    expiry_seconds: int | None
    #: Human summary of expiry, e.g. "5 min access / 1 day refresh".
    expiry: str
    #: How a credential is revoked before it expires ("" when it cannot be).
    revocation: str
    #: What the server stores at rest for a live credential.
    stored_at_rest: str
    #: A copy of the stored row alone is enough to authenticate (a leaked DB = live keys).
    stored_credential_usable: bool
    #: Unsafe methods (POST, PUT, PATCH, DELETE) need a CSRF token.
    csrf_on_unsafe: bool
    #: How the credential travels: the credential itself first, then what goes with it.
    carriers: tuple[Carrier, ...]
    #: SQL statements run per authenticated request (pinned by the contract tests).
    queries_per_request: int
    #: The cryptography run on every request ("" when none).
    crypto_per_request: str
    #: Seconds from revoking a credential (logout, or a password change where that is
    #: the scheme's revocation) until every server refuses it: 0 = at once, the access
    #: lifetime for stateless JWTs, the TTL for caches; ``None`` = never (until expiry).
    #: Checked against behaviour on a frozen clock by the contract tests.
    revocation_delay_s: float | None
    #: Deactivating the user locks them out at once (the user row is read per request).
    user_checked_per_request: bool = True
    #: ``logout/`` stops the credential sent on each request from working at once
    #: (on the server that handled the logout).
    logout_immediate: bool = True
    #: A password change (or reset) stops the credential sent on each request at once
    #: (lab/accounts/revocation.py; checked by the contract tests).
    revoked_by_password_change: bool = False
    #: What a password change does to the scheme's credentials, in words ("" = nothing).
    password_change: str = ""

    #: SQL statements of the first request with a new credential, when it differs from
    #: :attr:`queries_per_request` (a cache miss); ``None`` = the same.
    queries_first_request: int | None = None
    #: What the scheme gives up for its speed: what a cache holds at rest, what an
    #: attacker with it gets, how invalidation can fail across servers ("" = nothing).
    security_cost: str = ""
    #: Who issues the credential when it is not the lab itself ("" = the lab): a
    #: third-party issuer whose keys the lab fetches (the oidc scheme).
    issuer: str = ""

    @property
    def transport(self) -> str:
        """The carriers as one line for readers, e.g. ``Authorization: Token <token>``."""
        return "; ".join(map(str, self.carriers)) or "nothing"

    def as_dict(self) -> dict[str, Any]:
        """Return the properties as a JSON-ready dict, with :attr:`transport` for readers."""
        carriers = [asdict(c) for c in self.carriers]
        return {**asdict(self), "carriers": carriers, "transport": self.transport}


@dataclass
class Credential:
    """What a client sends to authenticate: headers and cookies, plus CSRF for writes.

    ``extra`` keeps flow data a client holds but does not send on every request
    (a JWT refresh token, the knox expiry).
    """

    headers: dict[str, str] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)
    unsafe_headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def headers_for(self, method: str = "GET") -> dict[str, str]:
        """Return every header to send for ``method``, cookies folded into ``Cookie``."""
        headers = dict(self.headers)
        if method.upper() in UNSAFE_METHODS:
            headers.update(self.unsafe_headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def wire_bytes(self, method: str = "GET") -> int:
        """Bytes the credential adds to a request: each ``Name: value\\r\\n`` line."""
        return sum(len(f"{k}: {v}\r\n".encode()) for k, v in self.headers_for(method).items())


class CredentialRefused(Exception):
    """The server refused to issue a credential (wrong password, inactive user...)."""

    def __init__(self, status: int, body: Any):
        super().__init__(f"login refused with HTTP {status}: {body!r}")
        self.status = status
        self.body = body


@dataclass
class Reply:
    """A transport's answer: status, lower-cased headers, parsed JSON body, new cookies."""

    status: int
    headers: dict[str, str]
    body: Any
    cookies: dict[str, str]
    raw: bytes = b""

    @classmethod
    def from_http(cls, status: int, header_pairs: Iterable[tuple[str, str]], raw: bytes) -> Reply:
        """Build a reply from the status, the header pairs (``Set-Cookie`` may repeat)
        and the body: every transport builds its reply this one way."""
        pairs = list(header_pairs)
        cookies: dict[str, str] = {}
        for name, value in pairs:
            if name.lower() == "set-cookie":
                cookies.update({k: m.value for k, m in SimpleCookie(value).items()})
        return cls(
            status=status,
            headers={k.lower(): v for k, v in pairs},
            body=parse_json(raw),
            cookies=cookies,
            raw=raw,
        )


class Transport(Protocol):
    """How a scheme's client helper talks to the server (test client, HTTP, locust)."""

    def post(
        self, path: str, data: dict[str, Any], headers: dict[str, str], *, form: bool = False
    ) -> Reply:
        """POST ``data`` to ``path`` with ``headers`` and return the reply: as JSON, or
        form-encoded with ``form`` (OAuth2 token endpoints take only that)."""
        ...


def encode_body(data: dict[str, Any], form: bool = False) -> tuple[bytes, str]:
    """The body and ``Content-Type`` every transport sends for ``data``."""
    if form:
        return urlencode(data).encode(), FORM
    return json.dumps(data).encode(), JSON


def parse_json(raw: bytes) -> Any:
    """Decode a JSON body, or return the text when it is not JSON."""
    try:
        return json.loads(raw or b"null")
    except ValueError:
        return raw.decode("utf-8", "replace")


class Scheme:
    """One authentication scheme: its DRF classes, credential flow and properties.

    Subclasses set the class attributes and, when the scheme has a login step,
    override :meth:`flow_urls` and :meth:`obtain`.
    """

    name: ClassVar[str]
    title: ClassVar[str]
    authentication_classes: ClassVar[tuple[type[BaseAuthentication], ...]]
    permission_classes: ClassVar[tuple[type[BasePermission], ...]] = (IsAuthenticated,)
    properties: ClassVar[Properties]
    #: The scheme's family, a key of :data:`FAMILIES` (the report groups by it).
    family: ClassVar[str]
    #: One line on what the scheme is, for the index and the report.
    summary: ClassVar[str] = ""
    #: The tables its credential lookup reads, as "app_label.Model" (``make scale``
    #: reports their row counts); empty when the lookup reads no table.
    stored_models: ClassVar[tuple[str, ...]] = ()
    #: The tables one login through the scheme adds a row to ("app_label.Model").
    login_writes: ClassVar[tuple[str, ...]] = ()
    #: The flow view that issues a credential for a password (OAuth2's is ``token``)
    #: and the one that revokes it (OAuth2's ``revoke``): what consumers look for.
    login_action: ClassVar[str] = "login"
    logout_action: ClassVar[str] = "logout"
    #: Session engine (dotted path) for requests under the scheme's prefix; ``None``:
    #: ``SESSION_ENGINE``. Read by ``lab.middleware.SessionMiddleware``.
    session_engine: ClassVar[str | None] = None
    #: Statuses that mean ``logout/`` succeeded (allauth headless answers 401).
    logout_statuses: ClassVar[tuple[int, ...]] = (200, 204)
    #: The stock scheme this one tunes (a variant: same credential, cheaper path), or None.
    variant_of: ClassVar[str | None] = None
    #: Where the login answer holds the header credential, dotted (``token``,
    #: ``meta.session_token``): what :meth:`curl_hint` extracts ("" = it says so in words).
    login_field: ClassVar[str] = ""

    # --- server side ---------------------------------------------------------------
    def flow_urls(self) -> list[URLPattern]:
        """Return the credential-flow views (login/, logout/...) under the scheme prefix."""
        return []

    def urlpatterns(self) -> list[URLPattern]:
        """Return all URL patterns of the scheme, to be mounted at :attr:`prefix`."""
        whoami = WhoAmIView.as_view(
            scheme_name=self.name,
            authentication_classes=self.authentication_classes,
            permission_classes=self.permission_classes,
        )
        return [path("whoami/", whoami, name=f"{self.name}-whoami"), *self.flow_urls()]

    @property
    def is_baseline(self) -> bool:
        """Whether this is the ``none`` baseline every other scheme is compared with."""
        return self.name == BASELINE

    # --- client side ---------------------------------------------------------------
    @property
    def prefix(self) -> str:
        """Absolute URL prefix of the scheme, e.g. ``/api/v1/basic/``."""
        return f"{API_PREFIX}{self.name}/"

    def url(self, action: str) -> str:
        """Absolute path of one of the scheme's views, e.g. ``url("login")``."""
        return f"{self.prefix}{action}/"

    @property
    def actions(self) -> list[str]:
        """Names of the flow views the scheme adds (``login``, ``logout``, ...)."""
        return [p.pattern._route.rstrip("/") for p in self.flow_urls()]

    @property
    def has_login(self) -> bool:
        """The scheme issues credentials through a view (:attr:`login_action`)."""
        return self.login_action in self.actions

    @property
    def has_logout(self) -> bool:
        """The scheme revokes credentials through a view (:attr:`logout_action`)."""
        return self.logout_action in self.actions

    def obtain(self, transport: Transport, username: str, password: str) -> Credential:
        """Obtain a credential for ``username`` and say what to send with it."""
        raise NotImplementedError

    def revoke(self, transport: Transport, credential: Credential) -> Reply:
        """Log out: revoke ``credential`` on the server (schemes with ``logout/``)."""
        return transport.post(self.url("logout"), {}, credential.headers_for("POST"))

    def login_headers(self) -> dict[str, str]:
        """Headers a client sends with a ``login/`` POST (session: its CSRF double submit)."""
        return {}

    def session_carrier(self, credential: Credential) -> tuple[dict[str, str], str] | None:
        """Where ``credential`` carries a Django session key (of :attr:`session_engine`):
        the mapping holding it and its name there, the session cookie by default;
        ``None`` when it carries none."""
        from django.conf import settings

        name = settings.SESSION_COOKIE_NAME
        return (credential.cookies, name) if name in credential.cookies else None

    def refresh(self, transport: Transport, credential: Credential) -> Reply:
        """Exchange the credential's refresh token for a new one (schemes with ``refresh/``);
        ``credential`` is updated in place from a 200 answer."""
        raise NotImplementedError

    def login(self, transport: Transport, username: str, password: str) -> Reply:
        """POST the username and password to the scheme's ``login/`` view."""
        body = {"username": username, "password": password}
        reply = transport.post(self.url("login"), body, self.login_headers())
        if reply.status != 200:
            raise CredentialRefused(reply.status, reply.body)
        return reply

    def on_password_change(self, user) -> None:
        """Revoke what a password change revokes for ``user`` (stated by
        ``properties.revoked_by_password_change``); called for every scheme."""

    def curl_hint(self, base: str, username: str, password: str) -> list[str]:
        """Shell lines that try the scheme with curl against the lab at ``base``
        (``make serve`` prints them), built from the declared carriers and login."""
        whoami, login = f"{base}{self.url('whoami')}", f"{base}{self.url(self.login_action)}"
        carriers = self.properties.carriers
        as_json = "-H 'Content-Type: application/json'"
        body = f"{as_json} -d '{json.dumps({'username': username, 'password': password})}'"
        if not carriers:
            return [f"curl {whoami}"]
        if carriers[0].kind == "password":
            return [f"curl -u {username}:{password} {whoami}"]
        if any(c.location == "cookie" for c in carriers):
            jar = f"jar-{self.name}"
            lines = [f"curl -s -c {jar} {body} {login} >/dev/null", f"curl -b {jar} {whoami}"]
            csrf = next((c for c in carriers if c.unsafe_only), None)
            if csrf:
                token = f"$(awk '/csrftoken/ {{print $7}}' {jar})"
                header = f'-H "{csrf.name}: {token}"'
                lines.append(f"curl -b {jar} {header} {as_json} -d '{{}}' {whoami}")
            return lines
        carrier = carriers[0]
        if not (self.has_login and self.login_field):
            return [f"# POST {login} with the username and password, then send {carrier}"]
        path = "".join(f"[{json.dumps(part)}]" for part in self.login_field.split("."))
        pick = f"python3 -c 'import json,sys; print(json.load(sys.stdin){path})'"
        value = " ".join(filter(None, (carrier.auth_scheme, "$V")))
        return [
            f"V=$(curl -s {body} {login} | {pick})",
            f'curl -H "{carrier.name}: {value}" {whoami}',
        ]

    def identity(self) -> dict[str, Any]:
        """What the scheme says of itself in each ``schemes[]`` entry of summary.json
        (``results.schema.IDENTITY_FIELDS``): every producer writes it from here."""
        return {
            "scheme": self.name,
            "title": self.title,
            "family": self.family,
            "variant_of": self.variant_of,
            "has_login": self.has_login,
            "revocation_delay_s": self.properties.revocation_delay_s,
            "properties": self.properties.as_dict(),
        }

    def describe(self) -> dict[str, Any]:
        """Return the scheme's entry in the ``/api/v1/schemes/`` index."""
        return {
            "name": self.name,
            "title": self.title,
            "summary": self.summary,
            "family": self.family,
            "variant_of": self.variant_of,
            "endpoint": self.url("whoami"),
            "authentication_classes": [
                f"{c.__module__}.{c.__qualname__}" for c in self.authentication_classes
            ],
            "actions": {action: self.url(action) for action in self.actions},
            "properties": self.properties.as_dict(),
        }

    def __repr__(self) -> str:
        return f"<Scheme {self.name}>"


def basic_header(username: str, password: str) -> str:
    """Return the ``Authorization`` value HTTP Basic sends for these credentials."""
    raw = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


OPEN = (AllowAny,)
