"""The comparison report, built from the committed QUICK run in ``tests/fixtures/run-quick``.

Each test copies the fixture to a temporary folder first, so the committed files
are never rewritten. No timing is asserted: only what the report shows and how it
refuses bad input.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import subprocess
import sys
from operator import itemgetter
from pathlib import Path
from xml.etree import ElementTree

import pytest

from reports import __main__ as cli
from reports.analyse import HEADLINE
from reports.build import build_report
from reports.charts import CHARTS
from reports.claims import REFUTED, VERDICTS
from reports.claims_notes import ALL_CLAIMS as CLAIMS
from reports.claims_notes import judge_all
from reports.collect import ReportInputError, load_run

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "run-quick"
ROOT = FIXTURE.parents[2]
SVG_NS = "{http://www.w3.org/2000/svg}"
OUTPUTS = ("index.html", "report.md", "summary.csv")
#: The report's typography (reports/fmt.py): ratios end in a multiplication sign,
#: intervals join their ends with an en dash.
TIMES, DASH = "\N{MULTIPLICATION SIGN}", "\N{EN DASH}"


def copy_fixture(tmp_path: Path, edit=None) -> Path:
    """Copy the fixture run to ``tmp_path/run``; ``edit(summary)`` may change it first."""
    run = tmp_path / "run"
    shutil.copytree(FIXTURE, run)
    if edit is not None:
        path = run / "summary.json"
        summary = json.loads(path.read_text())
        edit(summary)
        path.write_text(json.dumps(summary))
    return run


def fixture_summary() -> dict:
    return json.loads((FIXTURE / "summary.json").read_text())


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The fixture's report, built once for the module; returns the run folder."""
    run = copy_fixture(tmp_path_factory.mktemp("report"))
    index = build_report(run)
    assert index == run / "index.html"
    return run


# --- content ---------------------------------------------------------------------


def test_fixture_is_a_real_complete_run_of_every_builtin_scheme():
    from django.utils.module_loading import import_string

    from schemes.registry import BUILTIN

    summary = fixture_summary()
    assert (FIXTURE / "COMPLETE").is_file()
    names = [s["scheme"] for s in summary["schemes"]]
    assert names[0] == "none"
    # The built-in schemes (the test settings register one more, which no bench ran).
    assert set(names) >= {import_string(p).name for p in BUILTIN}


def test_build_writes_every_output(built):
    for name in OUTPUTS:
        assert (built / name).stat().st_size > 0, name
    assert list((built / "charts").glob("*.svg"))


def test_every_scheme_is_in_every_output(built):
    html = (built / "index.html").read_text()
    md = (built / "report.md").read_text()
    rows = list(csv.DictReader(io.StringIO((built / "summary.csv").read_text())))
    names = [s["scheme"] for s in fixture_summary()["schemes"]]
    headline = html.split('id="headline"')[1].split("</section>")[0]
    for name in names:
        assert f"<td>{name}</td>" in headline, name
        assert f"| {name} |" in md or f"| *{name}* |" in md, name
    assert [r["scheme"] for r in rows] == names


def test_every_figure_sits_next_to_the_baseline(built):
    rows = list(csv.DictReader(io.StringIO((built / "summary.csv").read_text())))
    paired = {s["scheme"]: s["ratio_to_none"] for s in fixture_summary()["schemes"]}
    for row in rows:
        if row["request_us"]:
            assert float(row["ratio_to_none"]) == paired[row["scheme"]]
    html = (built / "index.html").read_text()
    assert '<tr class="baseline"><td>none</td>' in html


#: A paired "x none" far from the quotient of medians (token's median is set to 4.26
#: times none's), so an output that recomputes the quotient shows a different number.
PAIRED = {"ratio_to_none": 3.94, "ratio_to_none_ci": [3.81, 4.07]}


def paired_token(summary):
    summary["schema_version"] = 3
    token = next(s for s in summary["schemes"] if s["scheme"] == "token")
    # A median whose quotient by none's (4.26) no other figure of the row shows.
    token["request_us"] = round(summary["schemes"][0]["request_us"] * 4.26, 3)
    token.update(PAIRED, request_ci_us=[token["request_us"] - 5, token["request_us"] + 5])


