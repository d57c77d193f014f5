"""The web UI's authlab tab: rows and CSV from raw samples (no locust, no server)."""

from __future__ import annotations

import csv
import io

import pytest

from loadtests import livestats
from loadtests.livestats import COLUMNS, LiveStats, Sample, table, to_csv
from loadtests.stats import min_samples
from results.stats import percentile


def samples(times_us, sent=500, received=300, credential=0, ok=True):
    return [Sample(t, sent, received, credential, ok) for t in times_us]


def test_rows_keep_sub_millisecond_percentiles_and_exact_counts():
    stats = LiveStats()
    stats.start(["token"], users=4, started_at="2026-12-01T12:00:00Z")
    times = [400.3 + i * 0.25 for i in range(600)]  # 400.3 .. 550.05 µs
    stats.add("token", samples(times, sent=563, credential=63))
    stats.add("token", samples([900.5], ok=False, credential=63))
    stats.window("token", "worker-a", 601, 2.0)
    (row,) = table(stats)
    assert row["scheme"] == "token" and row["users"] == 4
    assert row["requests"] == 601 and row["failures"] == 1
    assert row["p50_us"] == round(percentile([*times, 900.5], 50), 1) == 475.3
    assert row["p99_us"] == round(percentile([*times, 900.5], 99), 1)
    assert row["max_us"] == 900.5
    assert row["credential_bytes_per_request"] == 63.0
    assert row["bytes_sent_per_request"] == pytest.approx((600 * 563 + 500) / 601, abs=0.05)
    assert row["rps"] == 300.5  # 601 requests over 2 s
    assert row["latency_samples"] == 601


def test_too_few_samples_follow_the_load_phase_rule():
    stats = LiveStats()
    stats.add("basic", samples([1000.0 + i for i in range(min_samples(95) - 1)]))
    (row,) = table(stats)
    assert isinstance(row["p50_us"], float)
    assert row["p95_us"] == row["p99_us"] == livestats.TOO_FEW


def test_baseline_first_and_ratio_to_it():
    stats = LiveStats()
    stats.start(["token"], 2, "t1")
    stats.add("token", samples([300.0] * 20))
    stats.start(["none"], 2, "t2")
    stats.add("none", samples([200.0] * 20))
    rows = table(stats)
    assert [r["scheme"] for r in rows] == ["none", "token"]
    assert [r["p50_x_none"] for r in rows] == [1.0, 1.5]


def test_rerunning_a_scheme_replaces_only_its_row():
    stats = LiveStats()
    for name in ("none", "token"):
        stats.start([name], 2, "t1")
        stats.add(name, samples([100.0] * 10))
    stats.start(["token"], 8, "t2")
    stats.add("token", samples([700.0] * 12))
    rows = {r["scheme"]: r for r in table(stats)}
    assert rows["none"]["requests"] == 10 and rows["none"]["started_at"] == "t1"
    assert rows["token"]["requests"] == 12 and rows["token"]["users"] == 8
    stats.clear()
    assert table(stats) == []


def test_latencies_beyond_the_cap_are_a_uniform_sample(monkeypatch):
    monkeypatch.setattr(livestats, "MAX_KEPT", 1000)
    stats = LiveStats()
    stats.add("none", samples([100.0] * 1000 + [900.0] * 3000))
    (row,) = table(stats)
    assert row["requests"] == 4000 and row["latency_samples"] == 1000
    # Three quarters of all requests took 900 µs: so do about 3/4 of those kept.
    kept = stats.schemes["none"].latencies
    assert 650 < sum(t == 900.0 for t in kept) < 850
    assert row["p50_us"] == 900.0


def test_a_row_is_recomputed_only_after_its_figures_change():
    stats = LiveStats()
    stats.add("none", samples([100.0] * 10))
    first = table(stats)[0]
    assert stats.schemes["none"].row is not None
    stats.add("none", samples([300.0] * 30))
    assert table(stats)[0]["p50_us"] == 300.0 != first["p50_us"]


def test_csv_has_one_column_per_table_column():
    stats = LiveStats()
    stats.start(["none"], 2, "2026-12-01T12:00:00Z")
    stats.add("none", samples([412.3] * 12))
    parsed = list(csv.reader(io.StringIO(to_csv(table(stats)))))
    assert parsed[0] == [key for key, _ in COLUMNS]
    row = dict(zip(parsed[0], parsed[1], strict=True))
    assert row["scheme"] == "none" and row["requests"] == "12"
    assert row["p50_us"] == "412.3"
    assert row["p95_us"] == "too few"
    assert row["rps"] == ""  # no window reported yet: empty, not a guess


def test_sample_rows_round_trip():
    sample = Sample(412.25, 563, 301, 63, False)
    assert Sample.from_row(sample.as_row()) == sample
