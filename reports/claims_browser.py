"""Judges of the notes' claims that need a real browser (``make browser-claims``,
``browser_claims.json`` in the run folder) or two servers (``make multiserver``)."""

from __future__ import annotations

from reports import fmt
from reports.claims import CONFIRMED, DEPENDS, NOT_MEASURED, REFUTED, split_verdict
from reports.claims_evidence import (
    BROWSER,
    BROWSER_FILE,
    MULTISERVER,
    MULTISERVER_FILE,
    Verdict,
    _absent,
    folder_evidence,
)
from reports.collect import Run

#: What browsers keep per cookie (RFC 6265 asks for at least 4096 bytes) and the
#: localStorage quota the notes quote (5 MB), with a margin for how each is counted.
COOKIE_LIMIT_BYTES = 4096
LOCAL_STORAGE_BYTES = 5_000_000


def session_cross_origin(run: Run) -> Verdict:
    """Claim 4: a front end on a second origin: the session cookie vs a token with CORS."""
    got = folder_evidence(run, BROWSER_FILE, "cross_origin")
    if got is None:
        return _absent("the cross-origin browser evidence", BROWSER)
    lines = [
        f"front end {got['front_origin']} calling the API on {got['api_origin']} "
        f"(SameSite={got['samesite']}, CORS allows {fmt.text(got.get('cors_allowed_origin'))})",
        f"session: cookie sent on the cross-site fetch: {fmt.yes_no(got['session_cookie_sent'])}; "
        f"whoami as the page read it: {_status(got['session_status'])}",
        f"token in a header from the same page: whoami {_status(got['token_status'])}",
    ]
    if got["session_cookie_sent"] and got["session_status"] == 200:
        return REFUTED, lines
    return (CONFIRMED if got["token_status"] == 200 else DEPENDS), lines


def _status(status: int) -> str:
    return f"HTTP {status}" if status else "refused (CORS: the page may not read it)"


def sessions_multiserver(run: Run) -> Verdict:
    """Claim 5: sessions across two servers behind a load balancer, per session engine.

    An engine keeps up when every request through the balancer is authenticated and a
    logout on the other server leaves the credential refused everywhere; the token
    schemes measured on the same pair are shown beside, for comparison.
    """
    got = folder_evidence(run, MULTISERVER_FILE, "engines")
    if got is None:
        return _absent("two servers behind a load balancer (multiserver.json)", MULTISERVER)
    measured = {label: r for label, r in got.items() if _measured(r)}
    lines = [_multiserver_line(run, label, r) for label, r in measured.items()]
    lines += [
        f"{label}: not measured ({r.get('error') if isinstance(r, dict) else r})"
        for label, r in got.items()
        if label not in measured
    ]
    others = folder_evidence(run, MULTISERVER_FILE, "schemes") or {}
    lines += [
        f"for comparison, {_multiserver_line(run, label, r, session=False)}"
        for label, r in others.items()
        if _measured(r)
    ]
    if not measured:
        return NOT_MEASURED, lines
    hard = {
        label: r["authenticated_pct"] < 100 or not r.get("logout_propagates")
        for label, r in measured.items()
    }
    keeps = [label for label, h in hard.items() if not h]
    loses = [label for label, h in hard.items() if h]
    lines.append(
        f"keep up across both servers: {', '.join(keeps) or 'none'}; "
        f"do not: {', '.join(loses) or 'none'}"
    )
    return (CONFIRMED if not keeps else REFUTED if not loses else DEPENDS), lines


def _measured(result: object) -> bool:
    """Whether one engine's or scheme's entry holds the figures (not an error)."""
    need = ("requests", "authenticated", "authenticated_pct", "by_backend")
    return isinstance(result, dict) and "error" not in result and all(k in result for k in need)


