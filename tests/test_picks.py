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


def test_cheapest__ranks_by_the_paired_ratio_when_the_medians_drifted(pick):
    """Medians taken minutes apart on a drifting machine disagree with the paired
    x none; the pick follows the pairs, and overlapping pairs are a tie."""

    def paired(ratio: float, half: float = 0.05) -> dict:
        return {"ratio_to_none": ratio, "ratio_to_none_ci": [ratio - half, ratio + half]}

    drifted = all_builtin(
        {
            "token": {"request_us": 140.0, **paired(1.9)},
            "knox": {"request_us": 300.0, **paired(1.4)},
        }
    )
    for e in drifted:
        if "ratio_to_none" not in e and e["scheme"] != "none":
            e.update(paired(3.0))
    line = pick(picks.cheapest, drifted)
    assert line.startswith("Cheapest authenticated request: knox (300 µs"), line
    for e in drifted:
        if e["scheme"] == "token":
            e.update(paired(1.45))
    tie = pick(picks.cheapest, drifted)
    assert tie.startswith("Cheapest authenticated request: ≈ (within noise) knox"), tie
    assert "token (140 µs" in tie


def test_no_queries__names_the_schemes_without_sql_and_what_they_skip(pick):
    line = pick(picks.no_queries, all_builtin())
    assert line.startswith("No database work per request: jwt-stateless (150 µs")
    assert "but jwt-stateless reads no user row" in line
    checked = changed(all_builtin(), "jwt-stateless", user_checked_per_request=True)
    assert "reads no user row" not in pick(picks.no_queries, checked)
    assert pick(picks.no_queries, all_builtin({"jwt-stateless": {"queries": 1}})) is None


def test_no_queries__dates_a_deactivation_by_the_declared_delay(pick):
    """A cached variant never expires (token-cached, basic-cached) or outlives its cache
    (session-cache): a deactivation reaches it within the cache TTL it declares as its
    revocation delay, not "when the credential expires"; a stateless JWT at its expiry."""
    cached = {"request_us": 120.0, "queries": 0}
    schemes = [
        *all_builtin(),
        *(entry(n, **cached) for n in ("token-cached", "basic-cached", "session-cache")),
    ]
    line = pick(picks.no_queries, schemes)
    assert "only when the credential expires" not in line
    tail = line.partition(" — but ")[2]
    assert tail == (
        "jwt-stateless, token-cached, basic-cached, session-cache read no user row per "
        "request, so deactivating an account takes effect jwt-stateless within 5 min (when "
        "the credential expires); token-cached, basic-cached, session-cache within 1 min "
        "(the cache TTL)."
    )
    # The entry's own revocation_delay_s (what the run recorded) decides.
    longer = [
        {**e, "revocation_delay_s": 120} if e["scheme"] == "token-cached" else e for e in schemes
    ]
    assert "token-cached within 2 min (the cache TTL)" in pick(picks.no_queries, longer)


def test_revocable__is_the_cheapest_expiring_scheme_revoked_at_once(pick):
    # session and knox expire and are revoked at once; jwt's access token outlives logout.
    line = pick(picks.revocable, all_builtin())
    assert line.startswith("Expiring credentials, revoked at once on every server: session (160")
    assert line.endswith("; also knox.")
    cheaper_knox = all_builtin({"knox": {"request_us": 120.0}})
    assert pick(picks.revocable, cheaper_knox).startswith(
        "Expiring credentials, revoked at once on every server: knox "
    )
    # The declared delay decides, not the logout_immediate flag.
    knox_delayed = all_builtin({"knox": {"revocation_delay_s": 60}})
    assert "also" not in pick(picks.revocable, knox_delayed)
    no_flag = changed(all_builtin(), "knox", logout_immediate=False)
    assert pick(picks.revocable, no_flag).endswith("; also knox.")
    never = changed(knox_delayed, "session", expiry_seconds=None)
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


def test_under_load__ranks_nothing_when_other_processes_crowded_the_load_phase(tmp_path):
    schemes = all_builtin({"token": {"load_rps": 900.0}})
    crowded = {"ran": True, "other_cpu_cores": 1.02, "noisy": True}
    line = picks.under_load(write_run(tmp_path / "crowded", summary(schemes, load=crowded)))
    assert line.startswith(
        "Most requests/s under load: not ranked, ≈ (within noise): other processes kept 1.02"
    )
    assert "token" not in line
    idle = {"ran": True, "other_cpu_cores": 0.01, "noisy": False}
    line = picks.under_load(write_run(tmp_path / "idle", summary(schemes, load=idle)))
    assert line.startswith("Most requests/s under load: token ")


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
    assert [line.split(",")[0].split(":")[0] for line in lines] == [
        "Cheapest authenticated request",
        "Cheapest with immediate revocation (delay 0)",
        "Cheapest revocable within a minute (delay ≤ 60 s)",
        "Most requests/s under load",
    ]


X, LE, APPROX = "\N{MULTIPLICATION SIGN}", "\N{LESS-THAN OR EQUAL TO}", "\N{ALMOST EQUAL TO}"


