"""The evidence-based claims (reports/claims_notes.py) on synthetic runs: each verdict
follows the evidence it names and flips when that evidence flips; absent evidence is
"not measured" and names the make target that produces it."""

from __future__ import annotations

import copy
import json

import pytest

from reports.claims import CONFIRMED, DEPENDS, NOT_MEASURED, REFUTED
from reports.claims_evidence import BROWSER_FILE
from reports.claims_notes import ALL_CLAIMS as CLAIMS
from tests.synthetic_run import all_builtin, entry, summary, with_properties, write_run

CLAIM = {claim.key: claim for claim in CLAIMS}
OK2 = {"statuses": [200, 200]}

#: Evidence as benchmarks/evidence.py measured it on the lab (tests/test_evidence.py).
EVIDENCE = {
    "basic_capture": {
        "header_bytes": 56,
        "decoded_is_username_password": True,
        "replay_status": 200,
    },
    "basic_refusals": {
        case: {"status": 401, "www_authenticate": 'Basic realm="api"'}
        for case in ("missing", "wrong", "inactive", "malformed")
    },
    "password_in_traffic": {
        "session": {"requests": 6, "carrying_password": 1, "authenticated": 5},
        "basic": {"requests": 5, "carrying_password": 5, "authenticated": 5},
    },
    "token_two_clients": {name: OK2 for name in ("token", "jwt", "jwt-stateless", "knox")},
    "token_contents": {
        "token": {
            "kind": "token",
            "token_bytes": 40,
            "readable_claims": [],
            "reveals_username": False,
        },
        "knox": {
            "kind": "token",
            "token_bytes": 64,
            "readable_claims": [],
            "reveals_username": False,
        },
        "jwt": {
            "kind": "jwt",
            "token_bytes": 256,
            "readable_claims": ["exp", "user_id"],
            "reveals_username": True,
        },
    },
    "token_expiry": {
        "token": {"expiry_seconds": None, "two_logins_distinct": False},
        "jwt": {
            "expiry_seconds": 300,
            "two_logins_distinct": True,
            "status_before_expiry": 200,
            "status_after_expiry": 401,
        },
        "jwt-stateless": {
            "expiry_seconds": 300,
            "two_logins_distinct": True,
            "status_before_expiry": 200,
            "status_after_expiry": 401,
        },
    },
    "drf_defaults": {
        "drf_version": "3.18.3",
        "authentication_classes": [
            "rest_framework.authentication.SessionAuthentication",
            "rest_framework.authentication.BasicAuthentication",
        ],
    },
    "www_authenticate": {
        "basic": {"status": 401, "www_authenticate": 'Basic realm="api"', "auth_scheme": "Basic"},
        "session": {"status": 403, "www_authenticate": None, "auth_scheme": ""},
        "token": {"status": 401, "www_authenticate": "Token", "auth_scheme": "Token"},
    },
    "book_accounts": {
        "served_host": "127.0.0.1:8000",
        "register_status": 201,
        "emails": 1,
        "link_host": "127.0.0.1:8000",
        "confirm_status": 200,
        "login_status": 200,
        "login_has_key": True,
        "email_names_example_com": False,
        "email_names_served_host": True,
    },
}

#: browser_claims.json as `make browser-claims` writes it.
BROWSER = {
    "cross_origin": {
        "api_origin": "http://127.0.0.1:8001",
        "front_origin": "http://localhost:8002",
        "samesite": "Lax",
        "cors_allowed_origin": "http://localhost:8002",
        "session_cookie_sent": False,
        "session_status": 0,
        "token_status": 200,
    },
    "public_urls": {"cookie_bytes": {"none whoami": 90, "static file": 90}},
    "storage": {
        "largest_cookie_bytes": 4096,
        "cookie_request_bytes": 4110,
        "local_storage_bytes": 5_242_880,
        "local_storage_request_bytes": 0,
    },
    "xss": {
        "reads_local_storage": True,
        "reads_plain_cookie": True,
        "reads_httponly_cookie": False,
        "rides_session_status": 200,
    },
}


