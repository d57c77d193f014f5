"""Instruction counts under valgrind (benchmarks/instructions.py): real counts of a few
schemes, twice, so determinism is checked as behaviour; hashing scaled linearly; a
missing valgrind answered with a clear message and nulls."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import instructions

ROOT = Path(__file__).resolve().parent.parent
#: The baseline, a DB-backed scheme, a stateless one and the password-hashing one.
SCHEMES = "none,basic,token,jwt-stateless"
REPETITIONS = 3

needs_valgrind = pytest.mark.skipif(
    shutil.which("valgrind") is None or instructions.hooks_version() is None,
    reason="needs valgrind (make system-deps installs it as root) and pytest-codspeed",
)


def count(out: Path, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    """Run the driver as ``make instructions`` does; return the process and its JSON."""
    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    args = ["--out", str(out), "--schemes", SCHEMES, "--repetitions", str(REPETITIONS)]
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.instructions", *args],
        cwd=ROOT,
        env={**clean, **(env or {})},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done, json.loads((out / instructions.OUTPUT_FILE).read_text())


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory) -> tuple[dict, dict]:
    """The same counts made twice, in separate processes."""
    return tuple(count(tmp_path_factory.mktemp(f"run{i}"))[1] for i in (1, 2))


def by_scheme(result: dict) -> dict[str, dict]:
    return {e["scheme"]: e for e in result["schemes"]}


@pytest.mark.slow
@needs_valgrind
def test_counts_are_positive_and_rank_token_above_none(two_runs):
    first = by_scheme(two_runs[0])
    assert two_runs[0]["ran"] and list(first) == SCHEMES.split(",")
    for name, entry in first.items():
        assert entry["verified"]["get"]["ok"] and entry["verified"]["post"]["ok"], name
        assert entry["get_instructions"] > 0 and entry["post_instructions"] > 0, name
        assert entry["request_instructions"] == entry["get_instructions"]
    assert first["none"]["authenticate_instructions"] is None  # no class to call
    assert first["token"]["authenticate_instructions"] > 0
    assert first["token"]["get_instructions"] > first["none"]["get_instructions"]
    assert first["jwt-stateless"]["get_instructions"] < first["token"]["get_instructions"]
    assert first["none"]["instructions_ratio_to_none"] == 1.0
    assert first["token"]["instructions_ratio_to_none"] > 1.0
    provenance = two_runs[0]["provenance"]
    assert provenance["PYTHONHASHSEED"] == "0" and provenance["tool"] == "callgrind"
    assert provenance["valgrind"].startswith("valgrind-")
    assert provenance["repetitions"] == REPETITIONS


@pytest.mark.slow
@needs_valgrind
def test_two_runs_agree_within_half_a_percent(two_runs):
    first, second = (by_scheme(r) for r in two_runs)
    for name in first:
        for kind in ("get", "post", "authenticate"):
            a, b = first[name][f"{kind}_instructions"], second[name][f"{kind}_instructions"]
            if a is None:
                assert b is None
                continue
            assert abs(a - b) / a < 0.005, (name, kind, a, b)


@pytest.mark.slow
@needs_valgrind
def test_password_hashing_is_scaled_linearly_to_the_real_iterations(two_runs):
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    scaling = two_runs[0]["hasher_scaling"]
    assert scaling["default_iterations"] == PBKDF2PasswordHasher.iterations
    assert scaling["linearity_error_pct"] < 1.0
    n1 = scaling["points"][0]
    basic = scaling["paths"]["basic:get"]
    assert basic["hashes"] == 1
    expected = (
        basic["counted_at_n1"] + (scaling["default_iterations"] - n1) * scaling["per_iteration"]
    )
    assert abs(basic["scaled"] - expected) <= 1
    assert by_scheme(two_runs[0])["basic"]["get_instructions"] == basic["scaled"]
    # The hash is what Basic costs: far above a token lookup.
    assert basic["scaled"] > 100 * by_scheme(two_runs[0])["token"]["get_instructions"]
    assert not any(k.startswith(("token:", "none:")) for k in scaling["paths"])  # no hash


def test_hasher_fit_recovers_a_line_and_measures_its_error():
    n1, n2, n3 = instructions.ITERATION_POINTS
    line = {n: 5_000 + 7 * n for n in (n1, n2)}
    regions = [{"kind": "hasher", "iterations": n, "instructions": v} for n, v in line.items()]
    bent = [*regions, {"kind": "hasher", "iterations": n3, "instructions": 1.1 * (5_000 + 7 * n3)}]
    straight = [*regions, {"kind": "hasher", "iterations": n3, "instructions": 5_000 + 7 * n3}]
    assert instructions.hasher_fit(straight, 10**6)["per_iteration"] == 7
    assert instructions.hasher_fit(straight, 10**6)["linearity_error_pct"] == 0
    assert instructions.hasher_fit(bent, 10**6)["linearity_error_pct"] == pytest.approx(
        100 / 11, abs=1e-3
    )
    assert instructions.hasher_fit(regions, 10**6)["per_iteration"] is None  # no n3: no fit


def test_missing_valgrind_gives_a_clear_message_and_nulls(tmp_path):
    empty_path = tmp_path / "bin"
    empty_path.mkdir()
    done, result = count(tmp_path, {"PATH": str(empty_path)})
    assert "NOT measured: valgrind not found" in done.stdout
    assert result["ran"] is False and "valgrind" in result["reason"]
    assert result["provenance"]["valgrind"] is None
    for entry in result["schemes"]:
        assert entry["get_instructions"] is None and entry["instructions_ratio_to_none"] is None
        assert entry["request_instructions"] is None
