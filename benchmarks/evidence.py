"""Evidence for the notes' claims that need neither a browser nor a second server,
measured in process with real credentials through the real views (``summary.json``
``evidence``, results/SCHEMA.md). Each function returns one section; :func:`collect`
runs them all. Schemes are chosen by their declared carriers, not by name.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Iterable
from typing import Any

from benchmarks import evidence_third_party

#: The client addresses the producer's requests come from (one per piece, so the
#: login throttle of one piece does not refuse the logins of the next).
ADDRESS = "10.77.0.{}"
#: Users the producer creates (apart from the seeded ones it logs in with).
INACTIVE_USER = "evidence-inactive"
BOOK_USER = "evidence-reader"
BOOK_PASSWORD = "plum-orbit-canvas-91"
#: Requests a session client makes after logging in (GETs, then one POST).
SESSION_REQUESTS = 5
#: The host and port the in-process server is told it serves (the book's runserver).
SERVED_HOST, SERVED_PORT = "127.0.0.1", 8000
#: The emails of the book's flow are kept, not printed (Django 6.1 mailers).
IN_MEMORY_MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


def _client(piece: int):
    from django.test import Client

    return Client(enforce_csrf_checks=True, REMOTE_ADDR=ADDRESS.format(piece))


def _user() -> tuple[str, str]:
    from lab.seed import SEED_PASSWORD, seed_username

    return seed_username(1), SEED_PASSWORD


def _kind(scheme) -> str | None:
    carriers = scheme.properties.carriers
    return carriers[0].kind if carriers else None


def _token_schemes() -> list:
    """Schemes whose credential is a token (opaque or a JWT), by declared carrier kind."""
    from schemes import registry

    return [s for s in registry.all_schemes() if _kind(s) in ("token", "jwt")]


def _get(client, scheme, headers: dict[str, str]) -> Any:
    return client.get(scheme.url("whoami"), headers=headers)


def _obtain(scheme, piece: int):
    from schemes.transports import DjangoClientTransport

    return scheme.obtain(DjangoClientTransport(_client(piece)), *_user())


def decode_basic(header: str) -> str | None:
    """``Basic <b64>`` -> ``user:password`` (None when it is not a Basic header)."""
    word, _, value = header.partition(" ")
    if word.lower() != "basic":
        return None
    try:
        return base64.b64decode(value, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None


def readable_claims(token: str) -> list[str]:
    """The claim names anyone can read from ``token`` without a key: a signed JWT's
    payload is base64url JSON; an opaque key or an encrypted token yields none."""
    parts = token.split(".")
    if len(parts) != 3:
        return []
    try:
        payload = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return []
    return sorted(payload) if isinstance(payload, dict) else []


def basic_capture() -> dict[str, Any]:
    """Claims 1 and 15: a captured Basic header, decoded, and replayed by another client."""
    from schemes import registry

    basic = registry.get("basic")
    username, password = _user()
    header = _obtain(basic, 1).headers["Authorization"]
    decoded = decode_basic(header)
    replay = _get(_client(2), basic, {"Authorization": header})
    return {
        "header_bytes": len(f"Authorization: {header}\r\n"),
        "decoded_is_username_password": decoded == f"{username}:{password}",
        "replay_status": replay.status_code,
    }


def basic_refusals() -> dict[str, Any]:
    """Claim 2: what DRF answers for missing, wrong and inactive Basic credentials."""
    from django.contrib.auth import get_user_model

    from schemes import registry
    from schemes.base import basic_header

    username, password = _user()
    User = get_user_model()
    if not User.objects.filter(username=INACTIVE_USER).exists():
        User.objects.create_user(INACTIVE_USER, password=password, is_active=False)
    cases = {
        "missing": {},
        "wrong": {"Authorization": basic_header(username, password + "-wrong")},
        "inactive": {"Authorization": basic_header(INACTIVE_USER, password)},
        "malformed": {"Authorization": "Basic not-base64!"},
    }
    basic, client = registry.get("basic"), _client(3)
    out = {}
    for case, headers in cases.items():
        response = _get(client, basic, headers)
        out[case] = {
            "status": response.status_code,
            "www_authenticate": response.headers.get("WWW-Authenticate"),
        }
    return out


class _RecordingTransport:
    """The in-process transport, keeping each request's body and headers as sent."""

    def __init__(self, client):
        from schemes.transports import DjangoClientTransport

        self.inner, self.client, self.sent = DjangoClientTransport(client), client, []

    def post(self, path: str, data: dict[str, Any], headers: dict[str, str]):
        """POST through the real transport, recording what goes on the wire."""
        self.sent.append((json.dumps(data), headers))
        return self.inner.post(path, data, headers)

    def get(self, path: str, headers: dict[str, str]):
        """GET with ``headers``, recorded."""
        self.sent.append(("", headers))
        return self.client.get(path, headers=headers)


