"""Hostile input, generated: every scheme answers 200/400/401/403/405, never a 5xx,
and a 200 only ever names the user whose credential was sent.

Three fuzzers run per scheme of the registry: the credential header (``Authorization``
or the scheme's own), the ``Cookie`` header (session and CSRF, with ``X-CSRFToken``),
and request bodies sent to the scheme's flow views and to ``whoami/``. Strings model
the wire: a WSGI server hands Django each header byte as one latin-1 character, so
header text is drawn from U+0000..U+00FF (arbitrary bytes, non-UTF-8 included).
Generated values are mixed with real credentials of two users, whole or mutated,
so that "a 200 names the right user" is tested on values that can succeed.

``FUZZ=long`` runs ten times as many examples (``make fuzz``). It is a knob of this
test file only, not of the lab, so it is read here rather than in ``lab/env.py``
(which holds what the served lab reacts to).
"""

from __future__ import annotations

import base64
import json
import logging
import os
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemes import registry
from schemes.base import Credential, Scheme
from schemes.transports import DjangoClientTransport
from tests.conftest import PASSWORD

# --- budget ------------------------------------------------------------------------------
#: ``FUZZ=long``: ten times the examples (``make fuzz``); ``FUZZ=short``: a tenth (the
#: PostgreSQL re-run in tests/test_fuzz_postgres.py).
SCALE = {"long": 10, "short": 0.1}.get(os.environ.get("FUZZ", "").lower(), 1)
#: Examples per scheme and fuzzer in ``make test``: 400 + 200 + 400 = 1000 per stock
#: scheme, a quarter of that per tuned variant (:func:`budget`), and 400 over the account
#: endpoints; ``make fuzz`` runs ten times more.
EXAMPLES = {
    name: max(int(n * SCALE), 10)
    for name, n in {"header": 400, "cookie": 200, "body": 400, "accounts": 400}.items()
}
#: A tuned variant (``variant_of``) parses its credential with its stock scheme's class
#: and serves its stock scheme's login/logout views; it replaces only the lookup behind
#: the parser (a cache, one indexed query, a token type). The stock scheme's full budget
#: drives the shared parser and views; every example that gets past the parser (real,
#: mutated and garbage credentials alike) reaches the variant's own lookup, so a quarter
#: still sends it about a hundred headers, fifty cookies and 25+ bodies per view, each
#: strategy branch (garbage, Basic pairs, raw bytes, mutated real credentials) drawn
#: dozens of times. ``make fuzz`` gives variants their full budget.
VARIANT_SHARE = 1 if SCALE > 1 else 0.25
#: 413: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (refused before it is read).
ALLOWED = {200, 400, 401, 403, 405, 413}
FUZZ_SETTINGS = {
    "deadline": None,  # timing is not the property; a slow example is not a failure
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "print_blob": True,
}

BOB_PASSWORD = "another-correct-horse-battery"
USERS = {"alice": PASSWORD, "bob": BOB_PASSWORD}
ALL_SCHEMES = [pytest.param(s, id=s.name) for s in registry.all_schemes()]

# --- wire-level building blocks ------------------------------------------------------------
LATIN1 = st.characters(max_codepoint=0xFF)
wire_text = st.text(LATIN1, max_size=200)
wire_bytes = st.binary(max_size=200).map(lambda b: b.decode("latin-1"))
#: Longest generated value: past every bound the lab has (a 150/254-character column,
#: SQLite's 50,000-byte LIKE pattern, the 4096-character password, the 1 MiB body).
HUGE = 2_000_000


def repeated(blocks: list[str]):
    """One of ``blocks`` repeated 0..HUGE times: 0 bytes to megabytes (8 MB of emoji)."""
    return st.builds(lambda block, n: block * n, st.sampled_from(blocks), st.integers(0, HUGE))


def sized(small, blocks: list[str]):
    """``small`` three times in four, else a :func:`repeated` block."""
    return st.one_of(small, small, small, repeated(blocks))