def changed(base: dict, path: str, value) -> dict:
    """``base`` with the value at ``a.b.c`` replaced."""
    out = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = out
    for key in parents:
        node = node[key]
    node[last] = value
    return out


@pytest.fixture
def verdict(tmp_path):
    """``verdict(key, evidence=..., browser=..., schemes=...)``: the claim's verdict."""
    runs = iter(range(1000))

    def judge(key, evidence=EVIDENCE, browser=None, schemes=None):
        run_dir = tmp_path / f"run-{next(runs)}"
        run = write_run(run_dir, summary(schemes or all_builtin(), evidence=evidence))
        if browser is not None:
            (run_dir / BROWSER_FILE).write_text(json.dumps(browser))
        finding = CLAIM[key].test(run)
        return finding.verdict

    return judge


def test_absent_evidence_names_its_make_target(tmp_path):
    run = write_run(tmp_path / "run", summary(all_builtin()))
    for key, target in (
        ("basic-readable-replayable", "make bench"),
        ("xss-httponly", "make browser-claims"),
        ("sessions-multiserver", "make multiserver"),
    ):
        finding = CLAIM[key].test(run)
        assert finding.verdict == NOT_MEASURED
        assert f"`{target}`" in " ".join(finding.evidence)


def test_basic_readable_replayable__follows_decode_and_replay(verdict):
    assert verdict("basic-readable-replayable") == CONFIRMED
    refused = changed(EVIDENCE, "basic_capture.replay_status", 401)
    assert verdict("basic-readable-replayable", refused) == REFUTED
    opaque = changed(EVIDENCE, "basic_capture.decoded_is_username_password", False)
    assert verdict("basic-readable-replayable", opaque) == REFUTED


def test_basic_wrong_status__follows_the_statuses(verdict):
    assert verdict("basic-wrong-status") == REFUTED  # DRF answers 401, not 200/403
    as_noted = copy.deepcopy(EVIDENCE)
    for case in as_noted["basic_refusals"].values():
        case["status"] = 403
    assert verdict("basic-wrong-status", as_noted) == CONFIRMED
    one = changed(EVIDENCE, "basic_refusals.wrong.status", 403)
    assert verdict("basic-wrong-status", one) == DEPENDS


def test_session_password_once__follows_the_count(verdict):
    assert verdict("session-password-once") == CONFIRMED
    every = changed(EVIDENCE, "password_in_traffic.session.carrying_password", 6)
    assert verdict("session-password-once", every) == REFUTED
    twice = changed(EVIDENCE, "password_in_traffic.session.carrying_password", 2)
    assert verdict("session-password-once", twice) == DEPENDS


def test_session_cross_origin__follows_the_browser(verdict):
    assert verdict("session-cross-origin") == NOT_MEASURED
    assert verdict("session-cross-origin", browser=BROWSER) == CONFIRMED
    works = changed(
        changed(BROWSER, "cross_origin.session_status", 200),
        "cross_origin.session_cookie_sent",
        True,
    )
    assert verdict("session-cross-origin", browser=works) == REFUTED
    no_cors = changed(BROWSER, "cross_origin.token_status", 403)
    assert verdict("session-cross-origin", browser=no_cors) == DEPENDS


def test_session_cookie_public_urls__follows_the_cookie_bytes(verdict):
    assert verdict("session-cookie-public-urls", browser=BROWSER) == CONFIRMED
    none = changed(BROWSER, "public_urls.cookie_bytes", {"none whoami": 0, "static file": 0})
    assert verdict("session-cookie-public-urls", browser=none) == REFUTED
    some = changed(BROWSER, "public_urls.cookie_bytes.static file", 0)
    assert verdict("session-cookie-public-urls", browser=some) == DEPENDS


def test_cookie_vs_local_storage__follows_the_sizes(verdict):
    assert verdict("cookie-vs-local-storage", browser=BROWSER) == CONFIRMED
    big = changed(BROWSER, "storage.largest_cookie_bytes", 8192)
    assert verdict("cookie-vs-local-storage", browser=big) == DEPENDS
    sent = changed(BROWSER, "storage.local_storage_request_bytes", 100)
    assert verdict("cookie-vs-local-storage", browser=sent) == DEPENDS