def carries(password: str, body: str, headers: dict[str, str]) -> bool:
    """Whether a request carries ``password``: in its body, a header, or a Basic header."""
    values = list(headers.values())
    decoded = [decode_basic(v) or "" for v in values]
    return any(password in text for text in (body, *values, *decoded))


def password_in_traffic() -> dict[str, Any]:
    """Claim 3: how many of a client's requests carry the password, session vs Basic."""
    from schemes import registry

    username, password = _user()
    out = {}
    for name in ("session", "basic"):
        scheme = registry.get(name)
        wire = _RecordingTransport(_client(4))
        credential = scheme.obtain(wire, username, password)
        statuses = [
            wire.get(scheme.url("whoami"), credential.headers_for("GET")).status_code
            for _ in range(SESSION_REQUESTS)
        ]
        out[name] = {
            "requests": len(wire.sent),
            "carrying_password": sum(carries(password, *sent) for sent in wire.sent),
            "authenticated": sum(status == 200 for status in statuses),
        }
    return out


def token_two_clients() -> dict[str, Any]:
    """Claim 9: one token obtained once, used by a browser-like and a script-like client."""
    out = {}
    for scheme in _token_schemes():
        credential = _obtain(scheme, 5)
        web = _client(6).get(
            scheme.url("whoami"),
            headers={**credential.headers_for("GET"), "Origin": "http://localhost:3000"},
        )
        mobile = _client(7).get(
            scheme.url("whoami"),
            headers={**credential.headers_for("GET"), "User-Agent": "okhttp/4.12"},
        )
        out[scheme.name] = {"statuses": [web.status_code, mobile.status_code]}
    return out


def carried_token(scheme, credential) -> str:
    """The token itself, where the scheme's first carrier says it travels: the cookie's
    value, or the header's value without its auth-scheme word (``Bearer``, ``Token``)."""
    carrier = scheme.properties.carriers[0]
    if carrier.location == "cookie":
        return credential.cookies.get(carrier.name, "")
    value = credential.headers_for("GET").get(carrier.name, "")
    word, _, rest = value.partition(" ")
    return rest if carrier.auth_scheme and word == carrier.auth_scheme else value


def token_format(token: str) -> str:
    """``jws`` (three base64url parts: a signed JWT), ``jwe`` (five: an encrypted one,
    RFC 7516 compact) or ``opaque`` (a random key)."""
    return {3: "jws", 5: "jwe"}.get(len(token.split(".")), "opaque")


def token_contents() -> dict[str, Any]:
    """Claim 10 (and 12): what a captured token reveals without any key."""
    username, _ = _user()
    out = {}
    for scheme in _token_schemes():
        token = carried_token(scheme, _obtain(scheme, 8))
        claims = readable_claims(token)
        out[scheme.name] = {
            "kind": _kind(scheme),
            "format": token_format(token),
            "token_bytes": len(token),
            "readable_claims": claims,
            "reveals_username": username in _payload_text(token),
        }
    return out


def _payload_text(token: str) -> str:
    parts = token.split(".")
    if len(parts) != 3:
        return token
    try:
        return base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        return ""


def token_expiry() -> dict[str, Any]:
    """Claim 13: per expiring token scheme, a request just before and just after the
    declared lifetime on a frozen clock; and whether two logins give two tokens."""
    import time_machine

    out = {}
    start = dt.datetime.now(dt.UTC).replace(microsecond=0)
    for scheme in _token_schemes():
        lifetime = scheme.properties.expiry_seconds
        with time_machine.travel(start, tick=False) as clock:
            first, second = _obtain(scheme, 9), _obtain(scheme, 9)
            row: dict[str, Any] = {
                "expiry_seconds": lifetime,
                "two_logins_distinct": first.headers_for("GET") != second.headers_for("GET"),
            }
            if lifetime is not None:
                headers = first.headers_for("GET")
                clock.move_to(start + dt.timedelta(seconds=lifetime - 5))
                row["status_before_expiry"] = _get(_client(10), scheme, headers).status_code
                clock.move_to(start + dt.timedelta(seconds=lifetime + 5))
                row["status_after_expiry"] = _get(_client(10), scheme, headers).status_code
        out[scheme.name] = row
    return out


def drf_defaults() -> dict[str, Any]:
    """Claim 14: DRF's own default authentication classes, in the installed version."""
    import rest_framework
    from rest_framework.settings import DEFAULTS

    return {
        "drf_version": rest_framework.__version__,
        "authentication_classes": list(DEFAULTS["DEFAULT_AUTHENTICATION_CLASSES"]),
    }


