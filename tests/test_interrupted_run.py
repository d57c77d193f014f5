"""Nothing lost: SIGKILL the benchmark driver (``python -m benchmarks``, what
``make bench`` runs) at several moments and check that every earlier run folder is
byte for byte as it was, ``latest`` still names the last complete run, no child
process outlives the driver, and the report builder refuses the killed folder.

Results go to a temporary ``AUTHLAB_OUT_DIR`` (read by results.runs), so real results
are never touched. In ``make test`` the killed runs are partial (``-k``: a few
benchmarks; a partial run is never marked complete either). ``INTERRUPT_FULL=1``
(a knob of this test only) kills whole QUICK runs too, and lets one finish.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from results import runs

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent
FULL = os.environ.get("INTERRUPT_FULL", "") not in ("", "0")
#: A short selection: verification (always run) plus the GET benchmark of two schemes.
SELECT = "test_time_whoami_get and (none or token)"


def snapshot(out: Path) -> dict[str, str]:
    """Every file under ``out`` (symlinks as their target) mapped to its SHA-256."""
    found = {}
    for path in sorted(out.rglob("*")):
        rel = str(path.relative_to(out))
        if path.is_symlink():
            found[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            found[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


@pytest.fixture
def out_dir(tmp_path) -> Path:
    """An output folder holding two earlier complete runs, ``latest`` on the second."""
    out = tmp_path / "out"
    for label in ("earlier", "last-complete"):
        run = runs.new_run_dir(label, out_dir=out)
        runs.atomic_write_json(run / "summary.json", {"run_id": run.name, "label": label})
        runs.atomic_write_text(run / "report.md", f"# {label}\n")
        runs.mark_complete(run)
        time.sleep(1.1)  # run ids are stamped to the second
    return out


def driver(out: Path, tmp: Path, *args: str) -> subprocess.Popen:
    """Start the driver in a process group of its own (so its children can be found)."""
    env = {
        **os.environ,
        "AUTHLAB_OUT_DIR": str(out),
        "AUTHLAB_VAR_DIR": str(tmp / "var"),
        # The driver's mechanics, not the hasher (as tests/test_bench_driver.py): the
        # claims' evidence logs in dozens of times, 40 s of PBKDF2 before summary.json.
        "AUTHLAB_PASSWORD_HASHER": "md5",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the driver picks its own profile
    return subprocess.Popen(
        [sys.executable, "-m", "benchmarks", "--quick", "--no-load", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def new_runs(out: Path, before: dict[str, str]) -> list[Path]:
    """Run folders created since ``before`` was taken."""
    known = {p.split("/")[0] for p in before}
    return [p for p in out.iterdir() if p.is_dir() and p.name not in known]


def wait_for(condition: Callable[[], bool], proc: subprocess.Popen, timeout: float) -> None:
    """Wait until ``condition()`` holds; fail if the driver ends or time runs out."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert proc.poll() is None, f"driver exited ({proc.returncode}) before the kill point"
        assert time.monotonic() < deadline, "kill point not reached in time"
        time.sleep(0.05)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def kill_and_check(proc: subprocess.Popen, out: Path, before: dict[str, str]) -> list[Path]:
    """SIGKILL the driver, then check what must have survived; return the killed runs."""
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    orphans = False
    deadline = time.monotonic() + 10
    while group_alive(proc.pid) and time.monotonic() < deadline:
        time.sleep(0.1)  # children told by PDEATHSIG need a moment to go
    if group_alive(proc.pid):
        orphans = True
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # our own group: the test started it
    after = snapshot(out)
    assert {k: after.get(k) for k in before} == before, "an earlier run folder changed"
    assert runs.latest_run(out).name == os.readlink(out / runs.LATEST)
    assert os.readlink(out / runs.LATEST) == before["latest"][3:]
    killed = new_runs(out, before)
    for run in killed:
        assert not runs.is_complete(run)
        # Written to a temporary name and renamed: whatever JSON is there is whole (a
        # leftover ".name.tmp" may remain: a killed process cannot clean up).
        for path in run.glob("*.json"):
            json.loads(path.read_text())
    assert not orphans, "a child of the driver outlived it (no PDEATHSIG)"
    return killed


def assert_report_refused(run: Path) -> None:
    """``python -m reports build`` exits 2 and says the run did not finish."""
    done = subprocess.run(
        [sys.executable, "-m", "reports", "build", str(run)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "did not finish" in done.stderr and "COMPLETE" in done.stderr, done.stderr


def moments(select: str | None):
    """(name, condition factory): when to kill. Conditions look at the new run folder."""

    def after_one_second(out, before):
        start = time.monotonic()
        return lambda: time.monotonic() - start >= 1.0

    def mid_benchmarks(out, before):
        def reached():
            logs = [r / "pytest.log" for r in new_runs(out, before)]
            return any(log.exists() and "PASSED" in log.read_text() for log in logs)

        return reached

    def near_the_end(out, before):
        return lambda: any((r / "summary.json").exists() for r in new_runs(out, before))

    return [
        ("after-1s", after_one_second),
        ("mid-benchmarks", mid_benchmarks),
        ("near-the-end", near_the_end),
    ]


@pytest.mark.parametrize("moment", [m[0] for m in moments(SELECT)])
def test_sigkill_leaves_earlier_runs_and_latest_intact(moment, out_dir, tmp_path):
    condition = dict(moments(SELECT))[moment]
    before = snapshot(out_dir)
    proc = driver(out_dir, tmp_path, "-k", SELECT)
    try:
        wait_for(condition(out_dir, before), proc, timeout=300)
        killed = kill_and_check(proc, out_dir, before)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    for run in killed:
        assert_report_refused(run)


@pytest.mark.skipif(not FULL, reason="INTERRUPT_FULL=1: whole QUICK runs (minutes)")
def test_full_runs_killed_near_the_end_then_one_completes(out_dir, tmp_path):
    for moment in ("mid-benchmarks", "near-the-end"):
        before = snapshot(out_dir)
        proc = driver(out_dir, tmp_path)
        wait_for(dict(moments(None))[moment](out_dir, before), proc, timeout=1800)
        for run in kill_and_check(proc, out_dir, before):
            assert_report_refused(run)
    before = snapshot(out_dir)
    proc = driver(out_dir, tmp_path)
    assert proc.wait(timeout=1800) == 0
    (run,) = new_runs(out_dir, before)
    assert runs.is_complete(run)
    assert os.readlink(out_dir / runs.LATEST) == run.name
    assert {k: snapshot(out_dir)[k] for k in before if k != "latest"} == {
        k: v for k, v in before.items() if k != "latest"
    }
