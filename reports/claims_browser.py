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
    """Claim 5: sessions across two servers behind a load balancer, per session engine."""
    got = folder_evidence(run, MULTISERVER_FILE, "engines")
    if got is None:
        return NOT_MEASURED, [
            f"two servers behind a load balancer not measured: run `{MULTISERVER}` "
            "(not built yet: no multiserver.json in this run folder)"
        ]
    lines = [
        f"{engine}: {fmt.pct(r['authenticated_pct'])} of requests authenticated across both; "
        f"logout on one seen by the other: {fmt.yes_no(r['logout_propagates'])}"
        for engine, r in got.items()
    ]
    broken = [r["authenticated_pct"] < 100 or not r["logout_propagates"] for r in got.values()]
    return split_verdict(broken), lines


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