def test_xss_httponly__follows_what_the_script_read(verdict):
    assert verdict("xss-httponly", browser=BROWSER) == CONFIRMED
    leaked = changed(BROWSER, "xss.reads_httponly_cookie", True)
    assert verdict("xss-httponly", browser=leaked) == REFUTED
    safe_storage = changed(BROWSER, "xss.reads_local_storage", False)
    assert verdict("xss-httponly", browser=safe_storage) == REFUTED


def test_token_several_frontends__follows_the_statuses(verdict):
    assert verdict("token-several-frontends") == CONFIRMED
    one = changed(EVIDENCE, "token_two_clients.knox", {"statuses": [200, 401]})
    assert verdict("token-several-frontends", one) == DEPENDS
    bound = {name: {"statuses": [200, 401]} for name in EVIDENCE["token_two_clients"]}
    assert verdict("token-several-frontends", changed(EVIDENCE, "token_two_clients", bound)) == (
        REFUTED
    )


def test_token_carries_user__follows_the_readable_claims(verdict):
    assert verdict("token-carries-user") == DEPENDS  # opaque keys vs JWTs
    opaque = {k: v for k, v in EVIDENCE["token_contents"].items() if k != "jwt"}
    assert verdict("token-carries-user", changed(EVIDENCE, "token_contents", opaque)) == REFUTED
    jwt_only = {"jwt": EVIDENCE["token_contents"]["jwt"]}
    assert verdict("token-carries-user", changed(EVIDENCE, "token_contents", jwt_only)) == (
        CONFIRMED
    )


def oidc_scheme():
    """The jwt scheme's entry declared as verifying third-party tokens (an oidc scheme)."""
    return entry("jwt", scheme="oidc", crypto="RS256 verify") | {
        "properties": {**entry("jwt")["properties"], "issuer": "third-party (JWKS)"}
    }


def test_jwt_third_party__needs_a_third_party_scheme(verdict):
    assert verdict("jwt-third-party") == NOT_MEASURED
    untimed = oidc_scheme() | {"request_us": None}
    assert verdict("jwt-third-party", schemes=[*all_builtin(), untimed]) == NOT_MEASURED


#: What benchmarks/evidence_third_party.py measured for the oidc scheme.
THIRD_PARTY = {
    "oidc": {
        "issuer_pid": 4242,
        "lab_pid": 4141,
        "separate_process": True,
        "algorithm": "RS256",
        "token_kid_published": True,
        "token_bytes": 620,
        "jwks_bytes": 460,
        "first_request": {
            "statuses_ok": True,
            "jwks_fetches_per_request": 1.0,
            "median_us": 1900.0,
            "iqr_us": 80.0,
            "rounds": 15,
        },
        "cached_request": {
            "statuses_ok": True,
            "jwks_fetches_per_request": 0.0,
            "median_us": 420.0,
            "iqr_us": 15.0,
            "rounds": 15,
        },
        "none_request": {"median_us": 150.0, "iqr_us": 5.0},
    }
}


def test_jwt_third_party__follows_the_verification(verdict):
    schemes = [*all_builtin(), oidc_scheme()]
    ev = {**EVIDENCE, "third_party_jwt": THIRD_PARTY}
    assert verdict("jwt-third-party", schemes=schemes) == NOT_MEASURED  # no JWKS evidence
    assert verdict("jwt-third-party", ev, schemes=schemes) == CONFIRMED
    for path, value in (
        ("oidc.separate_process", False),  # signed by the lab itself after all
        ("oidc.token_kid_published", False),
        ("oidc.first_request.statuses_ok", False),  # the third-party token was refused
        ("oidc.first_request.jwks_fetches_per_request", 0.0),  # keys not from the issuer
        ("oidc.cached_request.jwks_fetches_per_request", 1.0),  # a fetch per request
    ):
        flipped = {**EVIDENCE, "third_party_jwt": changed(THIRD_PARTY, path, value)}
        assert verdict("jwt-third-party", flipped, schemes=schemes) == REFUTED, path