#: Blocks for header text (latin-1, as a WSGI server hands header bytes over) and for
#: text inside JSON and Basic credentials (any Unicode: LIKE wildcards, escapes, emoji).
WIRE_BLOCKS = ["A", "=", ".", "%", "_", "\\", "\xff", " ", "a:b", "\x00"]
TEXT_BLOCKS = ["a", "%", "_", "\\", "\U0001f600", "\xe9", "a@b.c", " ", "\x00"]
long_value = repeated(WIRE_BLOCKS)
huge_text = sized(st.text(max_size=40), TEXT_BLOCKS)
b64 = st.binary(max_size=120).map(lambda b: base64.b64encode(b).decode())
hex_token = st.text("0123456789abcdef", min_size=1, max_size=80)
KEYWORDS = ["Basic", "Token", "Bearer", "JWT", "Digest", "basic", "TOKEN", "bearer", "", "Api-Key"]
SEPARATORS = [" ", "  ", "\t", "", ":", ",", " \x00 ", "\r\n "]
USERNAMES = [
    "alice",
    "bob",
    "nobody",
    "",
    "ALICE",
    "Alice@Example.com",
    "bob@example.com",
    "alice ",
    "\xe5lice",
    "alice\x00",
    "a" * 200,
]
PASSWORDS = [PASSWORD, BOB_PASSWORD, "wrong", "", PASSWORD.upper(), PASSWORD + " "]


def pair_owner(identifier: object, password: object) -> str | None:
    """The user a login identifier and password really belong to, else ``None``.

    allauth's backend (AUTHENTICATION_BACKENDS, for log-in by email) matches the
    username case-insensitively and also accepts the email address: all of these
    name the same user, so a 200 for ``ALICE`` or ``alice@example.com`` is right.
    DRF's login serializers also trim whitespace around the identifier (``CharField``),
    never around the password.
    """
    if not isinstance(identifier, str):
        return None
    key = identifier.strip().lower()
    owner = next((u for u in USERS if key in (u, f"{u}@example.com")), None)
    return owner if owner and USERS[owner] == password else None


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)
jwt_like = st.builds(
    lambda header, claims, sig: ".".join(
        [b64url(json.dumps(header).encode()), b64url(json.dumps(claims).encode()), sig]
    ),
    st.fixed_dictionaries({"alg": st.sampled_from(["none", "None", "HS256", "RS256", "HS512"])})
    | json_values,
    st.fixed_dictionaries(
        {
            "user_id": st.sampled_from([1, 2, "1", 0, -1, 10**30, None]),
            "token_type": st.sampled_from(["access", "refresh", ""]),
        },
        optional={"exp": st.integers(-(2**63), 2**63), "username": st.sampled_from(USERNAMES)},
    )
    | json_values,
    st.sampled_from(["", "x", "AAAA"]) | b64.map(lambda s: s.rstrip("=")),
)


@st.composite
def mutated(draw, value: str) -> str:
    """``value`` unchanged, or with one edit: append, truncate, replace, insert, case."""
    kind = draw(st.sampled_from(["same", "append", "truncate", "replace", "insert", "case"]))
    if kind == "same" or not value:
        return value
    at = draw(st.integers(0, len(value) - 1))
    if kind == "append":
        return value + draw(wire_text)
    if kind == "truncate":
        return value[:at]
    if kind == "replace":
        return value[:at] + draw(LATIN1) + value[at + 1 :]
    if kind == "insert":
        return value[:at] + draw(st.sampled_from([" ", "\t", ",", "\x00", "\xff"])) + value[at:]
    return value.swapcase()


