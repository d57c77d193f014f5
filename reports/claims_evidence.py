"""The notes' claims decided by their own evidence (issue 15): the in-process pieces of
``summary.json`` ``evidence`` (benchmarks/evidence.py, ``make bench``), the browser's
(``browser_claims.json``, ``make browser-claims``) and two servers' (``make multiserver``).

A claim whose evidence is absent is "not measured" and names the make target to run.
Schemes are picked by what they declare (carrier kinds, formats, crypto), not by name.
"""

from __future__ import annotations

import json
from typing import Any

from reports import fmt
from reports.claims import (
    CONFIRMED,
    DEPENDS,
    NOT_MEASURED,
    REFUTED,
    _cost,
    _scheme,
    credential_kind,
    split_verdict,
)
from reports.collect import Run

BENCH = "make bench"
BROWSER = "make browser-claims"
MULTISERVER = "make multiserver"
#: The browser claims' evidence file in a run folder (written by ``make browser-claims``).
BROWSER_FILE = "browser_claims.json"
MULTISERVER_FILE = "multiserver.json"
#: The statuses the notes say a wrong Basic credential gets.
NOTES_BASIC_STATUSES = (200, 403)
DRF_DEFAULT_PAIR = (
    "rest_framework.authentication.SessionAuthentication",
    "rest_framework.authentication.BasicAuthentication",
)

Verdict = tuple[str, list[str]]


def _absent(what: str, target: str) -> Verdict:
    return NOT_MEASURED, [f"{what} not in this run: run `{target}`"]


def evidence(run: Run, section: str) -> dict[str, Any] | None:
    """One in-process evidence section, or None when absent or failed."""
    found = (run.raw.get("evidence") or {}).get(section)
    return found if isinstance(found, dict) and found and "error" not in found else None