def test_jwt_third_party__follows_the_run_verification(tmp_path):
    data = summary(
        [*all_builtin(), oidc_scheme()], evidence={**EVIDENCE, "third_party_jwt": THIRD_PARTY}
    )
    assert CLAIM["jwt-third-party"].test(write_run(tmp_path / "a", data)).verdict == CONFIRMED
    data["verification"]["oidc"] = {"ok": False}
    assert CLAIM["jwt-third-party"].test(write_run(tmp_path / "b", data)).verdict == REFUTED


def test_jwe_safer__follows_contents_and_replay(verdict):
    assert verdict("jwe-safer") == NOT_MEASURED
    carriers = [{**entry("jwt")["properties"]["carriers"][0], "format": "<JWE compact>"}]
    jwe = with_properties(entry("jwt", scheme="jwe"), carriers=carriers)
    schemes = [*all_builtin(), jwe]
    hidden = {"kind": "jwt", "token_bytes": 400, "readable_claims": [], "reveals_username": False}
    ev = changed(changed(EVIDENCE, "token_contents.jwe", hidden), "token_two_clients.jwe", OK2)
    assert verdict("jwe-safer", ev, schemes=schemes) == DEPENDS  # hidden, still replays
    bound = changed(ev, "token_two_clients.jwe", {"statuses": [401, 401]})
    assert verdict("jwe-safer", bound, schemes=schemes) == CONFIRMED
    readable = changed(ev, "token_contents.jwe.readable_claims", ["sub"])
    assert verdict("jwe-safer", readable, schemes=schemes) == REFUTED


def test_jwt_unique_and_expiry__follows_logins_and_the_clock(verdict):
    assert verdict("jwt-unique-and-expiry") == CONFIRMED
    same = changed(EVIDENCE, "token_expiry.jwt.two_logins_distinct", False)
    assert verdict("jwt-unique-and-expiry", same) == DEPENDS
    never = changed(
        changed(EVIDENCE, "token_expiry.jwt.status_after_expiry", 200),
        "token_expiry.jwt-stateless.status_after_expiry",
        200,
    )
    assert verdict("jwt-unique-and-expiry", never) == REFUTED


def test_drf_default_classes__follows_drfs_defaults(verdict):
    assert verdict("drf-default-classes") == CONFIRMED
    other = changed(EVIDENCE, "drf_defaults.authentication_classes", ["x.TokenAuthentication"])
    assert verdict("drf-default-classes", other) == REFUTED


def test_basic_carries_session_id__follows_the_carriers(verdict):
    assert verdict("basic-carries-session-id") == REFUTED
    session_carrier = entry("session")["properties"]["carriers"]
    schemes = [
        with_properties(e, carriers=session_carrier) if e["scheme"] == "basic" else e
        for e in all_builtin()
    ]
    assert verdict("basic-carries-session-id", schemes=schemes) == CONFIRMED


def test_www_authenticate_names_scheme__follows_the_headers(verdict):
    assert verdict("www-authenticate-names-scheme") == DEPENDS  # session: 403, none
    headers = {k: v for k, v in EVIDENCE["www_authenticate"].items() if k != "session"}
    every = changed(EVIDENCE, "www_authenticate", headers)
    assert verdict("www-authenticate-names-scheme", every) == CONFIRMED
    blank = {k: {**v, "www_authenticate": None} for k, v in headers.items()}
    assert verdict(
        "www-authenticate-names-scheme", changed(EVIDENCE, "www_authenticate", blank)
    ) == (REFUTED)


def test_book_account_endpoints__follows_the_flow(verdict):
    assert verdict("book-account-endpoints") == CONFIRMED
    example = changed(EVIDENCE, "book_accounts.email_names_example_com", True)
    assert verdict("book-account-endpoints", example) == REFUTED
    missing = changed(EVIDENCE, "book_accounts.login_status", 404)
    assert verdict("book-account-endpoints", missing) == REFUTED
