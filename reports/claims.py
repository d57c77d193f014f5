"""The "Django for APIs" notes' claims about the schemes, tested against one run.

Each claim is data: its words, where it comes from, the rule that decides it, and
a judge that computes the verdict and its evidence from the run. Adding a claim
is adding one :class:`Claim` to :data:`CLAIMS`. A judge never hard-codes an
outcome: it reads the measured figures and the schemes' ``properties``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reports import fmt
from reports.collect import Run, is_baseline
from reports.figures import request_ratio
from reports.noise import (
    cheapest_named,
    cost_factor,
    factor_interval,
    factor_text,
    noise_triggers,
    threshold_note,
)

CONFIRMED = "confirmed"
REFUTED = "refuted"
DEPENDS = "it depends"
NOT_MEASURED = "not measured"
VERDICTS = (CONFIRMED, REFUTED, DEPENDS, NOT_MEASURED)

NOTES = "Django for APIs notes"
#: Largest header a browser keeps in one cookie, and below the 8 KiB many proxies allow.
HEADER_LIMIT_BYTES = 4096
#: Credential kinds (``Carrier.kind``) the notes call token authentication.
TOKEN_KINDS = ("token", "jwt")


@dataclass(frozen=True)
class Finding:
    """A claim's verdict and the measured figures it rests on."""

    claim: Claim
    verdict: str
    evidence: tuple[str, ...]
    #: Why the verdict may not hold up (a noisy run for a claim decided by timings).
    caveat: str = ""


@dataclass(frozen=True)
class Claim:
    """A claim from the notes, the rule that decides it and the judge applying that rule."""

    key: str
    text: str
    source: str
    rule: str
    judge: Callable[[Run], tuple[str, list[str]]]
    #: Decided by timings (so a noisy run weakens it), not by counts, bytes or properties.
    timed: bool = False

    def test(self, run: Run) -> Finding:
        """Judge the claim on ``run``."""
        verdict, evidence = self.judge(run)
        assert verdict in VERDICTS, verdict
        caveat = ""
        if self.timed and verdict != NOT_MEASURED and run.noise.get("noisy"):
            caveat = (
                f"noisy run ({'; '.join(noise_triggers(run.noise)) or 'flagged'}): see the "
                "warning at the top before relying on this timing verdict"
            )
        return Finding(self, verdict, tuple(evidence), caveat)


# --- helpers the judges share ----------------------------------------------------


def _scheme(run: Run, name: str) -> dict[str, Any] | None:
    entry = run.by_name.get(name)
    return entry if entry and entry.get("request_us") is not None else None


def _authenticated(run: Run, *exclude: str) -> list[dict[str, Any]]:
    """Measured schemes other than the baseline (and ``exclude``)."""
    return [
        s
        for s in run.schemes
        if not is_baseline(s["scheme"])
        and s["scheme"] not in exclude
        and s.get("request_us") is not None
    ]


def credential_kind(entry: dict[str, Any]) -> str | None:
    """What the scheme's credential is: the ``kind`` of its first declared carrier."""
    carriers = entry["properties"].get("carriers") or []
    return carriers[0].get("kind") if carriers else None


def _token_style(run: Run) -> list[dict[str, Any]]:
    """Schemes whose credential is a token: opaque (looked up) or a JWT."""
    return [s for s in _authenticated(run) if credential_kind(s) in TOKEN_KINDS]


def _cost(run: Run, entry: dict[str, Any]) -> str:
    """``name: 412 µs (IQR 20.1; 2.29× none)``."""
    times = fmt.ratio(request_ratio(run, entry))
    iqr = entry.get("request_iqr_us")
    spread = "" if iqr is None else f"IQR {fmt.us(iqr)}; "
    return f"{entry['scheme']}: {fmt.us(entry['request_us'])} µs ({spread}{times} none)"


def _baseline(run: Run) -> str:
    return f"none (baseline): {fmt.us(run.baseline['request_us'])} µs per request"


def split_verdict(holds: list[bool]) -> str:
    """Confirmed when the claim holds in every case, refuted in none, else it depends."""
    return CONFIRMED if all(holds) else REFUTED if not any(holds) else DEPENDS


def _missing(*names: str) -> tuple[str, list[str]]:
    return NOT_MEASURED, [f"{', '.join(names)} not measured in this run"]


# --- the judges ------------------------------------------------------------------