# --- real credentials of two users ---------------------------------------------------------
@dataclass
class Issued:
    """Real credentials of alice and bob for one scheme, to send whole or mutated."""

    scheme: Scheme
    by_user: dict[str, Credential]

    def header_values(self) -> list[tuple[str, str, str]]:
        """``(header, value, owner)`` for every header a credential sends."""
        return [
            (name, value, owner)
            for owner, cred in self.by_user.items()
            for name, value in cred.headers.items()
        ]

    def cookie_values(self) -> list[tuple[str, str, str]]:
        """``(cookie, value, owner)`` for every cookie a credential sends."""
        return [
            (name, value, owner)
            for owner, cred in self.by_user.items()
            for name, value in cred.cookies.items()
        ]

    def secrets(self) -> list[tuple[str, str]]:
        """``(secret, owner)``: every string a body could carry (refresh tokens, keys)."""
        found = [(value, owner) for _, value, owner in self.header_values()]
        for owner, cred in self.by_user.items():
            found += [(v, owner) for v in cred.extra.values() if isinstance(v, str)]
        return found


@pytest.fixture
def issued(db, scheme) -> Issued:
    """alice's and bob's real credentials for ``scheme`` (none for the baseline)."""
    User = get_user_model()
    for name, password in USERS.items():
        User.objects.create_user(name, f"{name}@example.com", password)
    transport = DjangoClientTransport()
    return Issued(scheme, {name: scheme.obtain(transport, name, pw) for name, pw in USERS.items()})


#: Examples run per scheme in this session (printed at the end of the module: ``-s``).
RAN: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def examples_report():
    """Print how many examples each scheme got, for the record (visible with ``-s``)."""
    yield
    if RAN:
        print("\nfuzz examples per scheme:", dict(RAN), "total", RAN.total())


@pytest.fixture(autouse=True)
def quiet_request_log(caplog):
    """Keep only errors from ``django.request``: thousands of 4xx warnings cost time."""
    caplog.set_level(logging.ERROR, logger="django.request")


