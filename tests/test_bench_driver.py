"""The ``make bench`` driver: one real partial run (a few benchmarks, MD5 hasher so it
is quick), and the summary functions on what that run wrote. No timing is asserted;
query counts and byte sizes are pinned."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from benchmarks import summary as bench_summary
from benchmarks.run import progress_line
from lab.env import BASE_DIR
from results import summary as results_summary
from results.runs import COMPLETE_MARKER, LATEST
from results.schema import IDENTITY_FIELDS, SCHEMA_VERSION

pytestmark = pytest.mark.slow
SELECT = (
    "(whoami_get and (none or token or jwt-stateless)) or test_time_login"
    " or (test_time_password_verify and md5)"
)
TOKEN_HEADER_BYTES = len("Authorization: Token \r\n") + 40  # DRF keys: 40 hex characters


@pytest.fixture(scope="module")
def partial_run(tmp_path_factory):
    """Run ``python -m benchmarks -k ...`` into a temporary output folder."""
    out = tmp_path_factory.mktemp("out")
    env = {
        **os.environ,
        "AUTHLAB_OUT_DIR": str(out),
        "QUICK": "1",
        "LOAD": "0",
        "AUTHLAB_PASSWORD_HASHER": "md5",
    }  # the driver's mechanics, not the hasher
    env.pop("DJANGO_SETTINGS_MODULE", None)
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--no-report", "-k", SELECT],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    runs = [p for p in out.iterdir() if p.is_dir()]
    assert len(runs) == 1, (proc.stdout, proc.stderr)
    return proc, runs[0]


@pytest.fixture(scope="module")
def summary(partial_run):
    """The run's summary.json."""
    return json.loads((partial_run[1] / "summary.json").read_text())


def by_name(summary) -> dict:
    return {entry["scheme"]: entry for entry in summary["schemes"]}


def test_partial_run_is_written_but_never_marked_complete(partial_run):
    proc, run = partial_run
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "verifying every scheme" in proc.stdout
    assert f"run folder: {run}" in proc.stdout
    for name in ("summary.json", "benchmark.json", "queries.json", "verification.json"):
        assert (run / name).is_file(), name
    assert not (run / COMPLETE_MARKER).exists()
    assert not (run.parent / LATEST).exists()


def test_every_scheme_is_verified_and_listed(summary):
    assert summary["schema_version"] == SCHEMA_VERSION
    assert summary["quick"] is True
    names = [entry["scheme"] for entry in summary["schemes"]]
    assert names[0] == "none" and names == list(summary["verification"])
    assert all(v["ok"] for v in summary["verification"].values()), summary["verification"]
    assert summary["verification"]["token"]["status_without"] == 401


def test_measured_figures_and_pinned_sizes(summary):
    schemes = by_name(summary)
    none, token, stateless = schemes["none"], schemes["token"], schemes["jwt-stateless"]
    assert none["ratio_to_none"] == 1.0 and none["request_us"] > 0
    assert token["request_us"] > 0 and token["request_iqr_us"] >= 0
    assert (none["queries"], token["queries"], stateless["queries"]) == (0, 1, 0)
    assert none["credential_bytes"] == 0
    assert token["credential_bytes"] == TOKEN_HEADER_BYTES
    assert token["response_extra_bytes"] == 0 and token["response_extra_headers"] == []
    assert token["crypto"] == "" and "JWT signature verify" in stateless["crypto"]
    assert schemes["basic"]["request_us"] is None  # not selected: null, never a guess
    assert token["load_rps"] is None and summary["load"]["ran"] is False


def test_variants_name_their_stock_scheme_and_declare_their_delay(summary):
    schemes = by_name(summary)
    assert schemes["token-cached"]["variant_of"] == "token"
    assert schemes["token"]["variant_of"] is None
    assert schemes["token-cached"]["properties"]["revocation_delay_s"] == 60
    assert schemes["token"]["properties"]["revocation_delay_s"] == 0
    assert schemes["token-cached"]["queries"] == 0  # timed on cache hits