def basic_verifies_password(run: Run) -> tuple[str, list[str]]:
    """Basic re-verifies the password on every request: costly next to a token lookup."""
    basic = _scheme(run, "basic")
    others = _authenticated(run, "basic")
    if basic is None or not others:
        return _missing("basic" if basic is None else "other schemes")
    cheapest, cheapest_text = cheapest_named(others, lambda s: _cost(run, s))
    factor = cost_factor(basic, cheapest)
    # The password itself is the credential, so it is verified per request (declared),
    # or a hash was observed running (measured).
    hashes = credential_kind(basic) == "password" or "hash" in (basic.get("crypto") or "")
    evidence = [
        _baseline(run),
        _cost(run, basic),
        f"basic per request: queries {fmt.count(basic['queries'])}, crypto: "
        f"{fmt.text(basic.get('crypto'))}",
        f"cheapest other scheme, {cheapest_text}: basic costs {fmt.ratio(factor)} that",
        *_hasher_evidence(run),
    ]
    verdict = DEPENDS
    if (basic["queries"] or 0) >= 1 and hashes and factor >= 10:
        verdict = CONFIRMED
    elif factor < 2:
        verdict = REFUTED
    note = threshold_note("basic over the cheapest", factor_interval(basic, cheapest), 10, 2)
    return (verdict, evidence) if note is None else (DEPENDS, [*evidence, note])


def _hasher_evidence(run: Run) -> list[str]:
    rows = [h for h in run.dimensions.get("hashers", []) if h.get("basic_request_us") is not None]
    if not rows:
        return []
    parts = [
        f"{h['hasher']}{' (insecure)' if h.get('insecure') else ''} "
        f"{fmt.us(h['basic_request_us'])} µs"
        for h in sorted(rows, key=lambda h: h["basic_request_us"])
    ]
    return ["basic per request by hasher: " + ", ".join(parts)]


def session_lookup_fast(run: Run) -> tuple[str, list[str]]:
    """A session lookup (one indexed read) costs about what a token lookup costs."""
    session = _scheme(run, "session")
    # The rule's "token scheme": a credential of a token kind (opaque or JWT), not a
    # cached password (basic-cached) or another session store (session-cache).
    others = _token_style(run)
    if session is None or not others:
        return _missing("session" if session is None else "token schemes")
    cheapest, cheapest_text = cheapest_named(others, lambda s: _cost(run, s))
    vs_cheapest = cost_factor(session, cheapest)
    basic = _scheme(run, "basic")
    evidence = [
        _baseline(run),
        _cost(run, session),
        f"session per request: queries {fmt.count(session['queries'])}, authenticate() "
        f"{fmt.us(session['authenticate_us'])} µs",
        f"cheapest token scheme, {cheapest_text}: session costs "
        f"{factor_text(session, cheapest)} {cheapest['scheme']}",
    ]
    vs_basic = None
    if basic is not None:
        vs_basic = cost_factor(basic, session)
        evidence.append(f"basic costs {fmt.ratio(vs_basic)} a session request")
    engines = run.dimensions.get("session_engines", [])
    if engines:
        evidence.append(
            "by session engine: "
            + ", ".join(f"{e['engine']} {fmt.us(e.get('request_us'))} µs" for e in engines)
        )
    verdict = DEPENDS
    if vs_cheapest <= 2 and (vs_basic is None or vs_basic >= 10):
        verdict = CONFIRMED
    elif vs_cheapest > 5 or (vs_basic is not None and vs_basic < 2):
        verdict = REFUTED
    note = threshold_note("session over the cheapest", factor_interval(session, cheapest), 2, 5)
    return (verdict, evidence) if note is None else (DEPENDS, [*evidence, note])


def session_cookie_every_request(run: Run) -> tuple[str, list[str]]:
    """The session cookie travels with every request, GET and POST alike."""
    session = run.by_name.get("session")
    if session is None or session.get("credential_bytes") is None:
        return _missing("session credential bytes")
    get_b, post_b = session["credential_bytes"], session.get("credential_bytes_post")
    evidence = [
        f"transport: {fmt.text(session['properties'].get('transport'))}",
        f"session credential per GET: {fmt.nbytes(get_b)}, per POST: {fmt.nbytes(post_b)}"
        " (cookie, plus the CSRF header on writes)",
    ]
    extra = session.get("response_extra_headers") or []
    if session.get("response_extra_bytes"):
        evidence.append(
            f"responses grow by {fmt.nbytes(session['response_extra_bytes'])} "
            f"({', '.join(extra) or 'extra headers'})"
        )
    token = run.by_name.get("token")
    if token and token.get("credential_bytes") is not None:
        evidence.append(
            f"for comparison, DRF token header: {fmt.nbytes(token['credential_bytes'])}"
        )
    if get_b > 0 and (post_b is None or post_b > 0):
        return CONFIRMED, evidence
    return REFUTED, evidence