def folder_evidence(run: Run, filename: str, section: str) -> dict[str, Any] | None:
    """One section of an evidence file a make target wrote into the run folder."""
    try:
        data = json.loads((run.run_dir / filename).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    found = data.get(section) if isinstance(data, dict) else None
    return found if isinstance(found, dict) and found and "error" not in found else None


def _declares(entry: dict[str, Any], *words: str) -> bool:
    """Whether a scheme's carriers (kind, format) or per-request crypto name one of ``words``."""
    props = entry["properties"]
    texts = [str(props.get("crypto_per_request") or ""), str(props.get("issuer") or "")]
    for carrier in props.get("carriers") or []:
        texts += [str(carrier.get("kind") or ""), str(carrier.get("format") or "")]
    return any(w.lower() in t.lower() for w in words for t in texts)


# --- in-process evidence (make bench) ----------------------------------------------


def basic_readable(run: Run) -> Verdict:
    """Claim 1: a captured Basic header decodes to the password and replays."""
    got = evidence(run, "basic_capture")
    if got is None:
        return _absent("the Basic capture (evidence.basic_capture)", BENCH)
    readable, replays = got["decoded_is_username_password"], got["replay_status"] == 200
    lines = [
        f"captured header ({fmt.nbytes(got['header_bytes'])}) base64-decodes to "
        + ("username:password" if readable else "something else"),
        f"the same header sent by another client: HTTP {got['replay_status']}",
    ]
    return (CONFIRMED if readable and replays else REFUTED), lines


def basic_wrong_status(run: Run) -> Verdict:
    """Claim 2: the notes' "200 OK or 403 Forbidden" against DRF's real answers."""
    got = evidence(run, "basic_refusals")
    if got is None:
        return _absent("Basic refusals (evidence.basic_refusals)", BENCH)
    lines = [
        f"{case}: HTTP {r['status']}, WWW-Authenticate: {fmt.text(r['www_authenticate'])}"
        for case, r in got.items()
    ]
    said = [r["status"] in NOTES_BASIC_STATUSES for r in got.values()]
    if not any(said):
        lines.append("the notes are wrong: DRF answers 401 with a challenge, never 200 or 403")
    return split_verdict(said), lines


def session_password_once(run: Run) -> Verdict:
    """Claim 3: a session client sends the password once; a Basic client every time."""
    got = evidence(run, "password_in_traffic")
    if got is None or "session" not in got:
        return _absent("password counts (evidence.password_in_traffic)", BENCH)
    lines = [
        f"{name}: {r['carrying_password']} of {r['requests']} requests carry the password"
        for name, r in got.items()
    ]
    session = got["session"]
    if session["carrying_password"] == 1 and session["requests"] > 1:
        return CONFIRMED, lines
    return (REFUTED if session["carrying_password"] >= session["requests"] else DEPENDS), lines


def token_several_frontends(run: Run) -> Verdict:
    """Claim 9: one token works from two clients (web origin, mobile-like client)."""
    got = evidence(run, "token_two_clients")
    if got is None:
        return _absent("tokens from two clients (evidence.token_two_clients)", BENCH)
    works = {name: all(s == 200 for s in r["statuses"]) for name, r in got.items()}
    lines = [
        f"{name}: one token, two clients: HTTP {', '.join(map(str, r['statuses']))}"
        for name, r in got.items()
    ]
    browser = folder_evidence(run, BROWSER_FILE, "cross_origin")
    if browser is not None:
        lines.append(f"in Chromium from a second origin with CORS: {browser['token_status']}")
    return split_verdict(list(works.values())), lines


def token_carries_user(run: Run) -> Verdict:
    """Claim 10: a token carries the user's information (opaque keys do not)."""
    got = evidence(run, "token_contents")
    if got is None:
        return _absent("token contents (evidence.token_contents)", BENCH)
    lines = [_contents_line(name, r) for name, r in got.items()]
    carries = split_verdict([_carries_claims(r) for r in got.values()])
    limits = header_limits(run)
    if not limits:
        lines.append("servers' header limits not in this run: run `make bench` (SERVERS=1)")
        return carries, lines
    lines += [_limit_line(server, limit) for server, limit in limits.items()]
    bounded = {s: lim for s, lim in limits.items() if not lim.get("header_capped")}
    jwts = [r["token_bytes"] for r in got.values() if _carries_claims(r)]
    if bounded and jwts:
        tightest = min(bounded, key=lambda s: bounded[s]["header_token_bytes"] or 0)
        limit = bounded[tightest]["header_token_bytes"]
        lines.append(
            f"the largest JWT issued here ({fmt.nbytes(max(jwts))}) is "
            f"{100 * max(jwts) / limit:.1f}% of the tightest limit ({tightest}, "
            f"{fmt.nbytes(limit)}): every claim added spends that room"
        )
    if bounded or carries == REFUTED:
        return carries, lines
    lines.append("no server refused a JWT up to 1 MiB: its size did not matter to them")
    return DEPENDS, lines


def _carries_claims(row: dict[str, Any]) -> bool:
    """A captured token carries the user's claims: readable (a signed JWT) or encrypted
    (a JWE, ``format`` in runs since it was recorded)."""
    return bool(row["readable_claims"]) or row.get("format") == "jwe"


def _contents_line(name: str, row: dict[str, Any]) -> str:
    """What one captured token showed: its readable claims, ciphertext, or an opaque key."""
    size = fmt.nbytes(row["token_bytes"])
    if row["readable_claims"]:
        return f"{name}: {size}, claims readable by anyone: {', '.join(row['readable_claims'])}"
    if row.get("format") == "jwe":
        return f"{name}: {size} encrypted JWT (JWE): carries its claims, unreadable without the key"
    if not row["token_bytes"]:
        return (
            f"{name}: no token read from the captured credential (a {row.get('kind')} the "
            "producer looked for in the wrong place): rerun `make bench`"
        )
    return (
        f"{name}: {size} opaque random key: carries no user information (refuted for it; "
        "the server looks the user up)"
    )


def header_limits(run: Run) -> dict[str, dict[str, Any]]:
    """Per server, the header limits ``dimensions.servers`` measured (make bench)."""
    servers = (run.raw.get("dimensions") or {}).get("servers") or {}
    if not isinstance(servers, dict):
        return {}
    return {
        name: entry["header_limits"]
        for name, entry in servers.items()
        if isinstance(entry, dict) and entry.get("header_limits")
    }


def _limit_line(server: str, limit: dict[str, Any]) -> str:
    """``gunicorn-sync: largest JWT passed on ... ; one byte more: 431 (refused)``."""
    if limit.get("header_capped"):
        passed = fmt.nbytes(limit.get("header_token_bytes"))
        return f"{server}: no header limit up to 1 MiB (a {passed} JWT in Authorization passed)"
    line = (
        f"{server}: largest JWT passed on in Authorization: "
        f"{fmt.nbytes(limit.get('header_token_bytes'))} (header line "
        f"{fmt.nbytes(limit.get('header_max_bytes'))}); one byte more: "
        f"{fmt.text(limit.get('header_beyond'))}, "
        f"4x more: {fmt.text(limit.get('header_far_beyond'))}"
    )
    return line if limit.get("header_clear_4xx") else f"{line} (not a clear 4xx)"


def jwt_third_party(run: Run) -> Verdict:
    """Claim 11: JWTs issued by a third party (OIDC) verified by the lab: confirmed when a
    token signed in another process is accepted against the keys fetched from its issuer
    (one JWKS fetch on a cold cache, none once cached); refuted when it is not."""
    issued = [s for s in run.schemes if _declares(s, "third-party", "oidc", "jwks")]
    measured = [s for s in issued if _scheme(run, s["scheme"])]
    if not issued:
        return NOT_MEASURED, ["no third-party-issued JWT scheme in the registry: needs the oidc "
                              "scheme (more-schemes issue), then `make bench`"]  # fmt: skip
    section = evidence(run, "third_party_jwt") or {}
    rows = [(s, section.get(s["scheme"])) for s in measured if section.get(s["scheme"])]
    if not rows:
        return _absent(f"{', '.join(s['scheme'] for s in issued)} timings and JWKS fetches", BENCH)
    own = _scheme(run, "jwt-stateless")
    lines = [_cost(run, own) + " (signed by the lab itself)"] if own else []
    oks = []
    for entry, ev in rows:
        first, cached = ev["first_request"], ev["cached_request"]
        verified = bool((run.verification.get(entry["scheme"]) or {}).get("ok"))
        oks.append(
            verified
            and ev["separate_process"]
            and ev["token_kid_published"]
            and first["statuses_ok"]
            and cached["statuses_ok"]
            and first["jwks_fetches_per_request"] >= 1
            and cached["jwks_fetches_per_request"] == 0
        )
        lines += [
            _cost(run, entry) + f"; crypto {fmt.text(entry.get('crypto'))}",
            f"{entry['scheme']}: signed by pid {ev['issuer_pid']} (the lab is pid "
            f"{ev['lab_pid']}), {ev['algorithm']}, key id published by the issuer: "
            f"{'yes' if ev['token_kid_published'] else 'no'}",
            f"{entry['scheme']}: first request (empty key cache) {fmt.us(first['median_us'])} µs "
            f"(IQR {fmt.us(first['iqr_us'])}), {first['jwks_fetches_per_request']:g} JWKS fetch "
            f"each ({ev['jwks_bytes']} bytes); cached {fmt.us(cached['median_us'])} µs "
            f"(IQR {fmt.us(cached['iqr_us'])}), {cached['jwks_fetches_per_request']:g} fetches; "
            f"none {fmt.us(ev['none_request']['median_us'])} µs; {first['rounds']} rounds each",
        ]
    return split_verdict(oks), lines


def jwe_safer(run: Run) -> Verdict:
    """Claim 12: an encrypted JWT hides its claims on the wire, yet a captured one replays."""
    jwes = [s["scheme"] for s in run.schemes if _declares(s, "jwe", "encrypt", "decrypt")]
    if not jwes:
        return NOT_MEASURED, ["no encrypted-JWT scheme in the registry: needs the jwe scheme "
                              "(more-schemes issue), then `make bench`"]  # fmt: skip
    contents, clients = evidence(run, "token_contents"), evidence(run, "token_two_clients")
    rows = [(n, (contents or {}).get(n), (clients or {}).get(n)) for n in jwes]
    rows = [(n, c, r) for n, c, r in rows if c and r]
    if not rows:
        return _absent(f"{', '.join(jwes)} contents and replay", BENCH)
    lines, hidden, replays = [], [], []
    for name, c, r in rows:
        hidden.append(not c["readable_claims"])
        replays.append(all(s == 200 for s in r["statuses"]))
        lines.append(
            f"{name}: claims readable on the wire: {fmt.text(', '.join(c['readable_claims']))}; "
            f"a captured token from another client: HTTP {', '.join(map(str, r['statuses']))}"
        )
    if all(hidden) and not any(replays):
        return CONFIRMED, lines
    if all(hidden):
        lines.append("encryption hides the contents, not the credential: replay still works")
        return DEPENDS, lines
    return REFUTED, lines


def jwt_unique_expiry(run: Run) -> Verdict:
    """Claim 13: two logins give two JWTs; each is refused after its lifetime."""
    got = evidence(run, "token_expiry")
    jwts = {s["scheme"] for s in run.schemes if credential_kind(s) == "jwt"}
    rows = {n: r for n, r in (got or {}).items() if n in jwts}
    if not rows:
        return _absent("JWT logins on a frozen clock (evidence.token_expiry)", BENCH)
    lines, oks = [], []
    for name, r in rows.items():
        expires = r.get("status_before_expiry") == 200 and r.get("status_after_expiry") == 401
        oks.append(r["two_logins_distinct"] and expires)
        lines.append(
            f"{name}: two logins gave {'two distinct' if r['two_logins_distinct'] else 'the same'} "
            f"tokens; at lifetime {fmt.seconds(r['expiry_seconds'])} -5 s: HTTP "
            f"{fmt.text(r.get('status_before_expiry'))}, +5 s: HTTP "
            f"{fmt.text(r.get('status_after_expiry'))} (frozen clock)"
        )
    for name, r in (got or {}).items():
        if name not in jwts:
            lines.append(
                f"for comparison, {name}: distinct per login {fmt.yes_no(r['two_logins_distinct'])}"
            )
    return split_verdict(oks), lines


def drf_default_classes(run: Run) -> Verdict:
    """Claim 14: DRF's defaults (installed version) are Session and Basic, and their cost."""
    got = evidence(run, "drf_defaults")
    if got is None:
        return _absent("DRF's defaults (evidence.drf_defaults)", BENCH)
    classes = tuple(got["authentication_classes"])
    lines = [f"DRF {got['drf_version']} DEFAULT_AUTHENTICATION_CLASSES: {', '.join(classes)}"]
    lines += [_cost(run, s) for s in (_scheme(run, "session"), _scheme(run, "basic")) if s]
    return (CONFIRMED if classes == DRF_DEFAULT_PAIR else REFUTED), lines


def basic_carries_session_id(run: Run) -> Verdict:
    """Claim 15: "Basic passes the session ID in the headers" — the bytes of each."""
    got = evidence(run, "basic_capture")
    session, basic = run.by_name.get("session"), run.by_name.get("basic")
    if got is None or session is None or basic is None:
        return _absent("the Basic capture and the session scheme", BENCH)
    carriers = session["properties"].get("carriers") or []
    cookie = next((c for c in carriers if c.get("kind") == "session"), None)
    basic_kinds = {c.get("kind") for c in basic["properties"].get("carriers") or []}
    lines = [
        "Basic's Authorization header decodes to "
        + ("username:password" if got["decoded_is_username_password"] else "something else"),
        "the session ID travels in "
        + (f"Cookie: {cookie['name']}=…" if cookie else "no declared cookie")
        + f" ({fmt.nbytes(session.get('credential_bytes'))} per GET)",
    ]
    if "session" in basic_kinds:
        return CONFIRMED, lines
    lines.append("the notes are wrong here: Basic carries the password, not a session ID")
    return REFUTED, lines


def www_authenticate_names(run: Run) -> Verdict:
    """Claim 16: each scheme's refusal names its auth-scheme in WWW-Authenticate."""
    got = evidence(run, "www_authenticate")
    if got is None:
        return _absent("each scheme's refusal (evidence.www_authenticate)", BENCH)
    lines, oks = [], []
    for name, r in got.items():
        header = r["www_authenticate"] or ""
        named = bool(header) and (not r["auth_scheme"] or header.startswith(r["auth_scheme"]))
        oks.append(named)
        lines.append(f"{name}: HTTP {r['status']}, WWW-Authenticate: {fmt.text(header or None)}")
    return split_verdict(oks), lines


def book_accounts(run: Run) -> Verdict:
    """Claim 17: the book's flow under /api/v1/rest-auth/, emails naming the served host."""
    got = evidence(run, "book_accounts")
    if got is None:
        return _absent("the book's account flow (evidence.book_accounts)", BENCH)
    lines = [
        f"POST /api/v1/rest-auth/registration/: HTTP {got['register_status']}, "
        f"{got['emails']} email linking to {fmt.text(got['link_host'])} "
        f"(served: {got['served_host']})",
        f"emailed link: HTTP {fmt.text(got['confirm_status'])}; POST /api/v1/rest-auth/login/: "
        f"HTTP {got['login_status']}{' with a key' if got['login_has_key'] else ''}",
        f"email names the served host: {fmt.yes_no(got['email_names_served_host'])}; "
        f"names example.com: {fmt.yes_no(got['email_names_example_com'])}",
    ]
    ok = (
        got["register_status"] == 201
        and got["confirm_status"] == 200
        and got["login_status"] == 200
        and got["login_has_key"]
        and got["link_host"] == got["served_host"]
        and got["email_names_served_host"]
        and not got["email_names_example_com"]
    )
    return (CONFIRMED if ok else REFUTED), lines
