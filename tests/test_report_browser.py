"""A real browser opens the report from disk: nothing is fetched, every chart shows.

Headless Chromium from the system (``/usr/bin/chromium``, installed by
``scripts/system-deps``), driven by Playwright; nothing is downloaded. The
screenshot is kept for whoever wants to look; its path is printed.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from reports.build import build_report
from reports.charts import CHARTS
from tests.browser import launched_chromium, require_chromium

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "run-quick"


@pytest.fixture(scope="module")
def chromium():
    """The system Chromium, headless; the test skips with an install hint without it."""
    require_chromium()
    with launched_chromium() as browser:
        yield browser


def test_report_opens_from_disk_with_no_request_and_shows_every_chart(chromium, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(FIXTURE, run)
    index = build_report(run)
    drawn = {p.stem for p in (run / "charts").glob("*.svg")}

    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    context.on("request", lambda request: requests.append(request.url))
    context.route("**/*", lambda route: route.continue_() if route.request.url == index.as_uri()
                  else route.abort())  # fmt: skip
    page = context.new_page()
    page.goto(index.as_uri(), wait_until="load")

    assert requests == [index.as_uri()], f"the report fetched something: {requests}"
    for chart in CHARTS:
        figure = page.locator(f"#chart-{chart.key}")
        assert figure.is_visible(), chart.key
        if chart.key in drawn:
            svg = figure.locator("svg")
            box = svg.bounding_box()
            assert svg.is_visible() and box["width"] > 200 and box["height"] > 100, chart.key
        else:
            assert figure.locator("p.missing").is_visible(), chart.key
    assert page.locator("#claims td.verdict").count() > 0
    assert page.locator("#headline tbody tr").count() == len(list(page.locator(
        "#properties tbody tr").all()))  # fmt: skip

    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    context.close()
    assert shot.stat().st_size > 10_000
    with capsys.disabled():
        print(f"\nreport screenshot: {shot}")