def tokens_stateless(run: Run) -> tuple[str, list[str]]:
    """Token servers keep no record of the user: nothing looked up per request."""
    tokens = _token_style(run)
    if not tokens:
        return _missing("token schemes")
    evidence = []
    kept = []
    for s in tokens:
        stateless = s["queries"] == 0 and s["properties"].get("stateless", False)
        kept.append(not stateless)
        evidence.append(
            f"{s['scheme']}: queries per request {fmt.count(s['queries'])}, stores "
            f"{fmt.text(s['properties'].get('stored_at_rest'))}"
        )
    return split_verdict([not k for k in kept]), evidence


def jwt_size(run: Run) -> tuple[str, list[str]]:
    """A JWT is much longer than an opaque token and grows with every claim."""
    jwt = run.by_name.get("jwt")
    token = run.by_name.get("token") or run.by_name.get("knox")
    if not jwt or jwt.get("credential_bytes") is None:
        return _missing("jwt credential bytes")
    evidence = [f"jwt credential per request: {fmt.nbytes(jwt['credential_bytes'])}"]
    size_ratio = None
    if token and token.get("credential_bytes"):
        size_ratio = jwt["credential_bytes"] / token["credential_bytes"]
        evidence.append(
            f"{token['scheme']} credential: {fmt.nbytes(token['credential_bytes'])} "
            f"(JWT is {fmt.ratio(size_ratio)})"
        )
    sizes = [jwt["credential_bytes"]]
    claims = run.dimensions.get("jwt_claims", [])
    if claims:
        small, big = claims[0], max(claims, key=lambda c: c.get("token_bytes") or 0)
        sizes.append(big.get("header_bytes") or big.get("token_bytes") or 0)
        evidence.append(
            f"token by claims: {fmt.nbytes(small.get('token_bytes'))} with "
            f"{_claims(small)}, {fmt.nbytes(big.get('token_bytes'))} with {_claims(big)}"
        )
    algs = run.dimensions.get("jwt_algorithms", [])
    if algs:
        evidence.append(
            "token by algorithm: "
            + ", ".join(f"{a['algorithm']} {fmt.nbytes(a.get('token_bytes'))}" for a in algs)
        )
        sizes.append(max(a.get("token_bytes") or 0 for a in algs))
    if jwt.get("load_bytes_per_request") and token and token.get("load_bytes_per_request"):
        evidence.append(
            f"bytes per request under load: jwt {fmt.nbytes(jwt['load_bytes_per_request'])}, "
            f"{token['scheme']} {fmt.nbytes(token['load_bytes_per_request'])}"
        )
    if max(sizes) >= HEADER_LIMIT_BYTES:
        return CONFIRMED, evidence
    if size_ratio is not None and size_ratio < 1.5 and max(sizes) < 1024:
        return REFUTED, evidence
    return DEPENDS, evidence


def _claims(row: dict[str, Any]) -> str:
    n = len(row.get("claims") or [])
    return f"{n} claim{'' if n == 1 else 's'}"


def drf_token_no_expiry(run: Run) -> tuple[str, list[str]]:
    """DRF's TokenAuthentication: a key never expires (from the declared properties)."""
    token = run.by_name.get("token")
    if token is None:
        return _missing("token")
    props = token["properties"]
    evidence = [
        f"token expiry: {fmt.text(props.get('expiry'))} "
        f"(expiry_seconds {fmt.text(props.get('expiry_seconds'), 'null')})",
        f"revocation: {fmt.text(props.get('revocation'))}",
        *(
            f"for comparison, {s['scheme']} expires after "
            f"{fmt.seconds(s['properties']['expiry_seconds'])}"
            for s in _token_style(run)
            if s["properties"].get("expiry_seconds") is not None
        ),
    ]
    return (CONFIRMED if props.get("expiry_seconds") is None else REFUTED), evidence