def test_one_times_none_in_every_output(tmp_path):
    """Terminal, index.html, report.md, summary.csv and the chart show the paired value."""
    from benchmarks.run import table

    run = copy_fixture(tmp_path, paired_token)
    build_report(run)
    summary = json.loads((run / "summary.json").read_text())
    token = next(s for s in summary["schemes"] if s["scheme"] == "token")
    q = f"{token['request_us'] / summary['schemes'][0]['request_us']:.2f}"  # the quotient
    assert q == "4.26"
    terminal = next(line for line in table(summary).splitlines() if line.startswith("token "))
    assert " 3.94 " in terminal and "3.81-4.07" in terminal
    html = (run / "index.html").read_text().split('id="headline"')[1].split("</section>")[0]
    token_row = html.split("<td>token</td>")[1].split("</tr>")[0]
    assert (
        f"3.94{TIMES}" in token_row
        and f"3.81{DASH}4.07" in token_row
        and f"{q}{TIMES}" not in token_row
    )
    md_row = next(
        line for line in (run / "report.md").read_text().splitlines() if "| token |" in line
    )
    assert f"3.94{TIMES} (95% CI 3.81{DASH}4.07{TIMES})" in md_row and q not in md_row
    csv_row = next(
        r
        for r in csv.DictReader(io.StringIO((run / "summary.csv").read_text()))
        if r["scheme"] == "token"
    )
    assert float(csv_row["ratio_to_none"]) == 3.94
    assert (csv_row["ratio_to_none_ci_low"], csv_row["ratio_to_none_ci_high"]) == ("3.81", "4.07")
    chart = (run / "charts" / "request_cost.svg").read_text()
    assert f"3.94{TIMES} none" in chart and f"{q}{TIMES} none" not in chart


def test_claims_table_has_one_computed_verdict_per_claim(built):
    html = (built / "index.html").read_text()
    claims = html.split('id="claims"')[1].split("</section>")[0]
    verdicts = re.findall(r'<td class="verdict v-[a-z-]+">([^<]+)<', claims)
    assert len(verdicts) == len(CLAIMS)
    assert set(verdicts) <= set(VERDICTS)
    for claim in CLAIMS:
        assert f'id="claim-{claim.key}"' in claims
    md = (built / "report.md").read_text()
    assert sum(f"**{v}**" in line for line in md.splitlines() for v in VERDICTS) >= len(CLAIMS)


def test_verdicts_follow_the_data(tmp_path):
    """Make Basic as cheap as the cheapest scheme: the claim that it is costly is refuted."""

    def cheap_basic(summary):
        timed = [s for s in summary["schemes"] if s["scheme"] not in {"none", "basic"}]
        cheapest = min(
            (s for s in timed if s["request_us"] is not None), key=itemgetter("ratio_to_none")
        )
        basic = next(s for s in summary["schemes"] if s["scheme"] == "basic")
        # Its spread too: a 164 ms IQR around ~1 ms would put the verdict within noise.
        basic["request_us"], basic["request_iqr_us"] = cheapest["request_us"], 1.0
        # The claim compares paired x none (held still against the same baseline).
        basic["ratio_to_none"] = cheapest["ratio_to_none"]
        basic["ratio_to_none_ci"] = cheapest["ratio_to_none_ci"]

    findings = {f.claim.key: f for f in judge_all(load_run(copy_fixture(tmp_path, cheap_basic)))}
    assert findings["basic-every-request"].verdict == REFUTED
    assert any("basic" in e for e in findings["basic-every-request"].evidence)


def test_charts_are_non_empty_svg(built):
    svgs = sorted((built / "charts").glob("*.svg"))
    assert {p.stem for p in svgs} >= {"request_cost", "bytes"}
    assert {p.stem for p in svgs} <= {c.key for c in CHARTS}
    for path in svgs:
        root = ElementTree.parse(path).getroot()
        assert root.tag == f"{SVG_NS}svg", path
        assert len(list(root.iter(f"{SVG_NS}path"))) > 5, path
    html = (built / "index.html").read_text()
    assert html.count("<svg ") == len(svgs)


def test_index_is_self_contained(built):
    html = (built / "index.html").read_text()
    for forbidden in ("<script", "<link", "@import", "<img", "<iframe"):
        assert forbidden not in html, forbidden
    assert not re.search(r"url\((?!#)", html), "only in-page url(#id) references"
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "inline SVGs must not share ids"
    urls = set(re.findall(r"https?://[^\s\"'<>)]+", html))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}


def test_properties_and_provenance_are_shown(built):
    html = (built / "index.html").read_text()
    summary = fixture_summary()
    for label in ("stateless", "default expiry", "revocation", "stored at rest", "CSRF on writes",
                  "credential transport"):  # fmt: skip
        assert f"<th>{label}</th>" in html
    prov = summary["provenance"]
    assert prov["hasher"]["algorithm"] in html
    assert prov["machine"]["cpu"] in html
    assert prov["commit"][:12] in html
    assert ("NOISY" in html) == bool(summary["noise"]["noisy"])


