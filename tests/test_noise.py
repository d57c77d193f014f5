"""The noise rule (benchmarks.summary.noise) on synthetic paired timings: samples like
an idle machine's are not flagged, samples like a run beside a CPU hog are, and the
intervals it reports are the bootstrap's (deterministic: the same data, the same
interval)."""

from __future__ import annotations

import random

from benchmarks import summary as bench_summary
from results import stats

SCHEMES = ("none", "token", "session", "jwt")
#: µs per request of each scheme, and its true ratio to none.
COST_US = {"none": 250.0, "token": 1000.0, "session": 1500.0, "jwt": 700.0}


def timings(rng: random.Random, us: float, n: int, hog: bool) -> list[float]:
    """``n`` rounds (seconds) of a ``us`` call: ±1% jitter when idle; beside a hog, each
    round loses the CPU for a varying share of its time (log-normal, sd 0.5: the spread
    seen on this machine with other jobs running, IQRs near 100% of the median)."""
    if hog:
        return [us * rng.lognormvariate(0.2, 0.5) / 1e6 for _ in range(n)]
    return [us * rng.gauss(1.0, 0.01) / 1e6 for _ in range(n)]


def records(hog: bool, n: int = 300, seed: int = 1) -> list[dict]:
    """Benchmark records as read_records makes them: rounds, and for every scheme but
    none the per-round ratios to the none block timed right after it."""
    rng = random.Random(seed)
    out = []
    base = timings(rng, COST_US["none"], n, hog)
    out.append(
        {"kind": "request", "scheme": "none", "method": "GET", "data": base,
         "median_us": stats.median(base) * 1e6}
    )  # fmt: skip
    for name in SCHEMES[1:]:
        own = timings(rng, COST_US[name], n, hog)
        after = timings(rng, COST_US["none"], n, hog)
        out.append(
            {
                "kind": "request",
                "scheme": name,
                "method": "GET",
                "data": own,
                "median_us": stats.median(own) * 1e6,
                "ratio_paired": round(
                    stats.median(a / b for a, b in zip(own, after, strict=True)), 4
                ),
                "ratio_paired_samples": [a / b for a, b in zip(own, after, strict=True)],
            }
        )
    return out


def noise_of(recs: list[dict]) -> dict:
    base = recs[0]
    figures = {
        r["scheme"]: bench_summary.scheme_entry(
            {"scheme": r["scheme"]}, recs, r["median_us"] and base["median_us"], None, base
        )
        for r in recs
    }
    return bench_summary.noise(recs, "none", figures)


def test_idle_samples_are_not_noisy():
    for seed in (1, 2, 3):
        noise = noise_of(records(hog=False, seed=seed))
        assert noise["noisy"] is False, noise
        assert noise["baseline_ci_pct"] < 1 and noise["ratio_ci_pct"] < 1
        assert noise["ratio_spread_pct"] < 5


def test_hog_samples_are_noisy_and_say_how_wide():
    for seed in (1, 2, 3):
        noise = noise_of(records(hog=True, seed=seed))
        assert noise["noisy"] is True, noise
        widest = max(noise["baseline_ci_pct"], noise["ratio_ci_pct"])
        assert widest > noise["threshold_pct"] == bench_summary.NOISE_CI_PCT
        assert noise["ratio_spread_pct"] > noise["spread_threshold_pct"]
        assert noise["baseline_ci_us"][0] < noise["baseline_start_us"] < noise["baseline_ci_us"][1]


def test_few_rounds_give_no_narrow_interval():
    """Three rounds of a slow call cannot support a ±1% claim: the interval is their range."""
    rng = random.Random(5)
    three = timings(rng, 1e6, 3, hog=False)
    low, high = stats.bootstrap_ci(three)
    assert low >= min(three) and high <= max(three) and high > low
    assert stats.bootstrap_ci(three[:2]) is None


def test_bootstrap_is_deterministic_and_covers_the_median():
    rng = random.Random(7)
    samples = [rng.gauss(100, 5) for _ in range(1000)]
    first, again = stats.bootstrap_ci(samples), stats.bootstrap_ci(list(samples))
    assert first == again
    assert first[0] < stats.median(samples) < first[1]
    assert stats.bootstrap_ci(samples, seed=1) != first  # the seed is what fixes it
    # 1,000 samples of sd 5: the median's 95% interval is about ± 0.4 µs, far below ± 5.
    assert 0.1 < (first[1] - first[0]) / 2 < 1.0