def test_login_writes_of_a_first_login_are_pinned(summary):
    schemes = by_name(summary)
    writes = {name: schemes[name]["login_writes"] for name in ("session", "token", "jwt", "knox")}
    # session: INSERT the session, UPDATE last_login, UPDATE the session (rotated data);
    # token: INSERT the key; jwt: INSERT the outstanding refresh token; knox: INSERT the
    # token, UPDATE last_login.
    assert writes == {"session": 3, "token": 1, "jwt": 1, "knox": 2}
    assert schemes["token"]["login_repeat_same_credential"] is True
    assert schemes["knox"]["login_repeat_same_credential"] is False
    assert schemes["none"]["login_us"] is None and schemes["token"]["login_us"] > 0
    # One password check per login; the default hasher is the flow hasher here (MD5),
    # so the login is its flow.
    assert schemes["token"]["login_password_checks"] == 1
    assert schemes["token"]["login_us"] == schemes["token"]["login_flow_us"]


def test_a_login_adds_the_default_hashers_verify_per_password_check():
    def verify(hasher, median, iqr, default=False):
        return {"kind": "hasher_verify", "hasher": hasher, "default": default,
                "median_us": median, "iqr_us": iqr}  # fmt: skip

    records = [verify("pbkdf2", 500_000.0, 900.0, default=True), verify("md5", 3.0, 0.5)]
    login = {"median_us": 1_200.0, "iqr_us": 40.0, "password_checks": 2, "flow_hasher": "md5"}
    figures = bench_summary.login_figures(login, records)
    assert figures["login_us"] == 1_200.0 + 2 * (500_000.0 - 3.0)
    assert figures["login_iqr_us"] == 40.0 + 2 * 900.0
    assert figures["login_flow_us"] == 1_200.0 and figures["login_password_checks"] == 2
    # Without the hashers' timings the login is unknown, not its flow alone.
    assert bench_summary.login_figures(login, [])["login_us"] is None
    assert bench_summary.login_figures({**login, "password_checks": 0}, [])["login_us"] == 1_200.0


def test_provenance_names_the_hasher_and_the_rounds(summary):
    provenance = summary["provenance"]
    assert provenance["hasher"]["algorithm"] == "md5"
    assert provenance["profile"] == "lab.settings.bench"
    assert provenance["rounds"]["quick"] is True
    assert provenance["database"]["vendor"]
    # LOAD=0 and a partial run (no servers): those phases are absent, not zero.
    assert list(provenance["phase_seconds"]) == ["setup", "suites", "evidence and side jobs"]
    assert all(seconds >= 0 for seconds in provenance["phase_seconds"].values())


def test_queries_json_holds_the_statements(partial_run):
    queries = json.loads((partial_run[1] / "queries.json").read_text())
    assert queries["none"]["GET"] == []
    assert len(queries["token"]["GET"]) == 1 and "authtoken_token" in queries["token"]["GET"][0]


def test_summary_rebuilt_from_the_raw_json_is_the_same(partial_run, summary):
    run = partial_run[1]
    rebuilt = bench_summary.build_summary(
        run_id=summary["run_id"],
        quick=True,
        provenance=summary["provenance"],
        schemes=[{k: e[k] for k in IDENTITY_FIELDS} for e in summary["schemes"]],
        baseline="none",
        verification=summary["verification"],
        benchmark_json=json.loads((run / "benchmark.json").read_text()),
        # Not in the raw JSON: the machine's CPU accounting while the suites ran.
        other_cores=summary["noise"]["other_cpu_cores"],
    )
    assert rebuilt["schemes"] == summary["schemes"]
    assert rebuilt["noise"] == summary["noise"]


def test_noise_keeps_the_drift_but_does_not_flag_on_it():
    """A baseline that drifted 6% with steady intervals is not noisy any more (the rule
    is the intervals' width, tests/test_noise.py); the drift stays on record."""
    rounds = [100e-6 * (1 + 0.001 * (i % 7)) for i in range(200)]
    records = [
        {"kind": "request", "scheme": "none", "method": "GET", "median_us": 100.0, "data": rounds},
        {"kind": "baseline_end", "scheme": "none", "median_us": 106.0},
    ]
    noise = bench_summary.noise(records, "none", {})
    assert noise["drift_pct"] == 6.0 and noise["noisy"] is False
    assert noise["baseline_ci_pct"] < 1 and noise["ratio_ci_pct"] is None
    assert bench_summary.noise(records[1:], "none", {})["noisy"] is True  # nothing measured
    # The same steady intervals with another process busy beside the suites: noisy.
    crowded = bench_summary.noise(records, "none", {}, other_cores=0.97)
    assert crowded["noisy"] is True and crowded["other_cpu_cores"] == 0.97
    assert bench_summary.noise(records, "none", {}, other_cores=0.03)["noisy"] is False