def test_a_run_without_load_says_not_run(tmp_path):
    def no_load(summary):
        summary["load"] = {"ran": False}
        for s in summary["schemes"]:
            for key in list(s):
                if key.startswith("load_"):
                    s[key] = None

    run = copy_fixture(tmp_path, no_load)
    html = build_report(run).read_text()
    headline = html.split('id="headline"')[1].split("</section>")[0]
    load_columns = sum(f.load for f in HEADLINE)  # server CPU, req/s, p50, p95, p99
    assert headline.count("<td>not run</td>") == load_columns * len(fixture_summary()["schemes"])
    assert "not run: this run had no load phase" in html
    assert not (run / "charts" / "load_latency.svg").exists()


def test_missing_optional_fields_are_not_measured(tmp_path):
    def strip(summary):
        for s in summary["schemes"]:
            s.pop("login_us", None)
            s.pop("authenticate_us", None)
        summary["dimensions"] = {}

    html = build_report(copy_fixture(tmp_path, strip)).read_text()
    assert "not measured" in html
    assert "not measured in this run" in html


# --- bad input -------------------------------------------------------------------


def _drop_complete(run: Path) -> Path:
    (run / "COMPLETE").unlink()
    return run / "COMPLETE"


def _remove_summary(run: Path) -> Path:
    (run / "summary.json").unlink()
    return run / "summary.json"


def _truncate(run: Path) -> Path:
    path = run / "summary.json"
    path.write_text(path.read_text()[:500])
    return path


def _wrong_version(run: Path) -> Path:
    path = run / "summary.json"
    summary = json.loads(path.read_text())
    summary["schema_version"] = 99
    path.write_text(json.dumps(summary))
    return path


def _bad_number(run: Path) -> Path:
    path = run / "summary.json"
    summary = json.loads(path.read_text())
    summary["schemes"][1]["request_us"] = "fast"
    path.write_text(json.dumps(summary))
    return path


