"""What make compare says besides the figures: which code each run measured, and why a
noisy run's wall-clock figures are not counted (the same words in Markdown and HTML)."""

from __future__ import annotations

import html as markup

from reports import __main__ as cli
from tests.test_report import copy_fixture


def _compare(tmp_path, edit_b=None) -> tuple[str, str]:
    def steady(summary):
        summary["noise"]["noisy"] = False

    def edited(summary):
        steady(summary)
        if edit_b:
            edit_b(summary)

    a = copy_fixture(tmp_path / "a", steady)
    b = copy_fixture(tmp_path / "b", edited)
    out = tmp_path / "cmp"
    assert cli.main(["compare", str(a), str(b), "--out", str(out)]) == 0
    return (out / "compare.md").read_text(), markup.unescape((out / "index.html").read_text())


def test_runs_of_one_commit_say_so(tmp_path):
    md, html = _compare(tmp_path)
    assert "Code: both runs at commit " in md and "Code: both runs at commit " in html
    assert "Noisy run" not in md and "Noisy run" not in html


def test_runs_of_two_commits_are_told_apart_and_a_noisy_one_is_explained(tmp_path):
    def other_code_beside_a_hog(summary):
        summary["provenance"]["commit"] = "0123456789abcdef"
        summary["noise"].update(noisy=True, other_cpu_cores=0.99, other_cores_threshold=0.25)

    md, html = _compare(tmp_path, other_code_beside_a_hog)
    for text in (md, html):
        assert "different commits, so a change may be the code's" in text
        assert "at 0123456789ab" in text
        assert "other processes kept 0.99 cores busy" in text
        assert "Wall-clock figures of a noisy run are not counted as changes" in text
