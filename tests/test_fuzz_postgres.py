"""The fuzzers and the oversized-input tests again on PostgreSQL (a tenth of the
examples: ``FUZZ=short``), in a child pytest, since pytest-django cannot switch
databases mid-session. Same properties: no 5xx, 4xx with a JSON detail."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.test_stores import ROOT, child_env


@pytest.mark.postgres
def test_fuzzers_and_oversized_input_hold_on_postgres(pg):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/test_fuzz.py",
            "tests/test_limits.py",
            "-q",
            "-p",
            "no:cacheprovider",
            # The URL walk and the settings checks are database-independent.
            "-k",
            "not every_served_url and not stated",
        ],
        cwd=ROOT,
        env=child_env(DB="postgres", DATABASE_URL=pg.url, FUZZ="short"),
        capture_output=True,
        text=True,
        timeout=480,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-2000:]
    assert re.search(r"\b\d{2,} passed\b", out.stdout), out.stdout[-2000:]
    assert " failed" not in out.stdout and " skipped" not in out.stdout, out.stdout[-2000:]