BAD = {
    "no COMPLETE marker": (_drop_complete, "COMPLETE"),
    "missing summary": (_remove_summary, "missing"),
    "truncated JSON": (_truncate, "not valid JSON"),
    "wrong schema_version": (_wrong_version, "schema_version is 99"),
    "a figure that is not a number": (_bad_number, "not a number"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_names_the_file_exits_non_zero_and_writes_nothing(tmp_path, capsys, case):
    spoil, words = BAD[case]
    run = copy_fixture(tmp_path)
    path = spoil(run)
    before = sorted(p.name for p in run.rglob("*"))
    assert cli.main(["build", str(run)]) == cli.EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert str(path) in err and words in err, err
    assert sorted(p.name for p in run.rglob("*")) == before


def test_missing_run_folder(tmp_path, capsys):
    assert cli.main(["build", str(tmp_path / "nope")]) == cli.EXIT_BAD_INPUT
    assert "nope: no such run folder" in capsys.readouterr().err


def test_bad_input_keeps_the_previous_report(tmp_path):
    run = copy_fixture(tmp_path)
    old = build_report(run).read_text()
    _truncate(run)
    with pytest.raises(ReportInputError):
        build_report(run)
    assert (run / "index.html").read_text() == old


def test_cli_exit_status_from_a_real_process(tmp_path):
    run = copy_fixture(tmp_path)
    _wrong_version(run)
    bad = subprocess.run(
        [sys.executable, "-m", "reports", "build", str(run)],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert bad.returncode == cli.EXIT_BAD_INPUT
    assert "summary.json" in bad.stderr and "Traceback" not in bad.stderr


# --- compare ---------------------------------------------------------------------


def test_compare_marks_what_is_within_noise(tmp_path, capsys):
    def steady(summary):  # the fixture was recorded beside other work: flagged noisy
        summary["noise"]["noisy"] = False

    a = copy_fixture(tmp_path / "a", steady)

    def slower_token(summary):
        steady(summary)
        token = next(s for s in summary["schemes"] if s["scheme"] == "token")
        token["request_us"] *= 3  # a slower run moves its interval with it
        if token.get("request_ci_us"):
            token["request_ci_us"] = [v * 3 for v in token["request_ci_us"]]
        token["credential_bytes"] += 10

    b = copy_fixture(tmp_path / "b", slower_token)
    out = tmp_path / "cmp"
    assert cli.main(["compare", str(a), str(b), "--out", str(out)]) == 0
    assert str(out / "index.html") in capsys.readouterr().out
    rows = list(csv.DictReader(io.StringIO((out / "compare.csv").read_text())))
    by = {(r["scheme"], r["figure"]): r for r in rows}
    assert by[("token", "request_us")]["within_noise"] == "False"
    assert float(by[("token", "request_us")]["change_pct"]) == pytest.approx(200)
    assert by[("token", "credential_bytes")]["within_noise"] == "False"
    assert by[("none", "request_us")]["within_noise"] == "True"
    # outside_noise: exactly what the last line counts; an unchanged figure is not.
    assert by[("token", "request_us")]["outside_noise"] == "True"
    assert by[("token", "queries")]["outside_noise"] == "False"  # 1 -> 1
    assert by[("none", "request_us")]["outside_noise"] == "False"
    counted = sum(r["outside_noise"] == "True" for r in rows)
    assert f"{counted} changes outside the noise" in (out / "compare.md").read_text()
    assert "≈" in (out / "compare.md").read_text()
    assert (out / "index.html").stat().st_size > 0


def test_compare_refuses_a_bad_run(tmp_path, capsys):
    a = copy_fixture(tmp_path / "a")
    b = copy_fixture(tmp_path / "b")
    path = _truncate(b)
    assert cli.main(["compare", str(a), str(b), "--out", str(tmp_path / "c")]) == 2
    assert str(path) in capsys.readouterr().err
    assert not (tmp_path / "c").exists()


# --- partial runs ------------------------------------------------------------------

SCALE_FIXTURE = FIXTURE.parent / "run-scale-quick"


def test_a_scale_run_reports_lookup_cost_against_rows(tmp_path):
    run = tmp_path / "scale"
    shutil.copytree(SCALE_FIXTURE, run)
    html = build_report(run).read_text()
    root = ElementTree.parse(run / "charts" / "scale.svg").getroot()
    assert root.tag == f"{SVG_NS}svg"
    assert "scale verdicts" in html


def test_a_load_only_run_still_reports(tmp_path):
    """What ``make load`` writes: every in-process figure null, load figures kept."""

    def load_only(summary):
        for s in summary["schemes"]:
            for key in list(s):
                if not key.startswith("load_") and key not in {"scheme", "title", "properties"}:
                    s[key] = None
        summary["dimensions"] = {}

    run = copy_fixture(tmp_path, load_only)
    html = build_report(run).read_text()
    assert "a load-only run?" in html
    assert (run / "charts" / "load_latency.svg").exists()
    assert not (run / "charts" / "request_cost.svg").exists()


def test_timing_verdicts_of_a_noisy_run_carry_a_caveat(tmp_path):
    def noisy(summary):
        summary["noise"]["noisy"] = True

    findings = judge_all(load_run(copy_fixture(tmp_path, noisy)))
    timed = [f for f in findings if f.claim.timed and f.verdict != "not measured"]
    assert timed and all("noisy run" in f.caveat for f in timed)
    assert all(not f.caveat for f in findings if not f.claim.timed)


def test_nothing_measured_is_refused(tmp_path, capsys):
    def empty(summary):
        summary["schemes"] = []
        summary["dimensions"] = {}

    run = copy_fixture(tmp_path, empty)
    assert cli.main(["build", str(run)]) == cli.EXIT_BAD_INPUT
    assert "nothing was measured" in capsys.readouterr().err


def with_intervals(shift: float = 1.0, noisy: bool = False):
    """An edit making the fixture a schema-3 run: every scheme's GET median and paired
    ratio get a ±3% interval, times ``shift`` for token."""

    def edit(summary):
        summary["schema_version"] = 3
        summary["noise"]["noisy"] = noisy
        for s in summary["schemes"]:
            factor = shift if s["scheme"] == "token" else 1.0
            for key, ci in (("request_us", "request_ci_us"), ("ratio_to_none", "ratio_to_none_ci")):
                if s[key] is not None:
                    s[key] *= factor
                    s[ci] = [s[key] * 0.97, s[key] * 1.03]
            if s.get("request_instructions") is None:
                s["request_instructions"] = 2_000_000 + 100_000 * len(s["scheme"])

    return edit


def compare_lines(tmp_path, a_edit, b_edit, capsys) -> list[str]:
    a = copy_fixture(tmp_path / "a", a_edit)
    b = copy_fixture(tmp_path / "b", b_edit)
    assert cli.main(["compare", str(a), str(b), "--out", str(tmp_path / "cmp")]) == 0
    return capsys.readouterr().out.rstrip().splitlines()


def test_compare_of_overlapping_intervals_reports_no_change(tmp_path, capsys):
    # token 2% slower in B: inside both ±3% intervals, so not a change.
    lines = compare_lines(tmp_path, with_intervals(), with_intervals(shift=1.02), capsys)
    assert lines[-1] == "0 changes outside the noise"
    assert not any(line.startswith("- changed:") for line in lines)
    assert "Noisy run" not in "\n".join(lines)


def test_compare_counts_the_changes_whose_intervals_separate(tmp_path, capsys):
    # token 20% slower: request µs and x none both separate (the other figures do not move).
    lines = compare_lines(tmp_path, with_intervals(), with_intervals(shift=1.2), capsys)
    assert lines[-1] == "2 changes outside the noise"
    changed = [line for line in lines if line.startswith("- changed:")]
    assert len(changed) == 2 and all("token" in line for line in changed)
    csv_rows = list(csv.DictReader(io.StringIO((tmp_path / "cmp" / "compare.csv").read_text())))
    token = next(r for r in csv_rows if (r["scheme"], r["figure"]) == ("token", "ratio_to_none"))
    assert token["within_noise"] == "False" and token["a_ci"] and token["b_ci"]


def test_compare_says_when_a_run_was_noisy(tmp_path, capsys):
    lines = compare_lines(tmp_path, with_intervals(), with_intervals(noisy=True), capsys)
    text = "\n".join(lines)
    assert "**Noisy run: " in text and lines[-1] == "0 changes outside the noise"
    assert "Noisy run" in (tmp_path / "cmp" / "index.html").read_text()


def test_compare_ranks_instructions_with_a_one_percent_tolerance(tmp_path, capsys):
    def more_instructions(pct):
        def edit(summary):
            with_intervals()(summary)
            token = next(s for s in summary["schemes"] if s["scheme"] == "token")
            token["request_instructions"] = round(token["request_instructions"] * (1 + pct / 100))

        return edit

    assert compare_lines(tmp_path / "x", with_intervals(), more_instructions(0.5), capsys)[-1] == (
        "0 changes outside the noise"
    )
    assert compare_lines(tmp_path / "y", with_intervals(), more_instructions(3), capsys)[-1] == (
        "1 changes outside the noise"
    )


def test_compare_counts_no_wall_change_when_a_run_is_noisy(tmp_path, capsys):
    """A noisy run's intervals say nothing of how far the load moved it: a wall-clock
    shift that separates them is not a change; instruction counts still are."""

    def noisy_and_slower(summary):
        with_intervals(shift=1.5, noisy=True)(summary)

    lines = compare_lines(tmp_path / "wall", with_intervals(), noisy_and_slower, capsys)
    assert lines[-1] == "0 changes outside the noise"

    def noisy_with_more_instructions(summary):
        noisy_and_slower(summary)
        token = next(s for s in summary["schemes"] if s["scheme"] == "token")
        token["request_instructions"] = round(token["request_instructions"] * 1.05)

    lines = compare_lines(
        tmp_path / "instr", with_intervals(), noisy_with_more_instructions, capsys
    )
    assert lines[-1] == "1 changes outside the noise"


def test_compare_allows_a_signed_cookie_a_few_bytes_of_jitter(tmp_path, capsys):
    def cookie_bytes(delta):
        def edit(summary):
            with_intervals()(summary)
            for s in summary["schemes"]:
                if s["scheme"] == "session-signed":
                    s["credential_bytes"] += delta

        return edit

    assert compare_lines(tmp_path / "x", with_intervals(), cookie_bytes(-3), capsys)[-1] == (
        "0 changes outside the noise"
    )
    assert compare_lines(tmp_path / "y", with_intervals(), cookie_bytes(40), capsys)[-1] == (
        "1 changes outside the noise"
    )


def test_charts_drawn_in_forked_processes_match_the_built_ones(built):
    """Outside pytest's threads (a fork copies one thread) the charts are drawn in
    forked processes: the SVG text is the same as the report built here (under
    pytest-xdist's threads: one after another)."""
    script = (
        "import json, sys, threading\n"
        "from reports import charts\n"
        "from reports.collect import load_run\n"
        "run = load_run(sys.argv[1])\n"
        "assert threading.active_count() == 1\n"
        "print(json.dumps(charts.render_all(run)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(built)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    forked = json.loads(done.stdout)
    assert list(forked) == [c.key for c in CHARTS]
    drawn = {k: v for k, v in forked.items() if v is not None}
    assert len(drawn) >= 5
    assert drawn == {p.stem: p.read_text() for p in (built / "charts").glob("*.svg")}