def frontier(**changes: dict) -> list[dict]:
    """Schemes with instruction ratios and paired wall intervals (the frontier's figures):
    token-cached and session-cache revoke within 60 s, token and knox-direct at once,
    jwt-stateless after 300 s, jwe never; ``changes`` per scheme (``-`` as ``_``)."""
    figures = {
        "none": (100.0, 1.0, (1.0, 1.0), 1.0),
        "token": (250.0, 2.5, (2.4, 2.6), 2.4),
        "knox-direct": (280.0, 2.8, (2.7, 2.9), 2.5),
        "token-cached": (140.0, 1.4, (1.35, 1.45), 1.26),
        "session-cache": (150.0, 1.5, (1.46, 1.55), 1.32),
        "jwt-stateless": (130.0, 1.3, (1.25, 1.35), 1.2),
        "jwe": (200.0, 2.0, (1.9, 2.1), 1.9),
    }
    return [
        entry(
            name,
            **{
                "request_us": us,
                "ratio_to_none": wall,
                "ratio_to_none_ci": list(ci),
                "instructions_ratio_to_none": instructions,
                "request_instructions": instructions * 1e6,
                **changes.get(name.replace("-", "_"), {}),
            },
        )
        for name, (us, wall, ci, instructions) in figures.items()
    ]


def test_immediate__is_the_cheapest_in_instructions_of_the_schemes_revoked_at_once(pick):
    line = pick(picks.immediate, frontier())
    assert line == (
        f"Cheapest with immediate revocation (delay 0), by CPU instructions: token (2.40{X} none "
        f"in instructions, 2.50{X} in wall time)."
    )
    dearer_token = frontier(token={"instructions_ratio_to_none": 2.6})
    assert "by CPU instructions: knox-direct (2.50" in pick(picks.immediate, dearer_token)
    # The baseline is never a pick, whatever it declares.
    free_none = frontier(none={"revocation_delay_s": 0})
    assert "instructions: token (" in pick(picks.immediate, free_none)
    assert (
        pick(
            picks.immediate,
            frontier(token={"revocation_delay_s": 60}, knox_direct={"revocation_delay_s": None}),
        )
        is None
    )


def test_immediate__names_a_tie_when_the_wall_time_intervals_overlap(pick):
    overlapping = frontier(knox_direct={"ratio_to_none_ci": [2.55, 2.9]})
    line = pick(picks.immediate, overlapping)
    assert "by CPU instructions: token (2.40" in line
    assert f"; {APPROX} (within noise) token (250 µs" in line
    assert "knox-direct (280 µs" in line and "a tie in wall time" in line
    assert "in CPU instructions (tolerance 1%): token 2.40 M < knox-direct 2.50 M" in line
    assert "a tie" not in pick(picks.immediate, frontier())


def test_within_a_minute__is_the_cheapest_revoked_within_60_s_and_names_the_budget(pick):
    line = pick(picks.within_a_minute, frontier())
    # jwt-stateless is cheaper but revoked after 300 s; jwe never.
    assert line.startswith(
        f"Cheapest revocable within a minute (delay {LE} 60 s), by CPU instructions: "
        f"token-cached (1.26{X} none in instructions, 1.40{X} in wall time, revoked within 1 min)."
    )
    assert line.endswith(
        f"Revocable within a minute and costs at most 1.30{X} none in instructions: "
        f"token-cached 1.26{X} (revoked within 1 min)."
    )
    assert "jwt-stateless" not in line and "jwe" not in line
    short = frontier(jwt_stateless={"revocation_delay_s": 60})
    line = pick(picks.within_a_minute, short)
    assert "instructions: jwt-stateless (1.20" in line
    assert f"cost at most 1.30{X} none in instructions: jwt-stateless 1.20" in line
    dearer = frontier(token_cached={"instructions_ratio_to_none": 1.35})
    assert pick(picks.within_a_minute, dearer).endswith(
        f"None of them costs at most 1.30{X} none in instructions."
    )


def test_within_a_minute__names_ties_in_instructions_and_in_wall_time(pick):
    close = frontier(session_cache={"instructions_ratio_to_none": 1.265})
    line = pick(picks.within_a_minute, close)
    assert f"{APPROX} (within noise) in instructions (within 1%) with session-cache 1.26" in line
    assert "a tie in wall time" not in line  # 1.35-1.45 and 1.46-1.55 are apart
    noisy = frontier(session_cache={"ratio_to_none_ci": [1.44, 1.6]})
    line = pick(picks.within_a_minute, noisy)
    assert "token-cached (140 µs" in line and "session-cache (150 µs" in line
    assert "a tie in wall time" in line


def test_within_a_minute__falls_back_to_wall_time_without_instruction_counts(pick):
    uncounted = [
        {**e, "instructions_ratio_to_none": None, "request_instructions": None} for e in frontier()
    ]
    line = pick(picks.within_a_minute, uncounted)
    assert line.startswith(
        f"Cheapest revocable within a minute (delay {LE} 60 s), by wall time "
        "(instructions not counted): token-cached (140 µs"
    )