def _multiserver_line(run: Run, label: str, r: dict, session: bool = True) -> str:
    """``db (session, db engine, cache locmem; login served by b): 50/50 (100%)
    authenticated ...; logout ...`` (the engine and cache only for a session)."""
    per_server = ", ".join(
        f"{name} {c['authenticated']}/{c['requests']}" for name, c in r["by_backend"].items()
    )
    share = f"{r['authenticated']}/{r['requests']} ({r['authenticated_pct']:.0f}%)"
    if r.get("login_backend") is None:  # the baseline: no credential, nothing to keep
        return f"{label} (no authentication): {share} answered 200 ({per_server})"
    engine = str(r.get("session_engine") or "").rsplit(".", 1)[-1]
    where = f"{r['scheme']}, {engine} engine, cache {r.get('cache')}; " if session else ""
    line = (
        f"{label} ({where}login served by {r['login_backend']}): {share} authenticated "
        f"through the balancer ({per_server})"
    )
    if "logout_backend" not in r:
        return line
    logout = f"logout on {r['logout_backend']} (HTTP {r['logout_status']})"
    if r["logout_propagates"]:
        return f"{line}; {logout}: then refused by both servers"
    still = ", ".join(r.get("still_accepted_by") or [])
    expiry = ((run.by_name.get(r["scheme"]) or {}).get("properties") or {}).get("expiry")
    until = f", replayable until it expires ({expiry})" if expiry else ""
    return f"{line}; {logout}: the same credential still accepted by {still}{until}"


def session_cookie_public_urls(run: Run) -> Verdict:
    """Claim 6: after a session login the cookie goes to public URLs too."""
    got = folder_evidence(run, BROWSER_FILE, "public_urls")
    if got is None:
        return _absent("the public-URL browser evidence", BROWSER)
    lines = [
        f"{where}: Cookie header {fmt.nbytes(nbytes)}"
        for where, nbytes in got["cookie_bytes"].items()
    ]
    sent = [nbytes > 0 for nbytes in got["cookie_bytes"].values()]
    return split_verdict(sent), lines


def cookie_vs_local_storage(run: Run) -> Verdict:
    """Claim 7: ~4 KB per cookie, sent every time; ~5 MB of localStorage, not sent."""
    got = folder_evidence(run, BROWSER_FILE, "storage")
    if got is None:
        return _absent("the storage browser evidence", BROWSER)
    lines = [
        f"largest cookie Chromium kept: {fmt.nbytes(got['largest_cookie_bytes'])}; it adds "
        f"{fmt.nbytes(got['cookie_request_bytes'])} to every request",
        f"localStorage held {fmt.nbytes(got['local_storage_bytes'])}; a request adds "
        f"{fmt.nbytes(got['local_storage_request_bytes'])} of it unless a script sends it",
    ]
    cookie_ok = 0.9 * COOKIE_LIMIT_BYTES <= got["largest_cookie_bytes"] <= 1.1 * COOKIE_LIMIT_BYTES
    storage_ok = got["local_storage_bytes"] >= 0.8 * LOCAL_STORAGE_BYTES
    sent_ok = got["cookie_request_bytes"] > 0 and got["local_storage_request_bytes"] == 0
    checks = [cookie_ok, storage_ok, sent_ok]
    return split_verdict(checks), lines


def xss_httponly(run: Run) -> Verdict:
    """Claim 8: an injected script reads localStorage and plain cookies, not HttpOnly
    ones, and still makes authenticated requests riding the HttpOnly cookie."""
    got = folder_evidence(run, BROWSER_FILE, "xss")
    if got is None:
        return _absent("the XSS browser evidence", BROWSER)
    lines = [
        f"injected script read the token in localStorage: {fmt.yes_no(got['reads_local_storage'])}",
        f"read a non-HttpOnly cookie: {fmt.yes_no(got['reads_plain_cookie'])}; "
        f"an HttpOnly one: {fmt.yes_no(got['reads_httponly_cookie'])}",
        f"its own fetch riding the HttpOnly session cookie: HTTP {got['rides_session_status']}",
    ]
    if got["reads_httponly_cookie"] or not (
        got["reads_local_storage"] and got["reads_plain_cookie"]
    ):
        return REFUTED, lines
    if got["rides_session_status"] == 200:
        lines.append(
            "HttpOnly protects the value from being read and carried off, not its use: "
            "the script acts as the user while the page is open"
        )
    return CONFIRMED, lines