def drf_token_one_per_user(run: Run) -> tuple[str, list[str]]:
    """DRF's TokenAuthentication: one key per user, shared by all their clients."""
    token = run.by_name.get("token")
    same = None if token is None else token.get("login_repeat_same_credential")
    if same is None:
        return _missing("a repeated token login (login_repeat_same_credential)")
    evidence = [
        "a second login for the same user returned "
        + ("the same key" if same else "a different key"),
        f"SQL writes at the first login: {fmt.count(token.get('login_writes'))}",
    ]
    knox = run.by_name.get("knox")
    if knox is not None and knox.get("login_repeat_same_credential") is not None:
        again = "the same" if knox["login_repeat_same_credential"] else "a new"
        evidence.append(f"for comparison, a second knox login returned {again} token")
    rows = run.dimensions.get("knox_tokens", [])
    if rows:
        most = max(r["tokens_per_user"] for r in rows)
        evidence.append(f"knox was measured with up to {most:,} live tokens for one user")
    return (CONFIRMED if same else REFUTED), evidence


def jwt_revocation(run: Run) -> tuple[str, list[str]]:
    """A JWT access token cannot be revoked: logging out leaves it valid until expiry."""
    jwts = [s for s in _authenticated(run) if credential_kind(s) == "jwt"]
    if not jwts:
        return _missing("jwt schemes")
    evidence = [
        f"{s['scheme']}: logout immediate: {fmt.yes_no(s['properties'].get('logout_immediate'))}; "
        f"expiry {fmt.text(s['properties'].get('expiry'))}; "
        f"{fmt.text(s['properties'].get('revocation'))}"
        for s in jwts
    ]
    stuck = [not s["properties"].get("logout_immediate", True) for s in jwts]
    return split_verdict(stuck), evidence


CLAIMS: tuple[Claim, ...] = (
    Claim(
        "basic-every-request",
        "Basic authentication makes the server look up and verify the password on every "
        "request, which is inefficient.",
        NOTES,
        "confirmed when Basic runs a query and a password hash per request and costs ≥10× the "
        "cheapest other scheme; refuted under 2×; otherwise it depends",
        basic_verifies_password,
        timed=True,
    ),
    Claim(
        "session-lookup-fast",
        "With sessions the server only looks up the session ID, which is fast.",
        NOTES,
        "confirmed when a session request costs ≤2× the cheapest token scheme and ≥10× less "
        "than Basic; refuted above 5× or within 2× of Basic; otherwise it depends",
        session_lookup_fast,
        timed=True,
    ),
    Claim(
        "session-cookie-every-request",
        "The session cookie is sent on every request.",
        NOTES,
        "confirmed when the measured session credential is non-empty on GET and POST",
        session_cookie_every_request,
    ),
    Claim(
        "tokens-stateless",
        "Token authentication is stateless: the server keeps no record of the user.",
        NOTES,
        "per token scheme, stateless = 0 queries per request and no per-credential state; "
        "confirmed when all are, refuted when none are, otherwise it depends",
        tokens_stateless,
    ),
    Claim(
        "jwt-size",
        "A JWT carries its data, so its size can become a performance issue.",
        NOTES,
        f"confirmed when a measured JWT header reaches {HEADER_LIMIT_BYTES} B (a cookie's limit); "
        "refuted when it is <1.5× an opaque token and <1 KiB; otherwise it depends",
        jwt_size,
    ),
    Claim(
        "drf-token-no-expiry",
        "DRF's TokenAuthentication tokens never expire.",
        NOTES,
        "confirmed when the token scheme declares no expiry (expiry_seconds null)",
        drf_token_no_expiry,
    ),
    Claim(
        "drf-token-one-per-user",
        "DRF's TokenAuthentication gives a user one token, shared by all their clients.",
        NOTES,
        "confirmed when a second login for the same user returns the same key; refuted "
        "when it returns a new one",
        drf_token_one_per_user,
    ),
    Claim(
        "jwt-revocation",
        "A JWT cannot be revoked: after logout the access token works until it expires.",
        NOTES,
        "confirmed when no JWT scheme's logout stops the access token at once",
        jwt_revocation,
    ),
)


def judge_all(run: Run, claims: tuple[Claim, ...] = CLAIMS) -> list[Finding]:
    """Test every claim on ``run``, in order."""
    return [claim.test(run) for claim in claims]
