"""Load-test smoke tests: every registered scheme under real HTTP load, briefly.

They start real processes (gunicorn, locust) on loopback and check that each scheme
got requests, all of them right, and that nothing is left running. Figures are
not asserted (no timing asserts), only that they were measured at sub-millisecond
resolution. The password hasher is MD5 here: these tests check behaviour, not cost.
"""

from __future__ import annotations

import contextlib
import json
import os

import psutil
import pytest

from loadtests import database, orchestrate
from loadtests.stats import Batch, Sample, summarise
from results.schema import LOAD_FIELDS
from results.stats import latency_summary, percentile
from schemes import registry

pytestmark = pytest.mark.slow

SHORT = {"users": 2, "warmup_s": 0.2, "duration_s": 0.8}


@pytest.fixture(scope="module")
def load_env():
    """Server and generators see the test scheme too, and hash passwords fast."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AUTHLAB_EXTRA_SCHEMES", "tests.extra_scheme.HeaderKeyScheme")
        patch.setenv("AUTHLAB_PASSWORD_HASHER", "md5")
        yield


@pytest.fixture(scope="module")
def single_process_run(load_env, tmp_path_factory):
    """One gunicorn started for the run, one locust process, every scheme."""
    run_dir = tmp_path_factory.mktemp("load")
    with orphans_checked():
        return run_dir, orchestrate.run_load(run_dir, quick=True, **SHORT)


@contextlib.contextmanager
def orphans_checked():
    """Fail if the block leaves a child process of this one running."""
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    yield
    left = [p for p in me.children(recursive=True) if p.pid not in before and _alive(p)]
    assert not left, f"left running: {[' '.join(p.cmdline()[:4]) for p in left]}"


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def assert_every_scheme_loaded(result: dict, run_dir) -> None:
    """Each registered scheme: requests, no failures, verified, a raw file on disk."""
    names = registry.names()  # test settings: the built-in schemes + header-key
    assert list(result["schemes"]) == names
    for name, fields in result["schemes"].items():
        assert fields["load_requests"] > 0, name
        assert fields["load_failures"] == 0, name
        assert result["verification"][name]["ok"], (name, result["verification"][name])
        raw = json.loads((run_dir / "load" / f"{name}.json").read_text())
        assert raw["scheme"] == name and raw["requests"] == fields["load_requests"]
        assert set(LOAD_FIELDS) <= fields.keys()
    latencies = [f[k] for f in result["schemes"].values() for k in ("load_p50_us", "load_max_us")]
    # Raw float timings, not locust's whole milliseconds.
    assert any(value % 1000 for value in latencies)
    assert result["meta"]["ran"] is True
    assert result["meta"]["users"] == SHORT["users"]


def test_headless_load_every_scheme(single_process_run):
    """Every scheme measured over HTTP, with server CPU and wire bytes."""
    run_dir, result = single_process_run
    assert_every_scheme_loaded(result, run_dir)
    assert result["meta"]["gunicorn_workers"] >= 1
    assert all(f["load_server_cpu_us_per_request"] > 0 for f in result["schemes"].values())
    assert all(f["load_bytes_per_request"] > 0 for f in result["schemes"].values())


def test_the_load_phase_hands_its_database_and_logins_to_the_next_phase(
    single_process_run, tmp_path
):
    """Account 1's credential per scheme, as the servers phase takes it over (once)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": orchestrate.SETTINGS,
        database.PATH_ENV: str(tmp_path / "next.sqlite3"),
    }
    logins = database.take_over(env, orchestrate.ACCOUNTS)
    with_login = [s.name for s in registry.all_schemes() if s.has_login]
    assert set(with_login) <= set(logins) and "none" not in logins
    assert logins["token"]["Authorization"].startswith("Token ")
    assert database.take_over(env, orchestrate.ACCOUNTS) == {}  # taken once


def test_credential_bytes_match_the_scheme(single_process_run):
    """What a simulated user sends beyond the baseline is exactly its credential."""
    run_dir, _ = single_process_run
    raw = {n: json.loads((run_dir / "load" / f"{n}.json").read_text()) for n in ("none", "token")}
    get = {n: r["latency_by_method"]["GET"]["bytes_sent"] for n, r in raw.items()}
    # "Authorization: Token <40 hex>\r\n" (63 bytes), and "token" is one letter longer
    # than "none" in the request line.
    assert get["token"] - get["none"] == 63 + 1


def test_distributed_load_two_workers(tmp_path, load_env):
    """A locust master and two local workers on loopback produce the same result files.

    Four schemes cover the credential kinds (none, per-request password, cookie + CSRF,
    header token); the single-process test runs them all.
    """
    chosen = ["none", "basic", "session", "token"]
    with orphans_checked():
        result = orchestrate.run_load(
            tmp_path, quick=True, schemes=chosen, locust_workers=2, **SHORT
        )
    assert list(result["schemes"]) == chosen
    for name, fields in result["schemes"].items():
        assert fields["load_requests"] > 0 and fields["load_failures"] == 0, name
        assert result["verification"][name]["ok"], name
        raw = json.loads((tmp_path / "load" / f"{name}.json").read_text())
        assert len(raw["generator_processes"]) == 2  # both workers sent their samples
    assert result["meta"]["locust_workers"] == 2


def test_percentiles_interpolate_like_numpy():
    """p50/p95/p99 of raw samples (NumPy's default linear method)."""
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile([], 50) is None
    assert latency_summary([250.5])["p99_us"] == 250.5


def test_summarise_combines_generators():
    """Requests/s add up across processes; failures and bytes come from the samples."""
    one = Batch([Sample("GET", 100.0, 200, 300, True)] * 10, window_s=1.0, cpu_s=0.5)
    two = Batch(
        [Sample("POST", 300.0, 220, 320, False)] * 5,
        window_s=1.0,
        cpu_s=0.95,
        failures={"HTTP 401": 5},
    )
    figures = summarise([one, two])
    assert figures["rps"] == 15.0
    assert figures["failures"] == 5 and figures["failure_reasons"] == {"HTTP 401": 5}
    assert figures["latency_by_method"]["GET"]["p50_us"] == 100.0
    assert figures["bytes_sent_per_request"] == pytest.approx((2000 + 1100) / 15, abs=0.1)
    assert [p["cpu_pct"] for p in figures["generator_processes"]] == [50.0, 95.0]


def test_drain_waits_for_a_busy_server_to_finish(tmp_path):
    """The next scheme's window starts only once the server is idle: a process spinning
    (a request still hashing) is waited for, an idle one is not."""
    import subprocess
    import sys

    probe = (
        "import subprocess, sys\n"
        "from loadtests.generator import drain\n"
        # The busy process says when it spins: its interpreter's start (disk reads on a
        # loaded machine) is not the busy server drain() is for.
        "busy = subprocess.Popen([sys.executable, '-c', 'import time\\nt = time.process_time()\\n"
        "print(flush=True)\\nwhile time.process_time() - t < 1.5: pass'], stdout=subprocess.PIPE)\n"
        "busy.stdout.readline()\n"
        "idle = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(30)'])\n"
        "try:\n"
        "    drain(busy.pid)\n"
        "    print(busy.poll() is not None or busy.wait(0.5) == 0)\n"
        "    drain(idle.pid)\n"
        "    print(idle.poll() is None)\n"
        "finally:\n"
        "    idle.kill(); busy.kill()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
        cwd=orchestrate.BASE_DIR,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["True", "True"]
