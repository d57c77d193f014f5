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
from pathlib import Path
from xml.etree import ElementTree

import pytest

from reports import __main__ as cli
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
    base = float(next(r for r in rows if r["scheme"] == "none")["request_us"])
    for row in rows:
        if row["request_us"]:
            assert float(row["ratio_to_none"]) == pytest.approx(float(row["request_us"]) / base)
    html = (built / "index.html").read_text()
    assert '<tr class="baseline"><td>none</td>' in html


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
        cheapest = min(s["request_us"] for s in timed if s["request_us"] is not None)
        basic = next(s for s in summary["schemes"] if s["scheme"] == "basic")
        basic["request_us"] = cheapest

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
    assert headline.count("<td>not run</td>") == 4 * len(fixture_summary()["schemes"])
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
    a = copy_fixture(tmp_path / "a")

    def slower_token(summary):
        token = next(s for s in summary["schemes"] if s["scheme"] == "token")
        token["request_us"] *= 3
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
