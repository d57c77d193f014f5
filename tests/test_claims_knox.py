"""knox-cost-grows divides the figure the knox tokens table shows (the paired x none,
with its interval), and names overlapping neighbours a tie; the producer records the
intervals and the table prints them in their figure's cell."""

from __future__ import annotations

from benchmarks import summary as bench_summary
from benchmarks.records import Kind
from reports.claims import CONFIRMED, DEPENDS
from reports.claims_notes import ALL_CLAIMS
from reports.render import tables
from tests.synthetic_run import all_builtin, summary, write_run

KNOX = next(c for c in ALL_CLAIMS if c.key == "knox-cost-grows")
X, DASH, ALMOST = "\N{MULTIPLICATION SIGN}", "\N{EN DASH}", "\N{ALMOST EQUAL TO}"
#: The full run 20261201T201433Z-full's rows: 1 token's median above 10 tokens' (the
#: machine drifted between them), their paired x none the other way round.
FULL_RUN = [
    (1, 3178.18, 3.6385, [3.55, 3.73]),
    (10, 2257.082, 4.1665, [3.70, 4.60]),
    (100, 5449.188, 6.1235, [5.90, 6.40]),
    (1000, 44546.23, 65.5033, [64.0, 67.0]),
]


def _knox_run(tmp_path, rows):
    dims = {
        "knox_tokens": [
            {"tokens_per_user": n, "request_us": us, "ratio_to_none": r, "ratio_to_none_ci": ci}
            for n, us, r, ci in rows
        ]
    }
    return write_run(tmp_path, summary(all_builtin(), dimensions=dims))


def test_knox_cost_grows__divides_the_paired_ratios_of_the_table(tmp_path):
    found = KNOX.test(_knox_run(tmp_path / "run", FULL_RUN))
    assert found.verdict == CONFIRMED
    by_count, growth, tie, medians = found.evidence
    assert by_count.startswith(
        f"knox request by tokens per user (paired {X} none, as in the knox tokens table): "
        f"1: 3.64{X} (95% CI 3.55{DASH}3.73{X}), 10: 4.17{X}"
    ), by_count
    # 65.5 / 3.64, not the medians' 44,546 / 3,178 = 14.0.
    assert growth == (
        f"1,000 tokens cost 18.0{X} one token (17.2{DASH}18.9{X} from the two 95% CIs; "
        f"the quotient of their paired {X} none)"
    ), growth
    assert tie == f"{ALMOST} (within noise): 1 and 10 tokens: a tie, not ranked"
    assert medians.startswith(
        "the medians order 1 token 3,178 µs against 10 tokens 2,257 µs the other way"
    ), medians


def test_knox_cost_grows__ranks_separated_rows_and_judges_noise(tmp_path):
    apart = [(n, us, r, [r * 0.99, r * 1.01]) for n, us, r, _ in FULL_RUN]
    found = KNOX.test(_knox_run(tmp_path / "apart", apart))
    assert not any("within noise" in line for line in found.evidence)
    # 1 -> 10 tokens grows 1.9x with an interval across the rule's 2x: noise, not a verdict.
    near = [(1, 100.0, 2.0, [1.9, 2.1]), (10, 100.0, 3.8, [3.6, 4.0])]
    found = KNOX.test(_knox_run(tmp_path / "near", near))
    assert found.verdict == DEPENDS
    assert f"{ALMOST} (within noise): the growth lies in" in found.evidence[-1]


def test_knox_cost_grows__says_when_a_run_recorded_no_interval(tmp_path):
    old = [(n, us, r, None) for n, us, r, _ in FULL_RUN]  # runs before ratio_to_none_ci
    evidence = KNOX.test(_knox_run(tmp_path / "old", old)).evidence
    assert f"1,000 tokens cost 18.0{X} one token (no interval recorded in this run" in evidence[1]
    assert evidence[2].endswith("they are not ranked against each other")


def test_knox_tokens_rows_carry_the_paired_ratios_interval():
    record = {
        "kind": str(Kind.KNOX_TOKENS),
        "tokens_per_user": 10,
        "median_us": 2257.0,
        "iqr_us": 857.0,
        "data": [0.0022, 0.0023, 0.0021, 0.0024, 0.0022],
        "ratio_paired": 4.1665,
        "ratio_paired_samples": [4.0, 4.1, 4.2, 4.3, 4.1665],
    }
    (row,) = bench_summary.dimensions([record], baseline_us=600.0)["knox_tokens"]
    assert row["ratio_to_none"] == 4.1665
    low, high = row["ratio_to_none_ci"]
    assert 4.0 <= low <= 4.1665 <= high <= 4.3
    assert row["request_ci_us"][0] <= 2250.0 <= row["request_ci_us"][1]


def test_the_dimension_table_puts_each_interval_in_its_figures_cell():
    rows = [
        {
            "tokens_per_user": 1,
            "request_us": 3178.18,
            "request_ci_us": [3100.0, 3300.0],
            "ratio_to_none": 3.6385,
            "ratio_to_none_ci": [3.55, 3.73],
        }
    ]
    table = tables.dimension("knox_tokens", rows)
    assert table.header == ["tokens_per_user", "request_us", "ratio_to_none"]
    assert table.rows[0][1:] == [
        f"3,178 (95% CI 3,100{DASH}3,300)",
        f"3.64{X} (95% CI 3.55{DASH}3.73{X})",
    ]
