"""The notes' part III claims that rest on their own evidence (issue 15), in the notes'
order, each with the make target that produces its evidence (README "Claims"), and
:data:`ALL_CLAIMS`, what the report judges: reports.claims', reports.claims_knox' and these."""

from __future__ import annotations

from reports import claims_browser as browser
from reports import claims_evidence as ev
from reports.claims import CLAIMS, NOTES, Claim, Finding
from reports.claims_knox import KNOX_CLAIMS
from reports.collect import Run

EVIDENCE_CLAIMS: tuple[Claim, ...] = (
    Claim(
        "basic-readable-replayable",
        "Basic sends the credentials unencrypted, base64-encoded: anyone who captures one "
        "request can read and reuse them.",
        NOTES,
        "confirmed when a captured header base64-decodes to username:password and the same "
        "header from another client is answered 200; refuted otherwise (make bench)",
        ev.basic_readable,
    ),
    Claim(
        "basic-wrong-status",
        'After a wrong Basic credential "the server responds with 200 OK or 403 Forbidden".',
        NOTES,
        "confirmed when every refusal (missing, wrong, inactive, malformed) is 200 or 403; "
        "refuted when none is; otherwise it depends (make bench)",
        ev.basic_wrong_status,
    ),
    Claim(
        "session-password-once",
        "With sessions the credentials are sent once, not on every request.",
        NOTES,
        "confirmed when exactly one of a session client's requests (the login) carries the "
        "password; refuted when all do (make bench)",
        ev.session_password_once,
    ),
    Claim(
        "session-cross-origin",
        "A session ID only works in the browser where the login happened and not across "
        "domains, a problem for several front-ends.",
        NOTES,
        "in Chromium, a front end on a second origin: confirmed when the session fails there "
        "and a header token with CORS works; refuted when the session works "
        "(make browser-claims)",
        browser.session_cross_origin,
    ),
    Claim(
        "sessions-multiserver",
        "Sessions are hard to keep up to date with several servers.",
        NOTES,
        "two servers behind HAProxy (round robin), per session engine: it keeps up when all "
        "of N requests after one login are authenticated and a logout on the other server "
        "leaves the credential refused by both; confirmed when no engine keeps up, refuted "
        "when every one does, otherwise it depends (make multiserver)",
        browser.sessions_multiserver,
    ),
    Claim(
        "session-cookie-public-urls",
        "The session cookie is sent on every request, even those that need no authentication.",
        NOTES,
        "in Chromium after a session login: confirmed when the public endpoint and a static "
        "file both receive the cookie (make browser-claims)",
        browser.session_cookie_public_urls,
    ),
    Claim(
        "cookie-vs-local-storage",
        "Cookies hold about 4 KB and are sent with every request; localStorage holds about "
        "5 MB and is not sent by default.",
        NOTES,
        f"in Chromium: confirmed when the largest kept cookie is within 10% of "
        f"{browser.COOKIE_LIMIT_BYTES} B and is sent, localStorage holds ≥80% of 5 MB and adds "
        "nothing to a request (make browser-claims)",
        browser.cookie_vs_local_storage,
    ),
    Claim(
        "xss-httponly",
        "Tokens in cookies and in localStorage are both exposed to XSS; the best practice is "
        "an HttpOnly, Secure cookie.",
        NOTES,
        "in Chromium: confirmed when an injected script reads localStorage and a plain "
        "cookie but not an HttpOnly one (and the evidence says it still rides it); refuted "
        "otherwise (make browser-claims)",
        browser.xss_httponly,
    ),
    Claim(
        "token-several-frontends",
        "Tokens can be shared by several front-ends (web and mobile).",
        NOTES,
        "per token scheme, one token from two clients: confirmed when every scheme answers "
        "200 to both, refuted when none does (make bench)",
        ev.token_several_frontends,
    ),
    Claim(
        "token-carries-user",
        "A token carries all the user's information, not just an id, so its size matters.",
        NOTES,
        "per token scheme, the claims readable from a captured token, beside the largest JWT "
        "each server passes on in a header and what a client gets beyond it: confirmed when "
        "every token carries some and a server limits the size, refuted when none carries any "
        "(opaque keys), otherwise it depends (make bench)",
        ev.token_carries_user,
    ),
    Claim(
        "jwt-third-party",
        "JWTs can be generated on the server or by a third-party service like Auth0.",
        NOTES,
        "confirmed when a scheme declaring third-party-issued JWTs (OIDC, JWKS) is measured "
        "and verified; not measured without one (make bench)",
        ev.jwt_third_party,
    ),
    Claim(
        "jwe-safer",
        "JWTs can be encrypted, which makes them safer on unsecured HTTP.",
        NOTES,
        "for a scheme declaring encrypted JWTs: confirmed when its claims are unreadable and a "
        "captured token is refused elsewhere; it depends when unreadable but replayable; "
        "refuted when readable (make bench)",
        ev.jwe_safer,
    ),
    Claim(
        "jwt-unique-and-expiry",
        "JWTs allow a unique token per client and expiry.",
        NOTES,
        "per JWT scheme: confirmed when two logins give distinct tokens and, on a frozen clock, "
        "the token works 5 s before its lifetime and is refused 5 s after (make bench)",
        ev.jwt_unique_expiry,
    ),
    Claim(
        "drf-default-classes",
        "DRF's default authentication classes are Session and Basic.",
        NOTES,
        "confirmed when the installed DRF's DEFAULTS list exactly SessionAuthentication, "
        "BasicAuthentication (their cost shown beside); refuted otherwise (make bench)",
        ev.drf_default_classes,
    ),
    Claim(
        "basic-carries-session-id",
        '"BasicAuthentication is used to pass the session ID in the HTTP headers."',
        NOTES,
        "confirmed only if Basic declares a session carrier; refuted when its header decodes "
        "to username:password while the session ID travels in a cookie (make bench)",
        ev.basic_carries_session_id,
    ),
    Claim(
        "www-authenticate-names-scheme",
        "The WWW-Authenticate header names the token scheme.",
        NOTES,
        "per scheme, a request without a credential: confirmed when every refusal carries "
        "WWW-Authenticate naming its auth-scheme; refuted when none does (make bench)",
        ev.www_authenticate_names,
    ),
    Claim(
        "book-account-endpoints",
        "The book's account endpoints (django-rest-auth login/logout/reset, allauth "
        "registration, console email, SITE_ID = 1) work under /api/v1/rest-auth/.",
        NOTES,
        "confirmed when registration, the emailed link and login answer 201/200/200 under "
        "/api/v1/rest-auth/ and the email names the served host, not example.com (make bench)",
        ev.book_accounts,
    ),
)

#: Every claim the report tests, in order.
ALL_CLAIMS: tuple[Claim, ...] = CLAIMS + KNOX_CLAIMS + EVIDENCE_CLAIMS


def judge_all(run: Run, claims: tuple[Claim, ...] = ALL_CLAIMS) -> list[Finding]:
    """Test every claim on ``run``, in order."""
    return [claim.test(run) for claim in claims]
