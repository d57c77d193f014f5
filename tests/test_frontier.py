"""The frontier (reports/frontier.py, reports/charts_frontier.py) and the family grouping
(reports/families.py): the Pareto front, where 0 and never sit on the delay axis, the
chart of the fixture run and its place in the report, the report's family order."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from xml.etree import ElementTree

import pytest

from reports import families
from reports import frontier as fr
from reports.build import build_report
from reports.charts_frontier import cost_limits, dodge
from reports.collect import load_run
from results.schema import FAMILIES

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "run-quick"


def point(name: str, cost: float, delay: float | None, interval=None, **kw) -> fr.Point:
    return fr.Point(name, cost, delay, tuple(interval) if interval else None, **kw)


def names(pts: list[fr.Point]) -> list[str]:
    return [p.scheme for p in pts]


# --- the Pareto front --------------------------------------------------------------


def test_front_keeps_what_nothing_beats_on_both_axes():
    pts = [
        point("immediate", 2.4, 0),
        point("dear-immediate", 3.0, 0),  # as fast as "immediate", dearer
        point("minute", 1.26, 60),
        point("slow", 1.35, 300),  # slower and dearer than "minute"
        point("slow-cheap", 1.1, 300),
        point("never", 2.2, None),  # beaten by everything cheaper
        point("never-cheapest", 1.0, None),
    ]
    front = fr.pareto_front(pts, fr.cheaper_by_instructions)
    assert names(front) == ["immediate", "minute", "slow-cheap", "never-cheapest"]
    # The front changes with a figure: "slow" turns cheapest of its delay.
    pts[3] = point("slow", 1.05, 300)
    assert "slow" in names(fr.pareto_front(pts, fr.cheaper_by_instructions))
    assert "slow-cheap" not in names(fr.pareto_front(pts, fr.cheaper_by_instructions))


def test_front_in_instructions_keeps_both_within_the_tolerance():
    pts = [point("a", 1.260, 0), point("b", 1.265, 60), point("c", 1.30, 60)]
    assert names(fr.pareto_front(pts, fr.cheaper_by_instructions)) == ["a", "b"]


def test_front_in_wall_time_needs_intervals_apart():
    a = point("a", 1.30, 0, (1.25, 1.35))
    b = point("b", 1.40, 60, (1.34, 1.45))  # overlaps a's: a tie, both on the front
    assert names(fr.pareto_front([a, b], fr.cheaper_by_wall)) == ["a", "b"]
    b = point("b", 1.40, 60, (1.36, 1.45))  # apart: a beats it
    assert names(fr.pareto_front([a, b], fr.cheaper_by_wall)) == ["a"]
    # A faster point with a tied cost does not push a cheaper-looking one off.
    c = point("c", 1.20, 300, (1.10, 1.31))
    assert names(fr.pareto_front([a, c], fr.cheaper_by_wall)) == ["a", "c"]
    # Without intervals the medians decide.
    assert names(fr.pareto_front([point("x", 1, 0), point("y", 2, 0)], fr.cheaper_by_wall)) == ["x"]


def test_front_line_joins_the_cheapest_of_each_delay_in_order():
    front = [point("b", 1.2, 60), point("a", 2.0, 0), point("a2", 2.01, 0), point("c", 1.0, None)]
    assert names(fr.front_line(front)) == ["a", "b", "c"]


# --- the delay axis ----------------------------------------------------------------


def test_delay_axis_puts_0_and_never_off_the_log_range():
    axis = fr.delay_axis([0, 60, 300, None])
    assert (axis.low, axis.high) == (1, 3)  # 10 s .. 1,000 s
    assert axis.position(0) == 0.0
    assert axis.position(10) == 1.0 and axis.position(1000) == 3.0
    assert axis.position(60) == pytest.approx(1 + math.log10(6))
    assert axis.position(None) == 4.0  # one decade past the range
    logs = [axis.position(d) for d in (60, 300)]
    assert all(axis.zero + 1 <= p <= axis.never - 1 for p in logs)
    ticks = dict((label, p) for p, label in axis.ticks([0, 60, 300, None]))
    assert ticks["0 (immediate)"] == 0.0 and ticks["never"] == 4.0
    assert ticks["1 min"] == axis.position(60) and ticks["5 min"] == axis.position(300)
    assert "10 s" in ticks and "1,000 s" in ticks  # decades clear of the data


def test_delay_axis_without_positive_delays_still_separates_the_ends():
    axis = fr.delay_axis([0, None])
    assert axis.zero < axis.position(1) < axis.position(10) < axis.never
    assert fr.delay_axis([60]).high > fr.delay_axis([60]).low  # one value: a decade


def test_points_skip_the_baseline_and_undeclared_delays(tmp_path):
    run = load_run(copy(tmp_path))
    pts = fr.points(run, "instructions")
    assert "none" not in names(pts) and len(pts) == len(run.schemes) - 1
    cached = next(p for p in pts if p.scheme == "token-cached")
    counted = run.by_name["token-cached"]["instructions_ratio_to_none"]
    assert (cached.delay, cached.variant_of, cached.cost) == (60, "token", counted)
    assert counted <= 1.3  # the frontier issue's goal, in the committed fixture run
    wall = {p.scheme: p for p in fr.points(run, "wall")}
    assert wall["token-cached"].interval == tuple(run.by_name["token-cached"]["ratio_to_none_ci"])
    assert {p.scheme: p.delay for p in pts}["jwe"] is None  # never


def test_off_scale_costs_sit_past_the_break_and_close_points_are_lifted():
    pts = [point("a", 1.2, 0), point("b", 1.21, 0), point("basic", 8000, 0)]
    left, right, edge = cost_limits(pts)
    assert left < 1.0 and edge is not None and 1.21 < edge < right < 50
    assert cost_limits(pts[:2])[2] is None
    lift = dodge(pts, lambda p: math.log(p.cost) / 10)
    assert lift["a"] == 0 and lift["b"] != 0 and lift["basic"] == 0


# --- the chart in the report -------------------------------------------------------


def copy(tmp_path: Path) -> Path:
    run = tmp_path / "run"
    shutil.copytree(FIXTURE, run)
    return run


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    run = copy(tmp_path_factory.mktemp("frontier"))
    build_report(run)
    return run


def test_the_chart_is_written_and_embedded(built):
    svg = (built / "charts" / "frontier.svg").read_text()
    ElementTree.fromstring(svg)  # well-formed
    html = (built / "index.html").read_text()
    figure = html.split('id="chart-frontier"')[1].split("</figure>")[0]
    assert "<svg" in figure and "Pareto front" in figure and "in wall time with" in figure
    md = (built / "report.md").read_text()
    assert "![Cost against revocation delay: the frontier](charts/frontier.svg)" in md


def test_the_report_names_the_cheap_minute_revocable_credentials(built):
    md = (built / "report.md").read_text()
    picks = md.split("## What to pick")[1].split("## Charts")[0]
    line = next(p for p in picks.splitlines() if "revocable within a minute" in p)
    # From the fixture: token-cached counts 1.28x none and is revoked within 60 s.
    assert "cost at most 1.30\N{MULTIPLICATION SIGN} none in instructions: " in line
    assert "token-cached 1.28\N{MULTIPLICATION SIGN} (revoked within 1 min)" in line
    assert "Cheapest with immediate revocation (delay 0), by CPU instructions: token" in picks


def test_the_wide_tables_group_schemes_by_family(built):
    html = (built / "index.html").read_text()
    headline = html.split('id="headline"')[1].split("</section>")[0]
    headers = [h.split(">")[-1] for h in headline.split("</th></tr>") if 'class="family"' in h]
    assert headers == [
        FAMILIES[f] for f in ("baseline", "password", "server-state", "token", "third-party")
    ]
    # A variant sits in its own family, after the stock schemes of the registry.
    server = headline.split(FAMILIES["server-state"])[1].split(FAMILIES["token"])[0]
    assert server.index("<td>token</td>") < server.index("<td>token-cached</td>")
    props = html.split('id="properties"')[1].split("</section>")[0]
    for column in ("revocation delay", "issuer", "claims on the wire"):
        assert f"<th>{column}</th>" in props
    assert "encrypted (unreadable without the key)" in props  # jwe
    assert "never (until it expires)" in props and "1 min" in props


def test_family_order_is_stable_and_unknown_families_follow():
    schemes = [
        {"scheme": "mine", "family": "homegrown"},
        {"scheme": "t", "family": "token"},
        {"scheme": "old"},
        {"scheme": "none", "family": "baseline"},
        {"scheme": "s", "family": "server-state"},
        {"scheme": "t2", "family": "token"},
    ]
    assert [s["scheme"] for s in families.ordered(schemes)] == [
        "none", "s", "t", "t2", "mine", "old",
    ]  # fmt: skip
    assert families.section_starts(schemes) == [
        FAMILIES["baseline"], FAMILIES["server-state"], FAMILIES["token"], None,
        "homegrown", families.UNRECORDED,
    ]  # fmt: skip


def test_results_and_schemes_name_the_same_families():
    from schemes.base import FAMILIES as DECLARED

    assert DECLARED == FAMILIES
