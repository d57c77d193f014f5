"""The locust web UI in a real Chromium: the lab's options in the start form, one
scheme per test, and the authlab tab's raw sub-millisecond figures and CSV.

A seeded lab under gunicorn and ``make locust``'s own locust command, each on a free
port of 127.0.0.1, started and stopped by PID. Two short bounded tests (``none``, then
``token``) run through locust's ``/swarm`` endpoint, as the start form posts it.
Figures are not asserted (no timing asserts), only their resolution and the counts;
byte sizes are pinned exactly. Last, a locust master and one worker (``make
locust-master`` / ``make locust-worker``): the rows come from the worker's samples.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import re
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from infra import procs
from lab.env import BASE_DIR
from loadtests import orchestrate
from loadtests.livestats import COLUMNS
from loadtests.ui import locust_command
from tests.browser import launched_chromium, require_chromium

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ACCOUNTS = 4
#: "Authorization: Token <40 hex>\r\n"
TOKEN_CREDENTIAL_BYTES = 63


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A seeded lab under gunicorn: its URL and the environment it runs in."""
    tmp = tmp_path_factory.mktemp("locust-lab")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTHLAB_PASSWORD_HASHER", "md5")  # behaviour, not cost
        with orchestrate.lab_server(1, 1, ACCOUNTS, log=tmp / "gunicorn.log") as (url, _, env):
            yield url, env  # env: the server's SQLite file, bench settings, MD5


