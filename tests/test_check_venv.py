"""``make`` rebuilds a virtualenv whose Python is too old instead of keeping it forever
(scripts/check-venv, called by the Makefile's bootstrap)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHECK = ROOT / "scripts" / "check-venv"
OLD_PYTHON = Path("/root/.pyenv/versions/3.11.7/bin/python3")


@pytest.fixture
def old_venv(tmp_path) -> Path:
    """A Python 3.11 virtualenv (no pip: only its interpreter matters)."""
    if not OLD_PYTHON.exists():
        pytest.skip(f"{OLD_PYTHON} is not installed")
    venv = tmp_path / "old-venv"
    subprocess.run([str(OLD_PYTHON), "-m", "venv", "--without-pip", str(venv)], check=True)
    return venv


def check(venv: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(CHECK), str(venv)], capture_output=True, text=True, timeout=60)


def test_a_venv_with_python_311_is_reported_too_old(old_venv):
    done = check(old_venv)
    assert done.returncode == 1
    assert "built with Python 3.11" in done.stderr and ">= 3.12" in done.stderr


def test_the_running_venv_passes():
    done = check(Path(sys.prefix))
    assert (done.returncode, done.stderr) == (0, "")


def test_a_missing_venv_fails_quietly(tmp_path):
    done = check(tmp_path / "absent")
    assert (done.returncode, done.stderr) == (1, "")


def test_a_venv_whose_interpreter_is_gone_is_rebuilt(old_venv):
    (old_venv / "bin" / "python").unlink()
    done = check(old_venv)
    assert done.returncode == 1 and "rebuilding" in done.stderr


def test_make_removes_the_old_venv_and_rebuilds_with_the_python_given(old_venv):
    """The bootstrap itself: the old venv is removed, and the rebuild uses PYTHON=
    (here ``false``, so the test stops before installing anything)."""
    done = subprocess.run(
        ["make", "venv", f"VENV={old_venv}", "PYTHON=false"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0  # `false -m venv` fails: nothing was installed
    assert "built with Python 3.11" in done.stderr
    assert f"Creating {old_venv} with false" in done.stdout
    assert not (old_venv / "bin" / "python").exists()
