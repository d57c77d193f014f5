"""``make browser-claims`` run once in real Chromium: the four pieces of evidence are
what the browser did, and the browser claims judged on them get their verdicts."""

from __future__ import annotations

import json

import pytest

from benchmarks import browser_claims
from reports.claims import CONFIRMED
from reports.claims_notes import ALL_CLAIMS as CLAIMS
from tests.browser import require_chromium
from tests.synthetic_run import all_builtin, summary, write_run

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def measured():
    """The browser evidence, measured once (a lab, a second origin, Chromium)."""
    require_chromium()
    return browser_claims.measure()


def test_a_second_origin_gets_no_session_but_a_token_works(measured):
    got = measured["cross_origin"]
    assert got["front_origin"].startswith("http://localhost:")
    assert got["session_cookie_sent"] is False  # SameSite=Lax, another site
    assert got["session_status"] == 0  # and CORS does not hand the answer over
    assert got["token_status"] == 200  # the allowed origin, a header token


def test_public_urls_get_the_session_cookie(measured):
    assert all(
        n > len("Cookie: sessionid=") for n in measured["public_urls"]["cookie_bytes"].values()
    )


def test_cookie_and_local_storage_sizes(measured):
    got = measured["storage"]
    assert 4000 <= got["largest_cookie_bytes"] <= 4200
    assert got["cookie_request_bytes"] >= got["largest_cookie_bytes"]
    assert got["local_storage_bytes"] >= 4_000_000
    assert got["local_storage_request_bytes"] == 0


def test_an_injected_script_reads_all_but_the_httponly_cookie_and_rides_it(measured):
    assert measured["xss"] == {
        "reads_local_storage": True,
        "reads_plain_cookie": True,
        "reads_httponly_cookie": False,
        "rides_session_status": 200,
    }


def test_the_browser_claims_on_the_measured_evidence(measured, tmp_path):
    run = write_run(tmp_path / "run", summary(all_builtin()))
    (tmp_path / "run" / browser_claims.OUT_FILE).write_text(json.dumps(measured))
    claim = {c.key: c for c in CLAIMS}
    for key in ("session-cross-origin", "session-cookie-public-urls", "cookie-vs-local-storage",
                "xss-httponly"):  # fmt: skip
        assert claim[key].test(run).verdict == CONFIRMED, claim[key].test(run).evidence