def test_other_load_is_the_machines_busy_time_less_the_runs_own():
    from benchmarks.run import other_load

    # 30 s of wall time: the machine busy 40 CPU-s, the run 10 of them: one core else.
    assert other_load((100.0, 5.0), (140.0, 15.0), 30.0) == 1.0
    assert other_load((100.0, 5.0), (110.0, 15.0), 30.0) == 0.0  # never below zero
    assert other_load((100.0, 5.0), (110.0, 15.0), 0.0) is None
    assert other_load(None, (110.0, 15.0), 30.0) is None  # no /proc/stat


def test_extra_headers_counts_what_a_scheme_adds():
    base = ["Content-Type: application/json", "Vary: Accept"]
    size, lines = bench_summary.extra_headers(
        ["Content-Type: application/json", "Vary: Accept, Cookie"], base
    )
    assert lines == ["Vary: Accept, Cookie"] and size == len(", Cookie")


def test_add_load_fills_the_load_fields_only():
    summary = {"schemes": [{"scheme": "token", "load_rps": None}], "load": {"ran": False}}
    results_summary.add_load(
        summary,
        {"meta": {"duration_s": 2.0}, "schemes": {"token": {"load_rps": 50.0, "request_us": 1}}},
    )
    assert summary["schemes"][0] == {"scheme": "token", "load_rps": 50.0}
    assert summary["load"] == {"ran": True, "duration_s": 2.0}


def test_progress_line_shortens_pytest_verbose_lines():
    line = (
        "benchmarks/test_request.py::test_time_whoami_get[token] PASSED                   [ 12%]\n"
    )
    assert progress_line(line, 3.5) == "     3.5s [ 12%] passed  whoami_get[token]"
    assert progress_line("collected 99 items\n", 1.0) is None
    # pytest's short summary of a failure: once crashed the driver (IndexError).
    summary = "FAILED benchmarks/test_authenticate.py::test_time_authenticate[x] - Error\n"
    assert progress_line(summary, 1.0) is None
    # -ra's short summary names the test after a path with a line number, not first.
    skipped = "SKIPPED [12] benchmarks/test_login.py:40: enumeration: full runs only (::)\n"
    assert progress_line(skipped, 1.0) is None


def test_progress_line_skips_pytest_closing_summary():
    # This line crashed the driver (IndexError) before any summary was written.
    line = "ERROR benchmarks/test_sessions.py::test_time_session_request_by_engine[db] - ...\n"
    assert progress_line(line, 1.0) is None


def test_side_jobs_report_as_they_end_and_a_stuck_one_is_stopped(tmp_path, monkeypatch, capsys):
    from benchmarks import phases as driver
    from infra import procs

    monkeypatch.setattr(driver, "SIDE_JOB_TIMEOUT_S", 3.0)
    scripts = {"quick": "pass", "fails": "print('it broke'); raise SystemExit(3)",
               "stuck": "import time; time.sleep(60)"}  # fmt: skip
    jobs = []
    for what, code in scripts.items():
        log = tmp_path / f"{what}.log"
        with log.open("w") as out:
            proc = procs.spawn([sys.executable, "-c", code], stdout=out, stderr=subprocess.STDOUT)
        jobs.append(driver.SideJob(what, proc, log, driver.time.monotonic()))
    driver.finish_side_jobs(jobs, poll_s=0.05)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("  quick: done in")
    assert lines[1].startswith("  fails FAILED (exit 3;") and lines[1].endswith("it broke")
    assert lines[2].startswith("  stuck FAILED (timed out;")
    assert all(job.proc.poll() is not None for job in jobs)


def test_quick_runs_the_per_scheme_dimensions_for_the_first_scheme_of_each_family():
    from benchmarks.conftest import quick_sample
    from schemes import registry

    sample = quick_sample()
    families = [registry.get(name).family for name in sample]
    assert sorted(families) == sorted({s.family for s in registry.all_schemes()})
    for name in sample:  # the first registered of its family
        family = registry.get(name).family
        assert next(s.name for s in registry.all_schemes() if s.family == family) == name
    assert {"none", "basic", "session"} <= set(sample)