@contextmanager
def rolled_back():
    """Run one example in a savepoint that is rolled back, so examples cannot see
    each other's writes (a logout in one would change what the next one gets)."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def is_baseline(scheme: Scheme) -> bool:
    return scheme.is_baseline


def budget(scheme: Scheme, examples: int, floor: int = 10) -> int:
    """``examples`` for a stock scheme; :data:`VARIANT_SHARE` of it for a tuned variant."""
    return examples if scheme.variant_of is None else max(int(examples * VARIANT_SHARE), floor)


#: One client for every request: building a Client loads the middleware again, and
#: WhiteNoise then rescans every static file (~90 ms). Its jar is emptied per request.
CLIENT = Client(enforce_csrf_checks=True)


def send(
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes = b"",
    content_type: str = "application/json",
):
    """One request that carries only ``headers``: nothing from a cookie jar."""
    CLIENT.cookies.clear()
    return CLIENT.generic(method, path, data=body, content_type=content_type, headers=headers)


def check(
    response, owners: set[str], *, anonymous: bool = False, also: frozenset = frozenset()
) -> None:
    """The fuzz property: an allowed status, JSON on refusal, and a 200 names one of
    ``owners`` (the users whose real credential was sent); ``anonymous``: the
    baseline, whose 200 names nobody; ``also``: statuses allowed besides ``ALLOWED``."""
    status = response.status_code
    assert status in ALLOWED | also, (status, response.content[:500])
    if status != 200:
        assert response["Content-Type"].startswith("application/json"), response.content[:500]
        if status in (401, 403):
            assert isinstance(response.json()["detail"], str)
        return
    named = response.json().get("username") if "json" in response["Content-Type"] else None
    if anonymous:
        assert named is None
        return
    assert owners, f"200 with no real credential sent: {response.content[:500]!r}"
    if named is not None:
        assert named in owners, (named, owners)


# --- 1. the credential header ----------------------------------------------------------------
def header_cases(issued: Issued):
    """``(header, value, owners)``: real or mutated credentials, Basic pairs, garbage."""
    real = issued.header_values()
    header_names = sorted({name for name, _, _ in real} | {"Authorization"})
    strategies = [
        st.builds(
            lambda kw, sep, payload, name: (name, f"{kw}{sep}{payload}", set()),
            st.sampled_from(KEYWORDS) | wire_text,
            st.sampled_from(SEPARATORS),
            wire_text | wire_bytes | b64 | hex_token | jwt_like | long_value,
            st.sampled_from(header_names),
        ),
        st.builds(
            lambda user, pw, enc: (
                "Authorization",
                "Basic " + base64.b64encode(f"{user}:{pw}".encode(enc, "replace")).decode(),
                {pair_owner(user, pw)} - {None},
            ),
            st.sampled_from(USERNAMES) | wire_text | huge_text,
            st.sampled_from(PASSWORDS) | wire_text | huge_text,
            st.sampled_from(["utf-8", "latin-1"]),
        ),
        st.builds(
            lambda name, v: (name, v, set()), st.sampled_from(header_names), wire_bytes | long_value
        ),
    ]
    if real:
        strategies.append(
            st.sampled_from(real).flatmap(
                lambda r: mutated(r[1]).map(lambda v, r=r: (r[0], v, {r[2]}))
            )
        )
    return st.one_of(strategies)


@pytest.mark.parametrize("scheme", ALL_SCHEMES)
def test_credential_header_fuzz(scheme, issued):
    @settings(max_examples=budget(scheme, EXAMPLES["header"]), **FUZZ_SETTINGS)
    @given(case=header_cases(issued), method=st.sampled_from(["GET", "POST"]))
    def run(case, method):
        name, value, owners = case
        RAN[scheme.name] += 1
        with rolled_back():
            response = send(method, scheme.url("whoami"), {name: value})
        check(response, owners, anonymous=is_baseline(scheme))

    run()


# --- 2. the Cookie header --------------------------------------------------------------------
SESSION, CSRF = django_settings.SESSION_COOKIE_NAME, django_settings.CSRF_COOKIE_NAME
cookie_token = st.text(st.characters(max_codepoint=0xFF, exclude_characters=";"), max_size=80)


def cookie_cases(issued: Issued):
    """``(Cookie header, X-CSRFToken or None, owners)``, with real cookies mixed in."""
    real = issued.cookie_values()
    pieces = [
        st.builds(
            lambda n, v: (f"{n}={v}", None),
            st.sampled_from([SESSION, CSRF, "", "x"]) | cookie_token,
            cookie_token | long_value,
        ),
    ]
    if real:
        pieces.append(
            st.sampled_from(real).flatmap(
                lambda r: mutated(r[1]).map(
                    # Any credential cookie can name its owner (sessionid, a JWT cookie).
                    lambda v, r=r: (f"{r[0]}={v}", r[2] if r[0] != CSRF else None)
                )
            )
        )
    csrf_values = [v for n, v, _ in real if n == CSRF]
    csrf_header = st.none() | cookie_token
    if csrf_values:
        csrf_header = csrf_header | st.sampled_from(csrf_values).flatmap(mutated)
    return st.builds(
        lambda parts, sep, raw, token: (
            raw if raw is not None else sep.join(p for p, _ in parts),
            token,
            set() if raw is not None else {o for _, o in parts if o},
        ),
        st.lists(st.one_of(pieces), max_size=5),
        st.sampled_from(["; ", ";", ";;", " ; ", ", "]),
        st.none() | wire_text | wire_bytes,
        csrf_header,
    )


@pytest.mark.parametrize("scheme", ALL_SCHEMES)
def test_cookie_fuzz(scheme, issued):
    @settings(max_examples=budget(scheme, EXAMPLES["cookie"]), **FUZZ_SETTINGS)
    @given(case=cookie_cases(issued), method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]))
    def run(case, method):
        cookie, csrf, owners = case
        RAN[scheme.name] += 1
        headers = {"Cookie": cookie} | ({"X-CSRFToken": csrf} if csrf is not None else {})
        with rolled_back():
            response = send(method, scheme.url("whoami"), headers)
        check(response, owners, anonymous=is_baseline(scheme))
        if response.status_code == 200 and method != "GET" and scheme.properties.csrf_on_unsafe:
            assert csrf, "an unsafe method passed without X-CSRFToken"

    run()


# --- 3. request bodies to the flow views and whoami/ ----------------------------------------
#: Content types the lab parses; each encodes the body its own way below.
FORM = "application/x-www-form-urlencoded"
CONTENT_TYPES = ["application/json", FORM, "multipart/form-data; boundary=BoUnDaRy"]
PARSED = {c.split(";")[0] for c in CONTENT_TYPES}
CHARSETS = [
    "",
    "; charset=utf-8",
    "; charset=latin-1",
    "; charset=utf-16",
    "; charset=bz2_codec",
    "; charset=nope",
]


def login_fields(issued: Issued):
    """A dict with login-ish keys: username/password pairs, secrets, junk; and its owners."""
    secrets = issued.secrets()
    secret = st.sampled_from(secrets) if secrets else st.nothing()
    return st.builds(
        lambda user, pw, token, extra: (
            {**extra, "username": user, "password": pw}
            | ({"refresh": token[0], "token": token[0]} if token else {}),
            {pair_owner(user, pw)} - {None} | ({token[1]} if token else set()),
        ),
        st.sampled_from(USERNAMES) | json_values | huge_text,
        st.sampled_from(PASSWORDS) | json_values | huge_text,
        st.none() | secret.flatmap(lambda s: mutated(s[0]).map(lambda v, s=s: (v, s[1]))),
        st.dictionaries(st.text(max_size=10), json_values, max_size=3),
    )


def encode(fields: object, content_type: str) -> bytes:
    """Encode a body for ``content_type``: JSON, form fields, or one multipart part."""
    if content_type.startswith("application/json"):
        return json.dumps(fields).encode("utf-8", "surrogatepass")
    flat = fields.items() if isinstance(fields, dict) else [("value", fields)]
    pairs = [(str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in flat]
    if content_type.startswith(FORM):
        return urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode()
    parts = [
        f'--BoUnDaRy\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in pairs
    ]
    return ("".join(parts) + "--BoUnDaRy--\r\n").encode("utf-8", "surrogatepass")


def body_cases(issued: Issued):
    """``(content type, body bytes, owners)``: structured, raw and hostile bodies."""
    structured = st.builds(
        lambda fields_owners, ctype, charset: (
            ctype + charset,
            encode(fields_owners[0], ctype),
            fields_owners[1],
        ),
        login_fields(issued) | json_values.map(lambda v: (v, set())),
        st.sampled_from(CONTENT_TYPES),
        st.sampled_from(CHARSETS),
    )
    raw = st.builds(
        lambda ctype, body: (ctype, body, set()),
        st.sampled_from(CONTENT_TYPES) | st.sampled_from(["", "application/json; charset"]),
        st.binary(max_size=300)
        | wire_text.map(str.encode)
        | huge_text.map(lambda t: t.encode("utf-8", "surrogatepass"))
        | st.sampled_from(
            [b"1e999", b"-1e999", b'"\\ud800"', b'{"\\udfff": 1}', b"NaN", b"[" * 500]
        ),
    )
    return structured | raw


def body_params() -> list:
    """(scheme, action) for every flow view of every scheme, and every ``whoami/``."""
    return [
        pytest.param(s, action, id=f"{s.name}-{action}")
        for s in registry.all_schemes()
        for action in [*s.actions, "whoami"]
    ]


@pytest.mark.parametrize(("scheme", "action"), body_params())
def test_body_fuzz(scheme, action, issued):
    actions = len(scheme.actions) + 1
    examples = budget(scheme, max(EXAMPLES["body"] // actions, 50), floor=25)

    @settings(max_examples=examples, **FUZZ_SETTINGS)
    @given(case=body_cases(issued), method=st.sampled_from(["POST"] * 6 + ["GET", "PUT", "PATCH"]))
    def run(case, method):
        content_type, body, owners = case
        RAN[scheme.name] += 1
        with rolled_back():
            response = send(method, scheme.url(action), {}, body, content_type)
        # A body with no media type (or one not parsed) gets DRF's 415, as it should;
        # whoami/ parses JSON only.
        media_type = content_type.split(";")[0]
        parsed = media_type in PARSED and (action != "whoami" or media_type == "application/json")
        also = frozenset() if parsed else frozenset({415})
        check(response, owners, anonymous=is_baseline(scheme) and action == "whoami", also=also)

    run()


# --- 3b. the account endpoints (dj-rest-auth and allauth registration) ----------------------
ACCOUNT_PATHS = [
    "/api/v1/dj-rest-auth/login/",
    "/api/v1/dj-rest-auth/registration/",
    "/api/v1/dj-rest-auth/password/reset/",
    "/api/v1/dj-rest-auth/password/reset/confirm/",
    "/api/v1/dj-rest-auth/registration/verify-email/",
]
#: Every field those views read; each value from 0 bytes to megabytes.
ACCOUNT_FIELDS = [
    "username",
    "email",
    "password",
    "password1",
    "password2",
    "new_password1",
    "new_password2",
    "uid",
    "token",
    "key",
]
account_values = st.sampled_from(USERNAMES + PASSWORDS) | huge_text | json_values


@pytest.mark.parametrize("path", ACCOUNT_PATHS)
def test_account_body_fuzz(path, db):
    @settings(max_examples=max(EXAMPLES["accounts"] // len(ACCOUNT_PATHS), 10), **FUZZ_SETTINGS)
    @given(
        fields=st.dictionaries(st.sampled_from(ACCOUNT_FIELDS), account_values, max_size=5),
        content_type=st.sampled_from(CONTENT_TYPES),
    )
    def run(fields, content_type):
        RAN["accounts"] += 1
        with rolled_back():
            response = send("POST", path, {}, encode(fields, content_type), content_type)
        # No user exists: a 200 (reset mail "sent") or 201 (registered) names nobody;
        # 404: verify-email with an unknown key.
        # 429: allauth's own rate limits (password reset per address) count in the cache.
        check(response, set(), anonymous=True, also=frozenset({201, 404, 429}))

    run()


# --- 4. bodies that used to reach a 500 (found by the fuzzers above) ------------------------
#: Each was a 500 before ``schemes.parsers.StrictJSONParser``: a value the renderer cannot
#: write back (``inf``, a lone surrogate) or ``RecursionError`` from the decoder.
HOSTILE_JSON = {
    "out-of-range-number": b'{"username": 1e999, "password": -1e999}',
    "lone-surrogate": b'{"username": "\\ud800", "password": "x"}',
    "lone-surrogate-key": b'{"\\udfff": 1}',
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
    "deep-objects": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "nan-literal": b'{"username": NaN}',
    "huge-integer": b"9" * 5_000,
}


def hostile_json_params() -> list:
    """Every (scheme, action, body)."""
    return [
        pytest.param(s, action, body, id=f"{s.name}-{action}-{label}")
        for s in registry.all_schemes()
        for action in [*s.actions, "whoami"]
        for label, body in HOSTILE_JSON.items()
    ]


@pytest.mark.parametrize(("scheme", "action", "body"), hostile_json_params())
def test_hostile_json_is_refused(scheme, action, body, db):
    RAN[scheme.name] += 1
    response = send("POST", scheme.url(action), {}, body)
    if is_baseline(scheme) and action == "whoami":
        assert response.status_code == 400, response.content[:300]
    check(response, set(), anonymous=is_baseline(scheme))