def test_the_interval_of_the_paired_ratio_is_in_the_summary():
    recs = records(hog=False)
    token = bench_summary.scheme_entry(
        {"scheme": "token"}, recs, recs[0]["median_us"], None, recs[0]
    )
    low, high = token["ratio_to_none_ci"]
    assert low < token["ratio_to_none"] < high and low > 3.9 and high < 4.1
    assert token["request_ci_us"][0] < token["request_us"] < token["request_ci_us"][1]
    none = bench_summary.scheme_entry({"scheme": "none"}, recs, recs[0]["median_us"], None, recs[0])
    assert none["ratio_to_none_ci"] == [1.0, 1.0]


def test_a_noisy_run_names_its_cause_from_what_it_recorded():
    from reports.noise import noise_cause

    crowded = {"other_cpu_cores": 1.0, "other_cores_threshold": 0.25, "drift_pct": 2.0}
    assert noise_cause(crowded).startswith("other processes kept 1.00 cores busy: rerun when")
    alone = {**crowded, "other_cpu_cores": 0.01, "drift_pct": -35.0}
    assert noise_cause(alone).startswith("no other process was busy (0.01 cores)")
    assert "none moved -35.0% from start to end" in noise_cause(alone)
    assert noise_cause({}).startswith("another process, or the machine's own speed")
    for noise in (crowded, alone, {}):
        assert noise_cause(noise).endswith("or rank by instructions, which do not move")


#: A run's noise object as benchmarks.summary.noise writes it, steady on every rule.
STEADY = {"baseline_ci_pct": 1.4, "ratio_ci_pct": 2.8, "threshold_pct": 3.0,
          "ratio_spread_pct": 12.7, "spread_threshold_pct": 25.0,
          "other_cpu_cores": 0.01, "other_cores_threshold": 0.25, "drift_pct": -9.8}  # fmt: skip


def test_the_noise_warning_names_the_rules_that_fired_and_only_those():
    from reports.analyse import noise_warning
    from reports.noise import noise_triggers

    assert noise_triggers(STEADY) == []
    crowded = {**STEADY, "other_cpu_cores": 0.99, "noisy": True}
    assert noise_triggers(crowded) == ["other processes kept 0.99 cores busy, over the 0.25 limit"]
    text = noise_warning(crowded)
    # The busy cores once (as the cause), and why the intervals did not show them.
    assert text.startswith("Noisy run: other processes kept 0.99 cores busy: rerun when")
    assert text.count("0.99 cores") == 1 and "within their limits" in text
    wide = {**STEADY, "ratio_ci_pct": 6.3, "noisy": True}
    assert noise_triggers(wide) == ["95% intervals ± 6.3%, over the ± 3.0% limit"]
    text = noise_warning(wide)
    assert text.startswith("Noisy run: 95% intervals ± 6.3%, over the ± 3.0% limit; no other")
    assert "2.1\N{MULTIPLICATION SIGN} it" in text and "within their limits" not in text
    spread = {**STEADY, "ratio_spread_pct": 31.0}
    assert noise_triggers(spread) == ["paired block ratios spread 31.0%, over the 25% limit"]


def test_the_headline_says_to_compare_by_times_none_when_the_machine_drifted(tmp_path):
    from reports.analyse import analyse
    from tests.synthetic_run import entry, summary, write_run

    drifted = {**STEADY, "baseline_paired_min_us": 378.0, "baseline_paired_max_us": 1663.0}
    run = write_run(tmp_path / "run", summary([entry("none"), entry("token")], noise=drifted))
    note = analyse(run).currencies[0]
    assert note.startswith("Compare schemes by \N{MULTIPLICATION SIGN} none, not by their µs")
    assert "took 378\N{EN DASH}1,663 µs over this run; -9.8% from the start to the end" in note
    bare = write_run(tmp_path / "bare", summary([entry("none"), entry("token")]))
    assert not any(line.startswith("Compare schemes") for line in analyse(bare).currencies)
