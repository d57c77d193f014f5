"""Each rule of ``reports.picks`` on small synthetic runs: what it picks, and that the
pick changes when the figures or the declared properties change."""

from __future__ import annotations

import pytest

from reports import picks
from tests.synthetic_run import all_builtin, entry, summary, with_properties, write_run


@pytest.fixture
def pick(tmp_path):
    """``pick(rule, schemes)``: what ``rule`` says about a run of ``schemes``."""
    runs = iter(range(1000))

    def apply(rule, schemes: list[dict]) -> str | None:
        return rule(write_run(tmp_path / f"run-{next(runs)}", summary(schemes)))

    return apply


def changed(schemes: list[dict], name: str, **properties) -> list[dict]:
    """``schemes`` with ``name``'s declared properties changed."""
    return [with_properties(e, **properties) if e["scheme"] == name else e for e in schemes]


def test_every_rule_is_tested_here():
    tested = {name.removeprefix("test_").split("__")[0] for name in globals()}
    assert {rule.__name__ for rule in picks.RULES} <= tested


def test_cheapest__is_the_cheapest_authenticated_request(pick):
    assert pick(picks.cheapest, all_builtin()).startswith(
        "Cheapest authenticated request: token (140 µs, 1.40\N{MULTIPLICATION SIGN} none)"
    )
    cheaper_knox = all_builtin({"knox": {"request_us": 110.0}})
    assert pick(picks.cheapest, cheaper_knox).startswith("Cheapest authenticated request: knox ")
    assert pick(picks.cheapest, [entry("none")]) is None


def test_no_queries__names_the_schemes_without_sql_and_what_they_skip(pick):
    line = pick(picks.no_queries, all_builtin())
    assert line.startswith("No database work per request: jwt-stateless (150 µs")
    assert "but jwt-stateless never reads the user" in line
    checked = changed(all_builtin(), "jwt-stateless", user_checked_per_request=True)
    assert "never reads the user" not in pick(picks.no_queries, checked)
    assert pick(picks.no_queries, all_builtin({"jwt-stateless": {"queries": 1}})) is None


def test_revocable__is_the_cheapest_expiring_scheme_with_immediate_logout(pick):
    # session and knox expire and log out at once; jwt's access token outlives logout.
    line = pick(picks.revocable, all_builtin())
    assert line.startswith("Expiring credentials with immediate logout: session (160 µs")
    assert line.endswith("; also knox.")
    cheaper_knox = all_builtin({"knox": {"request_us": 120.0}})
    assert pick(picks.revocable, cheaper_knox).startswith(
        "Expiring credentials with immediate logout: knox "
    )
    no_knox_logout = changed(all_builtin(), "knox", logout_immediate=False)
    assert "also" not in pick(picks.revocable, no_knox_logout)
    never = changed(no_knox_logout, "session", expiry_seconds=None)
    assert pick(picks.revocable, never) is None


def test_browser__is_the_csrf_protected_cookie_scheme(pick):
    assert pick(picks.browser, all_builtin()).startswith(
        "Browser front end on the same site: session (160 µs"
    )
    assert pick(picks.browser, changed(all_builtin(), "session", csrf_on_unsafe=False)) is None


def test_leaked_db__splits_schemes_by_whether_a_stored_row_is_usable(pick):
    line = pick(picks.leaked_db, all_builtin())
    assert line == (
        "If the database leaks, stored rows are not live credentials for basic, knox; "
        "they are for session, token, jwt, jwt-stateless."
    )
    knox_usable = changed(all_builtin(), "knox", stored_credential_usable=True)
    assert "not live credentials for basic;" in pick(picks.leaked_db, knox_usable)
    only_usable = [entry("none"), entry("token"), entry("session")]
    assert pick(picks.leaked_db, only_usable) is None


def test_costly__names_schemes_at_least_100_times_the_baseline(pick):
    assert pick(picks.costly, all_builtin()).startswith(
        "Keep off per-request paths: basic (20,000 µs, 200\N{MULTIPLICATION SIGN} none)"
    )
    assert pick(picks.costly, all_builtin({"basic": {"request_us": 9000.0}})) is None


def test_under_load__is_the_highest_throughput(pick):
    slower_token = all_builtin({"token": {"load_rps": 700.0}})
    assert pick(picks.under_load, slower_token).startswith(
        "Most requests/s under load: jwt-stateless (800 req/s"
    )
    faster_token = all_builtin({"token": {"load_rps": 900.0}})
    assert pick(picks.under_load, faster_token).startswith("Most requests/s under load: token ")
    no_baseline_load = all_builtin({"none": {"load_rps": None}})
    assert pick(picks.under_load, no_baseline_load) is None


def test_under_load__names_a_tie_within_ten_percent(pick):
    # token 750 and jwt-stateless 800 req/s: 6% apart, load figures have no interval.
    line = pick(picks.under_load, all_builtin())
    assert line.startswith("Most requests/s under load: \N{ALMOST EQUAL TO} (within noise) ")
    assert "token (750 req/s)" in line and "jwt-stateless (800 req/s)" in line
    assert "a tie" in line and "knox" not in line


def with_ci(schemes: list[dict], **intervals: tuple[float, float]) -> list[dict]:
    """``schemes`` with a 95% interval of the GET median for the named ones."""
    return [
        {**e, "request_ci_us": list(intervals[e["scheme"].replace("-", "_")])}
        if e["scheme"].replace("-", "_") in intervals
        else e
        for e in schemes
    ]


def test_cheapest__names_a_tie_when_the_intervals_overlap(pick):
    # token 140 [130-152] and jwt-stateless 150 [145-160] overlap: no winner.
    tied = with_ci(all_builtin(), token=(130, 152), jwt_stateless=(145, 160), session=(155, 165))
    line = pick(picks.cheapest, tied)
    assert line.startswith("Cheapest authenticated request: \N{ALMOST EQUAL TO} (within noise) ")
    assert "token (140" in line and "jwt-stateless (150" in line and "a tie" in line
    assert "session" not in line  # its interval lies above token's
    assert "in CPU instructions" not in line  # none counted in this run
    counted = [
        {**e, "request_instructions": 1e6 * (2 if e["scheme"] == "token" else 3)} for e in tied
    ]
    line = pick(picks.cheapest, counted)
    assert "a tie in wall time; in CPU instructions (tolerance 1%): token 2.00 M < " in line
    apart = with_ci(all_builtin(), token=(138, 142), jwt_stateless=(145, 160))
    assert pick(picks.cheapest, apart).startswith("Cheapest authenticated request: token (140")


def test_what_to_pick_keeps_the_rules_with_something_to_say_in_order(pick):
    assert len(pick(picks.what_to_pick, all_builtin())) == len(picks.RULES)
    lines = pick(picks.what_to_pick, [entry("none"), entry("token")])
    assert [line.split(":")[0] for line in lines] == [
        "Cheapest authenticated request",
        "Most requests/s under load",
    ]
