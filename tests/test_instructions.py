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

needs_valgrind = pytest.mark.skipif(
    shutil.which("valgrind") is None or instructions.hooks_version() is None,
    reason="needs valgrind (make system-deps installs it as root) and pytest-codspeed",
)


def count(out: Path, env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, dict]:
    """Run the driver as ``make instructions`` does; return the process and its JSON."""
    clean = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    args = ["--out", str(out), "--schemes", SCHEMES]
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
    assert provenance["repetitions"] == instructions.REPETITIONS
    # One valgrind start-up, shared by the forked workers (one per job).
    assert set(two_runs[0]["shared_worker_cpu_seconds"]) == {"startup", "django_setup"}
    assert len(two_runs[0]["worker_cpu_seconds"]) == instructions.JOBS


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


def test_the_shortest_lived_credential_is_logged_in_last_and_counted_first():
    from benchmarks import instructions_worker as worker

    assert worker.life("jwt-short") == 60 and worker.life("token") == float("inf")
    order = worker.login_order(["jwt-short", "token", "jwt", "session"])
    assert order == ["token", "session", "jwt", "jwt-short"]  # counted in reverse


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


@pytest.mark.slow
@needs_valgrind
def test_extra_instructions_split_into_sql_crypto_and_rest(two_runs):
    got = by_scheme(two_runs[0])
    assert got["none"]["extra_sql_instructions"] == 0
    assert got["none"]["extra_rest_instructions"] == 0
    # token: one SELECT, no crypto; jwt-stateless: a signature check, no SQL.
    assert got["token"]["verified"]["get"]["parts"] == {
        "statements": 1, "crypto_calls": 0, "replayable": True,
    }  # fmt: skip
    assert got["token"]["extra_sql_instructions"] > 10_000
    assert abs(got["token"]["extra_crypto_instructions"]) < 2_000  # nothing but noise
    assert got["jwt-stateless"]["verified"]["get"]["parts"]["statements"] == 0
    assert got["jwt-stateless"]["extra_crypto_instructions"] > 5_000
    for name, entry in got.items():
        if name == "none":
            continue
        # The replays are parts of the request: alone they never cost more than it did
        # over none (a replay counting more would leave a negative rest).
        extra = entry["get_instructions"] - got["none"]["get_instructions"]
        replayed = entry["extra_sql_instructions"] + entry["extra_crypto_instructions"]
        assert entry["extra_rest_instructions"] > 0 and replayed < extra, name
    # Basic: the hash is its extra cost, in this currency within 5 % (issue 13).
    assert got["basic"]["extra_crypto_instructions"] > 0.99 * (
        got["basic"]["get_instructions"] - got["none"]["get_instructions"]
    )
    check = two_runs[0]["basic_hasher_check"]
    assert check["agrees"] and abs(check["ratio"] - 1) < 0.01, check


def test_arguments_are_recovered_from_a_call_frame():
    from benchmarks.instruction_parts import _arguments

    seen = {}

    def fn(a, b=2, *rest, key, **more):
        seen["frame"] = sys._getframe()

    fn(1, 3, 4, 5, key="k", extra="x")
    frame = seen["frame"]
    args, kwargs = _arguments(frame.f_code, frame.f_locals)
    assert args == (1, 3, 4, 5) and kwargs == {"key": "k", "extra": "x"}


def test_hasher_check_compares_basic_extra_with_the_hasher_at_its_real_cost():
    from benchmarks.instruction_parts import extra_parts, hasher_check

    fit = {"verify_instructions": {"1000": 7_000_000}, "per_iteration": 7_000.0,
           "default_iterations": 11_000, "points": [1000, 2000, 4000]}  # fmt: skip
    verify = 7_000_000 + 10_000 * 7_000  # 77 M at 11,000 iterations
    entries = [
        {"scheme": "none", "get_instructions": 1_000_000, "sql_instructions": 100,
         "crypto_instructions": 100},
        {"scheme": "basic", "get_instructions": 1_000_000 + verify + 500_000,
         "sql_instructions": 300_100, "crypto_instructions": verify + 100},
    ]  # fmt: skip
    check = hasher_check(entries, fit, "basic", "none")
    assert check["hasher_verify_instructions"] == verify
    assert check["agrees"] and check["ratio"] == round((verify + 500_000) / verify, 5)
    entries[1]["get_instructions"] += verify // 10  # 10 % more than the hash explains
    assert hasher_check(entries, fit, "basic", "none")["agrees"] is False
    assert hasher_check(entries, {**fit, "per_iteration": None}, "basic", "none") is None
    extra_parts(entries, "none")
    assert entries[1]["extra_sql_instructions"] == 300_000
    assert entries[1]["extra_crypto_instructions"] == verify
    assert entries[1]["extra_rest_instructions"] == 500_000 + verify // 10 - 300_000
    entries[0]["sql_instructions"] = None  # the baseline's part missing: no split at all
    extra_parts(entries, "none")
    assert entries[1]["extra_sql_instructions"] is None