def www_authenticate() -> dict[str, Any]:
    """Claim 16: each scheme's answer to a request without a credential."""
    from schemes import registry

    out = {}
    for scheme in registry.all_schemes():
        if scheme.is_baseline:
            continue
        response = _get(_client(11), scheme, {})
        out[scheme.name] = {
            "status": response.status_code,
            "www_authenticate": response.headers.get("WWW-Authenticate"),
            "auth_scheme": next((c.auth_scheme for c in scheme.properties.carriers), ""),
        }
    return out


def book_accounts() -> dict[str, Any]:
    """Claim 17: the book's flow under its own prefix, on a server that names its Site
    after the address it serves: register, follow the email, log in."""
    import re

    from django.contrib.auth import get_user_model
    from django.contrib.sites.models import Site
    from django.core import mail
    from django.test import override_settings

    from lab.accounts.site import DJANGO_DEFAULT_DOMAIN, name_site, served_domain

    get_user_model().objects.filter(username=BOOK_USER).delete()
    site = Site.objects.get_current()
    saved = (site.domain, site.name)
    served = served_domain(SERVED_HOST, SERVED_PORT)
    env = {"SERVER_PORT": str(SERVED_PORT), "HTTP_HOST": served}
    client = _client(12)
    body = {
        "username": BOOK_USER,
        "email": f"{BOOK_USER}@authlab.test",
        "password1": BOOK_PASSWORD,
        "password2": BOOK_PASSWORD,
    }
    try:
        name_site(SERVED_HOST, SERVED_PORT)
        with override_settings(MAILERS=IN_MEMORY_MAILERS):
            mail.outbox = []
            register = client.post(
                "/api/v1/rest-auth/registration/", body, content_type="application/json", **env
            )
            text = "\n".join(f"{m.subject}\n{m.body}" for m in mail.outbox)
        link = re.search(r"https?://(\S+?)(/api/v1/\S+/)", text)
        confirm = client.post(link[2], content_type="application/json", **env) if link else None
        login = client.post(
            "/api/v1/rest-auth/login/",
            {"username": BOOK_USER, "password": BOOK_PASSWORD},
            content_type="application/json",
            **env,
        )
    finally:
        Site.objects.filter(pk=site.pk).update(domain=saved[0], name=saved[1])
        Site.objects.clear_cache()
        get_user_model().objects.filter(username=BOOK_USER).delete()
    return {
        "served_host": served,
        "register_status": register.status_code,
        "emails": len(mail.outbox),
        "link_host": link[1] if link else None,
        "confirm_status": confirm.status_code if confirm is not None else None,
        "login_status": login.status_code,
        "login_has_key": "key" in (login.json() if login.status_code == 200 else {}),
        "email_names_example_com": DJANGO_DEFAULT_DOMAIN in text,
        "email_names_served_host": served in text,
    }


#: Section name -> its producer, in the order they run.
PRODUCERS: dict[str, Callable[[], dict[str, Any]]] = {
    "basic_capture": basic_capture,
    "basic_refusals": basic_refusals,
    "password_in_traffic": password_in_traffic,
    "token_two_clients": token_two_clients,
    "token_contents": token_contents,
    "token_expiry": token_expiry,
    "drf_defaults": drf_defaults,
    "www_authenticate": www_authenticate,
    "book_accounts": book_accounts,
    "third_party_jwt": evidence_third_party.third_party_jwt,
}


#: The sections that time something (beside ``none``): run alone, with the real hasher,
#: before anything else starts competing for the CPU. The others check behaviour only.
TIMED = ("third_party_jwt",)


def collect(names: Iterable[str] | None = None) -> dict[str, Any]:
    """The evidence sections ``names`` (default: all), in :data:`PRODUCERS` order; one
    that fails records its error instead of a figure."""
    wanted = set(PRODUCERS if names is None else names)
    out: dict[str, Any] = {}
    for name, produce in PRODUCERS.items():
        if name not in wanted:
            continue
        try:
            out[name] = produce()
        except Exception as exc:  # one failed piece must not lose the others
            out[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return out


def collect_untimed() -> dict[str, Any]:
    """The sections outside :data:`TIMED`, logged in on the seeded account hashed with
    the flow hasher (infra/inprocess.py ``flow_account``): no figure of theirs depends
    on the hash's cost, and at the real PBKDF2 cost their ~90 logins took 46 s of
    ``make bench``. They time nothing, so it runs them beside the instruction counts."""
    from benchmarks.harness import flow_account

    with flow_account(*_user()):
        return collect(name for name in PRODUCERS if name not in TIMED)
