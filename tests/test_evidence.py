"""benchmarks/evidence.py run once on the test database: every section is measured
(none failed), its figures are what the real views answer, and the claims judged on
it get the verdicts the notes deserve."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import override_settings

from benchmarks import evidence
from infra import issuer
from lab.seed import seed_users
from reports.claims import CONFIRMED, DEPENDS, REFUTED
from reports.claims_notes import ALL_CLAIMS as CLAIMS
from results import summary as results_summary
from results.schema import EVIDENCE_SECTIONS
from schemes import registry
from tests.synthetic_run import all_builtin, write_run


@pytest.fixture
def measured(db):
    """The evidence, measured on the test database (seeded users, clean throttles),
    against an issuer of its own: the JWKS fetches it counts are then this test's only
    (the session's issuer also serves the other xdist worker and its servers)."""
    cache.clear()
    seed_users(2)
    with (
        issuer.serve() as own,
        override_settings(AUTHLAB_OIDC={**settings.AUTHLAB_OIDC, "URL": own.url}),
    ):
        yield evidence.collect()
    cache.clear()


def test_every_section_is_measured(measured):
    assert list(measured) == list(EVIDENCE_SECTIONS)
    assert [name for name, section in measured.items() if "error" in section] == []


def test_the_figures_are_the_views_answers(measured):
    assert measured["basic_capture"]["decoded_is_username_password"] is True
    assert measured["basic_capture"]["replay_status"] == 200
    assert {r["status"] for r in measured["basic_refusals"].values()} == {401}
    assert measured["password_in_traffic"]["session"]["carrying_password"] == 1
    assert measured["password_in_traffic"]["basic"]["carrying_password"] == 5
    assert measured["token_contents"]["token"]["readable_claims"] == []
    assert "user_id" in measured["token_contents"]["jwt"]["readable_claims"]
    assert measured["token_expiry"]["jwt"]["status_after_expiry"] == 401
    assert measured["www_authenticate"]["session"] == {
        "status": 403,
        "www_authenticate": None,
        "auth_scheme": "",
    }
    assert measured["book_accounts"]["login_status"] == 200
    oidc = measured["third_party_jwt"]["oidc"]
    assert oidc["separate_process"] is True
    assert oidc["token_kid_published"] is True
    assert oidc["algorithm"] == "RS256"
    assert oidc["first_request"]["statuses_ok"] is True
    assert oidc["first_request"]["jwks_fetches_per_request"] == 1
    assert oidc["cached_request"]["statuses_ok"] is True
    assert oidc["cached_request"]["jwks_fetches_per_request"] == 0


def test_the_claims_judged_on_the_measured_evidence(measured, tmp_path):
    run = _run_of(measured, tmp_path)
    verdicts = {c.key: c.test(run).verdict for c in CLAIMS}
    assert verdicts["basic-readable-replayable"] == CONFIRMED
    assert verdicts["basic-wrong-status"] == REFUTED
    assert verdicts["session-password-once"] == CONFIRMED
    assert verdicts["token-carries-user"] == DEPENDS
    assert verdicts["jwt-unique-and-expiry"] == CONFIRMED
    assert verdicts["drf-default-classes"] == CONFIRMED
    assert verdicts["basic-carries-session-id"] == REFUTED
    assert verdicts["www-authenticate-names-scheme"] == DEPENDS
    assert verdicts["book-account-endpoints"] == CONFIRMED
    assert verdicts["jwt-third-party"] == CONFIRMED


def _run_of(measured, tmp_path):
    """A run folder holding the measured evidence, the registry's schemes and synthetic
    timings (the claims judged here read the evidence, not the timings)."""
    metas = [
        {"scheme": s.name, "title": s.title, "properties": s.properties.as_dict()}
        for s in registry.all_schemes()
    ]
    data = results_summary.build("t", quick=True, provenance={}, schemes=metas, evidence=measured)
    figures = {e["scheme"]: e for e in all_builtin()}
    # Synthetic timings for the scheme the figures do not list (a third-party JWT like jwt).
    figures.setdefault("oidc", {**figures["jwt"], "scheme": "oidc"})
    figures["oidc"].pop("properties")
    for item in data["schemes"]:
        item.update({k: v for k, v in figures.get(item["scheme"], {}).items() if k in item})
    data["verification"] = {item["scheme"]: {"ok": True} for item in data["schemes"]}
    return write_run(tmp_path / "run", data)


def test_jwe_is_measured_unreadable_and_replayable(measured, tmp_path):
    """The jwe scheme is among the token schemes the evidence captures (its carrier is
    a JWT, encrypted): five base64url parts, no claim readable, the captured token
    answered from two other clients; so jwe-safer is judged, "it depends"."""
    jwe = measured["token_contents"]["jwe"]
    assert (jwe["format"], jwe["readable_claims"], jwe["reveals_username"]) == ("jwe", [], False)
    assert measured["token_two_clients"]["jwe"]["statuses"] == [200, 200]
    assert measured["token_expiry"]["jwe"]["status_after_expiry"] == 401
    finding = next(c for c in CLAIMS if c.key == "jwe-safer").test(_run_of(measured, tmp_path))
    assert finding.verdict == DEPENDS, finding.evidence
    assert finding.evidence[0].startswith("jwe: claims readable on the wire: -; a captured token")
    carries = next(c for c in CLAIMS if c.key == "token-carries-user")
    lines = carries.test(_run_of(measured, tmp_path / "again")).evidence
    assert any(line.startswith("jwe: ") and "encrypted JWT (JWE)" in line for line in lines)


def test_a_cookie_token_is_read_from_its_cookie(measured):
    """jwt-cookie's token travels in an HttpOnly cookie, not a header: the evidence reads
    it there, a simplejwt access token with its claims readable by anyone."""
    cookie = measured["token_contents"]["jwt-cookie"]
    assert cookie["format"] == "jws"
    assert cookie["token_bytes"] == measured["token_contents"]["jwt"]["token_bytes"] > 200
    assert set(cookie["readable_claims"]) >= {"user_id", "username", "exp"}
    assert cookie["reveals_username"] is True


def test_an_unknown_evidence_section_is_refused():
    with pytest.raises(KeyError, match="evidence"):
        results_summary.build("t", quick=True, provenance={}, schemes=[], evidence={"x": {}})


def test_the_untimed_sections_log_in_on_a_cheap_hash(db, settings):
    """make bench runs them beside the instruction counts: they leave the timed one out,
    run with the flow hasher preferred and the account hashed with it (not PBKDF2 at its
    real cost, which made them 46 s of every run), and put the real hash back."""
    from django.contrib.auth import get_user_model
    from django.test.signals import setting_changed

    from benchmarks.harness import FLOW_HASHER
    from lab.seed import seed_username

    pbkdf2 = settings.PASSWORD_HASHER_CHOICES["pbkdf2"]
    settings.PASSWORD_HASHERS = [pbkdf2, *(h for h in settings.PASSWORD_HASHERS if h != pbkdf2)]
    cache.clear()
    seed_users(2)
    real = get_user_model()._default_manager.get(username=seed_username(1)).password
    preferred = []

    def record(setting, value, enter, **kwargs):
        if setting == "PASSWORD_HASHERS" and enter:
            preferred.append(value[0])

    setting_changed.connect(record)
    try:
        found = evidence.collect_untimed()
    finally:
        setting_changed.disconnect(record)
    assert list(found) == [name for name in evidence.PRODUCERS if name not in evidence.TIMED]
    assert [name for name, section in found.items() if "error" in section] == []
    assert preferred == [settings.PASSWORD_HASHER_CHOICES[FLOW_HASHER]]
    assert get_user_model()._default_manager.get(username=seed_username(1)).password == real
    cache.clear()