@contextlib.contextmanager
def running(command: list[str], env: dict, log_path):
    """Run ``command`` for the block; stop it by PID; it must exit 0 (a clean stop)."""
    with log_path.open("wb") as log:
        proc = procs.spawn(
            command, cwd=BASE_DIR, env=env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
    try:
        yield proc
    finally:
        assert procs.stop(proc) == 0, log_path.read_text()[-2000:]


@pytest.fixture(scope="module")
def locust_ui(lab, tmp_path_factory):
    """Base URL of ``make locust``'s locust web UI against the lab."""
    url, env = lab
    port = procs.free_port()
    command = locust_command(url, argparse.Namespace(web_port=port, seed=ACCOUNTS))
    with running(command, env, tmp_path_factory.mktemp("locust-ui") / "locust.log") as proc:
        base = f"http://127.0.0.1:{port}"
        procs.wait_http(f"{base}/", timeout=60, proc=proc)
        yield base


@pytest.fixture(scope="module")
def chromium(locust_ui):
    require_chromium()
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def page(chromium):
    context = chromium.new_context(accept_downloads=True)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def swarm(base: str, *classes: str, **extra: str) -> dict:
    """POST /swarm as the start form does; return locust's JSON answer."""
    form = [
        ("user_count", "2"),
        ("spawn_rate", "2"),
        ("run_time", "4s"),
        ("warmup_s", "0.5"),
        *(("user_classes", c) for c in classes),
        *extra.items(),
    ]
    body = urllib.parse.urlencode(form).encode()
    with urllib.request.urlopen(f"{base}/swarm", data=body, timeout=30) as reply:
        return json.load(reply)


def stats(base: str) -> dict:
    with urllib.request.urlopen(f"{base}/stats/requests", timeout=30) as reply:
        return json.load(reply)


def wait_stopped(base: str) -> None:
    """Wait (polling locust's own state) until the bounded test just started has ended:
    first until it runs (the state is still the last test's "stopped" right after
    /swarm), then until it stops."""
    wait_for(lambda: stats(base)["state"] in ("spawning", "running"), "the test to start")
    wait_for(lambda: stats(base)["state"] == "stopped", "the bounded test to end", 90)


@pytest.fixture(scope="module")
def two_tests_run(locust_ui):
    """``none`` then ``token``, one class per test; the answers to each /swarm."""
    answers = {}
    for name, cls in (("none", "NoneUser"), ("token", "TokenUser")):
        answers[name] = swarm(locust_ui, cls)
        assert answers[name]["success"], answers[name]
        wait_stopped(locust_ui)
    return answers


def test_start_form_has_the_lab_options_and_refuses_several_classes(page, locust_ui):
    page.goto(locust_ui)
    page.get_by_text("Custom parameters").click()
    # The form names its fields in camelCase (and posts them back in snake_case).
    for name in ("getWeight", "postWeight", "accounts", "warmupS"):
        page.locator(f"input[name={name}]").wait_for()
    assert page.locator("input[name=getWeight]").input_value() == "3"
    assert float(page.locator("input[name=warmupS]").input_value()) == 2.0
    mixed = page.locator("input[name=mixedSchemes]")
    assert mixed.get_attribute("type") == "checkbox" and not mixed.is_checked()
    # Every class is ticked by default: the lab refuses and says why.
    page.get_by_role("button", name=re.compile("start", re.I)).click()
    page.get_by_text(re.compile("Pick one user class")).wait_for()
    assert stats(locust_ui)["state"] == "ready"


def test_several_classes_need_mixed_schemes(locust_ui):
    refused = swarm(locust_ui, "NoneUser", "TokenUser")
    assert refused["success"] is False and "Pick one user class" in refused["message"]
    assert swarm(locust_ui)["success"] is False  # no class at all: locust would run all


def test_authlab_tab_shows_raw_sub_millisecond_figures(page, locust_ui, two_tests_run):
    page.goto(f"{locust_ui}/?tab=authlab")
    page.get_by_role("tab", name=re.compile("authlab")).wait_for()
    table = page.locator("table").filter(has_text="credential B/req")
    table.locator("tbody tr").nth(1).wait_for()
    heads = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    assert heads == [title for _, title in COLUMNS]
    rows = [
        dict(zip(heads, [c.strip() for c in row.locator("td").all_inner_texts()], strict=True))
        for row in table.locator("tbody tr").all()
    ]
    assert [r["Scheme"] for r in rows] == ["none", "token"]
    for row in rows:
        assert int(row["# reqs"]) >= 10 and int(row["# fails"]) == 0, row
        p50 = float(row["p50 (µs)"])
        # Microseconds with a decimal: not locust's whole milliseconds.
        assert p50 > 0 and p50 % 1000 != 0, row
    by_scheme = {r["Scheme"]: r for r in rows}
    assert float(by_scheme["none"]["credential B/req"]) == 0
    assert float(by_scheme["token"]["credential B/req"]) == TOKEN_CREDENTIAL_BYTES
    assert float(by_scheme["none"]["p50 / none"]) == 1.0
    assert by_scheme["token"]["Users"] == "2"


def test_authlab_csv_downloads_from_the_download_data_tab(page, locust_ui, two_tests_run):
    page.goto(f"{locust_ui}/?tab=reports")
    link = page.get_by_role("link", name=re.compile("authlab per-scheme CSV"))
    with page.expect_download() as download:
        link.click()
    with open(download.value.path(), newline="", encoding="utf-8") as file:
        parsed = list(csv.DictReader(file))
    assert list(parsed[0]) == [key for key, _ in COLUMNS]
    assert [r["scheme"] for r in parsed] == ["none", "token"]
    token = parsed[1]
    assert int(token["requests"]) >= 10 and float(token["p50_us"]) % 1000 != 0
    assert float(token["credential_bytes_per_request"]) == TOKEN_CREDENTIAL_BYTES
    with contextlib.suppress(ValueError):  # "too few" is a valid answer for the tails
        assert float(token["p95_us"]) >= float(token["p50_us"])


def test_workers_send_their_raw_samples_to_the_master(lab, tmp_path):
    """``make locust-master`` + a worker: the tab's rows come from the worker's samples."""
    url, env = lab
    web, bus = procs.free_port(), procs.free_port()
    master = [
        *locust_command(url, argparse.Namespace(web_port=web, seed=ACCOUNTS)),
        "--master",
        "--master-bind-host",
        "127.0.0.1",
        "--master-bind-port",
        str(bus),
    ]
    worker = [master[0], "--worker", "--master-host", "127.0.0.1", "--master-port", str(bus)]
    base = f"http://127.0.0.1:{web}"
    with running(master, env, tmp_path / "master.log") as proc:
        procs.wait_http(f"{base}/", timeout=60, proc=proc)
        with running(worker, env, tmp_path / "worker.log"):
            wait_for(lambda: stats(base).get("worker_count") == 1, "the worker")
            assert swarm(base, "TokenUser")["success"]
            wait_stopped(base)
            # The worker's last report follows its stop.
            wait_for(lambda: token_row(base)["requests"] not in ("", "0"), "its samples")
            row = token_row(base)
    assert int(row["requests"]) >= 10 and row["failures"] == "0"
    assert float(row["credential_bytes_per_request"]) == TOKEN_CREDENTIAL_BYTES
    assert float(row["p50_us"]) % 1000 != 0 and float(row["rps"]) > 0


def token_row(base: str) -> dict:
    with urllib.request.urlopen(f"{base}/authlab/stats.csv", timeout=30) as reply:
        rows = list(csv.DictReader(io.StringIO(reply.read().decode())))
    return next((r for r in rows if r["scheme"] == "token"), {"requests": ""})


def wait_for(condition, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.5)
