"""Load figures carry their sample: a percentile with too few samples behind it is marked,
never shown as a figure; server CPU per request leads the load columns; and the
where-the-µs-go chart is drawn from the attributed parts."""

from __future__ import annotations

import pytest

from loadtests.stats import Batch, Sample, min_samples, summarise, too_few_samples
from reports import charts
from reports.analyse import HEADLINE, analyse
from reports.render import tables
from tests.synthetic_run import entry, summary, write_run


def test_each_percentile_needs_five_samples_at_or_above_it():
    assert [min_samples(p) for p in (50, 95, 99)] == [10, 100, 500]
    assert too_few_samples(9) == ["p50", "p95", "p99"]
    assert too_few_samples(20) == ["p95", "p99"]
    assert too_few_samples(100) == ["p99"]
    assert too_few_samples(500) == []


def test_summarise_reports_the_sample_and_its_spread():
    samples = [Sample("GET", float(t), 100, 400, True) for t in (10, 11, 12, 13, 20)] * 4
    figures = summarise([Batch(samples=samples, window_s=1.0)])
    assert figures["requests"] == 20
    assert figures["too_few_samples"] == ["p95", "p99"]
    assert figures["latency_iqr_us"] == 2.0  # the lab's one IQR definition


def test_a_percentile_from_too_few_samples_is_null_in_the_summary():
    """The summary's load_pNN_us is what the CSV, compare and the charts read: a refused
    percentile must not reach them as a figure."""
    from loadtests.orchestrate import load_fields

    samples = [Sample("GET", float(t), 100, 400, True) for t in range(1, 21)]
    result = {**summarise([Batch(samples=samples, window_s=1.0)]), "server_cpu_us_per_request": 9.0,
              "generator_cpu_pct": 50.0}  # fmt: skip
    fields = load_fields(result)
    assert fields["load_too_few_samples"] == ["p95", "p99"]
    assert fields["load_p95_us"] is None and fields["load_p99_us"] is None
    assert fields["load_p50_us"] == result["latency"]["p50_us"] > 0
    assert fields["load_max_us"] == 20.0  # the slowest request is a count, not a percentile


def _run(tmp_path):
    few = {"load_requests": 20, "load_too_few_samples": ["p95", "p99"],
           "load_p50_us": 5e5, "load_p95_us": 6e5, "load_p99_us": 7e5,
           "load_server_cpu_us_per_request": 490_000.0}  # fmt: skip
    many = {"load_requests": 900, "load_too_few_samples": [], "load_p50_us": 900.0,
            "load_p95_us": 1500.0, "load_p99_us": 2000.0,
            "load_server_cpu_us_per_request": 1200.0}  # fmt: skip
    parts = {"extra_sql_us": 30.0, "extra_crypto_us": 10.0, "extra_rest_us": 20.0}
    schemes = [entry("none", **many), entry("basic", **few), entry("token", **many, **parts)]
    return write_run(tmp_path / "run", summary(schemes))


def test_a_percentile_below_its_minimum_is_marked_not_shown(tmp_path):
    table = tables.headline(analyse(_run(tmp_path)))
    rows = {row[0]: dict(zip(table.header, row, strict=True)) for row in table.rows}
    assert rows["basic"]["load p95 µs"] == "too few samples (n=20)"
    assert rows["basic"]["load p99 µs"] == "too few samples (n=20)"
    assert rows["basic"]["load p50 µs"].endswith("n=20")
    assert rows["token"]["load p99 µs"].startswith("2,000")


def test_server_cpu_per_request_is_the_first_load_column():
    load = [f.key for f in HEADLINE if f.load]
    assert load[0] == "load_server_cpu_us_per_request"


@pytest.mark.parametrize("with_parts", [True, False])
def test_where_the_us_go_chart_needs_the_parts(tmp_path, with_parts):
    run = _run(tmp_path)
    if not with_parts:
        for s in run.schemes:
            s["extra_rest_us"] = None
    svg = charts.where_us_go(run)
    assert (svg is not None and svg.startswith("<svg")) is with_parts


@pytest.mark.parametrize(("agrees", "warned"), [(True, False), (False, True)])
def test_a_crypto_check_outside_the_band_is_a_warning(tmp_path, agrees, warned):
    check = {"ratio": 0.86 if not agrees else 1.01, "agrees": agrees}
    data = summary([entry("none"), entry("basic")], attribution={"basic_crypto_check": check})
    warnings = analyse(write_run(tmp_path / "run", data)).warnings
    assert any("attributed crypto" in w for w in warnings) is warned


@pytest.mark.parametrize("with_parts", [True, False])
def test_where_the_instructions_go_chart_needs_the_parts(tmp_path, with_parts):
    run = _run(tmp_path)
    for s in run.schemes:
        s.update(extra_sql_instructions=300_000, extra_crypto_instructions=0,
                 extra_rest_instructions=1_500_000 if with_parts else None)  # fmt: skip
    svg = charts.where_instructions_go(run)
    assert (svg is not None and svg.startswith("<svg")) is with_parts
    if with_parts:
        assert "1.80 M instructions" in svg  # the label: the whole extra


@pytest.mark.parametrize(("agrees", "warned"), [(True, False), (False, True)])
def test_an_instruction_hasher_check_outside_the_band_is_a_warning(tmp_path, agrees, warned):
    check = {"ratio": 1.2 if not agrees else 1.0002, "agrees": agrees}
    data = summary(
        [entry("none"), entry("basic")],
        attribution={"basic_hasher_check_instructions": check},
    )
    warnings = analyse(write_run(tmp_path / "run", data)).warnings
    assert any("Where the instructions go" in w for w in warnings) is warned


def test_the_warmup_settles_once_steady_for_longer_than_the_slowest_request():
    from loadtests.stats import CALM_SLICES, Slice, settled

    warm = Slice(25, mean_s=0.010, max_s=0.030)
    assert not settled([], 0.1)
    assert not settled([warm] * (CALM_SLICES - 1), 0.1)
    assert settled([warm] * CALM_SLICES, 0.1)
    # basic-cached, cold: a worker's 0.9 s hash ends and lifts its slice's mean
    # fourfold; the calm after it must outlast that request.
    finished = Slice(25, mean_s=0.045, max_s=0.9)
    cold = [warm, warm, finished, warm, finished]
    assert not settled([*cold, *[warm] * CALM_SLICES], 0.1)
    assert not settled([*cold, *[warm] * 9], 0.1)  # 0.9 s: not longer than the hash
    assert settled([*cold, *[warm] * 10], 0.1)
    # Noise under the spike factor is calm; empty slices neither break nor spike.
    assert settled([warm, Slice(25, mean_s=0.018, max_s=0.04), Slice(0), warm], 0.1)
    # A request held up now (a hash under way that has not ended yet) keeps it going.
    held = Slice(25, mean_s=0.010, max_s=0.030, oldest_in_flight_s=0.4)
    assert not settled([*[warm] * CALM_SLICES, held], 0.1)
    # A slow scheme (a hash per request: Basic) has nothing to warm, once seen slow in
    # enough slices: a cold start's first answers are slow too (all users held up).
    basic = [Slice(1, mean_s=1.7, max_s=1.7), Slice(0), Slice(0)]
    assert not settled(basic * 3, 0.1)  # 0.9 s: could be a cold start still
    assert settled(basic * 14, 0.1)  # 4.2 s


def test_a_figure_a_scheme_cannot_have_says_why_not_not_measured(tmp_path):
    schemes = [entry("none"), entry("basic"), entry("token")]  # has_login: registry's
    for s in schemes:
        s.update(login_us=None, authenticate_us=None)
    table = tables.headline(analyse(write_run(tmp_path / "run", summary(schemes))))
    rows = {row[0].strip("*"): dict(zip(table.header, row, strict=True)) for row in table.rows}
    login = next(h for h in table.header if h.startswith("login"))
    auth = next(h for h in table.header if h.startswith("authenticate"))
    assert rows["none"][login].strip("*") == "no login"
    assert rows["basic"][login] == "no login"  # the password on every request
    assert rows["none"][auth].strip("*") == "no class"
    # token has a login and a class: a missing figure is missing, and says so.
    assert rows["token"][login] == rows["token"][auth] == "not measured"
