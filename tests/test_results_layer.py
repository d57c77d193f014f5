"""The results layer (results/) and the analysis on top of it: one statistics
definition, one verification rule, one summary builder, the dimensions table, the
scale verdicts, and the package boundaries (no cycles; reports/ reads results only)."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import summary as bench_summary
from benchmarks.records import Kind
from reports import scale as scale_report
from results import schema, stats
from results import summary as results_summary
from results.verify import Answer, verdict

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "run-quick"
#: Top-level packages of the checkout (tests/ is not one anything imports).
PACKAGES = ("benchmarks", "infra", "lab", "loadtests", "reports", "results", "scale", "schemes")
#: Import cycles another branch of issue 12 removes (schemes/* imports lab.views, which
#: imports schemes.registry); tolerated here, never required. Delete once merged.
KNOWN_CYCLES: set[frozenset[str]] = set()


# --- statistics -------------------------------------------------------------------------------
def test_one_iqr_definition_linear_interpolation():
    # The samples: conftest said 6.0, scale 2.0, pytest-benchmark 4.0.
    assert stats.iqr([10, 11, 12, 13, 20]) == 2.0
    assert stats.quartiles([10, 11, 12, 13, 20]) == (11, 12, 13)
    assert stats.percentile([1, 2, 3, 4], 50) == 2.5
    assert stats.median_iqr([]) == (None, None)
    assert stats.iqr([5.0]) == 0.0


# --- verification -----------------------------------------------------------------------------
def test_verification_rule_flips_with_the_answer():
    right = [Answer("GET", 200, "user1", "user1"), Answer("POST", 200, "user1", "user1")]
    assert verdict(right, 401, baseline=False) == {
        "ok": True, "status_with": 200, "username": "user1", "status_post": 200,
        "status_without": 401,
    }  # fmt: skip
    wrong_user = [Answer("GET", 200, "user2", "user1")]
    assert verdict(wrong_user, 401, baseline=False)["ok"] is False
    assert verdict(right, 200, baseline=False)["ok"] is False  # served without credential
    anonymous = [Answer("GET", 200, None, None)]
    assert verdict(anonymous, 200, baseline=True)["ok"] is True
    assert verdict(anonymous, 401, baseline=True)["ok"] is False
    loaded = verdict(right, 403, baseline=False, problems=["HTTP 500", "HTTP 500"])
    assert loaded["ok"] is False and loaded["problems"] == ["HTTP 500"]
    assert loaded["users_checked"] == 2


# --- the one builder --------------------------------------------------------------------------
def test_every_producer_gets_every_section_and_key():
    meta = [{"scheme": "none", "title": "none", "properties": {}}]
    empty = results_summary.build("r", quick=True, provenance={}, schemes=meta)
    assert set(empty) == {
        "schema_version", "run_id", "quick", "provenance", "noise", "verification", "floor",
        "schemes", "dimensions", "attribution", "evidence", "load", "scale",
    }  # fmt: skip
    assert empty["evidence"] == {}
    assert set(empty["schemes"][0]) == {*schema.IDENTITY_FIELDS, *schema.SCHEME_FIELDS}
    assert list(empty["dimensions"]) == list(schema.DIMENSIONS)
    assert set(empty["noise"]) == set(schema.NOISE_FIELDS)
    assert set(empty["scale"]) == set(schema.SCALE_FIELDS)
    filled = results_summary.build(
        "r", quick=True, provenance={}, schemes=meta, figures={"none": {"request_us": 1.5}}
    )
    assert filled["schemes"][0]["request_us"] == 1.5
    with pytest.raises(KeyError, match="request_usec"):  # a field not in the schema
        results_summary.build(
            "r", quick=True, provenance={}, schemes=meta, figures={"none": {"request_usec": 1}}
        )


# --- the dimensions table ---------------------------------------------------------------------
def _record(kind: Kind, **facts) -> dict:
    return {"kind": str(kind), "median_us": 10.0, "iqr_us": 1.0, **facts}


DIMENSION_RECORDS = {
    "hashers": _record(Kind.HASHER_VERIFY, hasher="md5"),
    "jwt_algorithms": _record(Kind.JWT_SIGN, algorithm="HS256", token_bytes=100),
    "jwt_claims": _record(
        Kind.JWT_CLAIMS, step="+username", claims=["user_id"], token_bytes=1, header_bytes=2
    ),
    "session_engines": _record(Kind.SESSION_ENGINE, engine="db", cookie_bytes=40),
    "knox_tokens": _record(Kind.KNOX_TOKENS, tokens_per_user=10),
    "conn_max_age": _record(Kind.CONN_MAX_AGE, scheme="token", conn_max_age=None),
    "middleware": _record(Kind.MIDDLEWARE, scheme="token", stack="full"),
    "backends": _record(Kind.BACKENDS, backends=["model"], case="wrong-password"),
    "enumeration": _record(Kind.ENUMERATION, scheme="token", case="unknown-user"),
}


def test_the_dimensions_table_names_every_measured_dimension_once():
    names = [d.name for d in bench_summary.DIMENSION_TABLE]
    assert len(set(names)) == len(names)
    assert len({d.kind for d in bench_summary.DIMENSION_TABLE}) == len(names)
    # Every schema dimension but make scale's and the servers' (benchmarks.servers, not
    # pytest records) comes from exactly one table entry.
    assert set(names) == set(schema.DIMENSIONS) - {"scale", "servers"} == set(DIMENSION_RECORDS)


@pytest.mark.parametrize("name", list(DIMENSION_RECORDS))
def test_each_record_kind_lands_in_its_own_dimension_only(name):
    dims = bench_summary.dimensions([DIMENSION_RECORDS[name]], baseline_us=5.0)
    assert {k for k, rows in dims.items() if rows} == {name}
    (row,) = dims[name]
    own = {"hashers": "verify_us", "jwt_algorithms": "sign_us", "jwt_claims": "sign_us"}
    assert row[own.get(name, "us" if "us" in row else "request_us")] == 10.0


def test_dimension_rows_join_their_partner_records():
    sign = _record(Kind.JWT_SIGN, algorithm="RS256", token_bytes=300)
    verify = {**_record(Kind.JWT_VERIFY, algorithm="RS256"), "median_us": 40.0}
    other = {**_record(Kind.JWT_VERIFY, algorithm="HS256"), "median_us": 2.0}
    (row,) = bench_summary.dimensions([sign, other, verify], None)["jwt_algorithms"]
    assert row["verify_us"] == 40.0
    conn = bench_summary.dimensions([DIMENSION_RECORDS["conn_max_age"]], None)["conn_max_age"]
    assert conn[0]["label"] == "persistent"


# --- scale verdicts ---------------------------------------------------------------------------
def _point(kind: str, rows: int, us: float, iqr: float = 1.0, queries: int = 1) -> dict:
    figures = {}
    for part in scale_report.PARTS:
        figures[f"{part}_us"] = us if "db" not in part else (us / 2 if queries else 0.0)
        figures[f"{part}_iqr_us"] = iqr
    return {"store": "sqlite", "kind": kind, "rows": rows, "queries": queries, **figures}


def _verdict(points: list[dict], kind: str) -> dict:
    return next(v for v in scale_report.verdicts(points) if v["kind"] == kind)


def test_scale_verdict_flips_from_flat_to_grows_with_the_data():
    control = [_point("jwt-stateless", n, 100.0, queries=0) for n in (1000, 1000000)]
    flat = [_point("token", 1000, 500.0), _point("token", 1000000, 520.0)]
    grows = [_point("token", 1000, 500.0), _point("token", 1000000, 2000.0)]
    assert _verdict(control + flat, "token")["verdict"] == "flat"
    judged = _verdict(control + grows, "token")
    assert judged["verdict"] == "grows" and judged["lookup_growth"] == 4.0


def test_scale_verdict_is_unclear_when_the_spread_is_as_large_as_the_change():
    control = [_point("jwt-stateless", n, 100.0, queries=0) for n in (1000, 1000000)]
    noisy = [_point("token", 1000, 500.0, iqr=1800.0), _point("token", 1000000, 2000.0, 1800.0)]
    assert _verdict(control + noisy, "token")["verdict"] == "unclear"


def test_scale_growth_is_divided_by_the_drift_of_the_no_store_control():
    # The box got twice as slow: the control doubled, and so did the lookup: flat.
    control = [
        _point("jwt-stateless", 1000, 100.0, 0.5, 0),
        _point("jwt-stateless", 1000000, 200.0, 0.5, 0),
    ]
    drifted = [_point("token", 1000, 500.0), _point("token", 1000000, 1000.0)]
    judged = _verdict(control + drifted, "token")
    assert judged["control_drift"] == 2.0 and judged["verdict"] == "flat"
    without_control = _verdict(drifted, "token")
    assert without_control["verdict"] == "grows"


# --- package boundaries -----------------------------------------------------------------------
def _imports(path: Path) -> set[str]:
    """Every module name ``path`` imports, at any depth (function-level imports too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def _package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            for name in _imports(path):
                top = name.split(".")[0]
                if top in graph and top != package:
                    graph[package].add(top)
    return graph


def test_no_import_cycle_between_top_level_packages():
    graph = _package_graph()
    reach = {a: _reach(graph, a) for a in graph}
    # Any cycle has a pair of packages that reach each other.
    cycles = {frozenset({a, b}) for a in graph for b in reach[a] if b != a and a in reach[b]}
    assert cycles <= KNOWN_CYCLES, sorted(map(sorted, cycles - KNOWN_CYCLES))


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for b in graph[todo.pop()]:
            if b not in seen:
                seen.add(b)
                todo.append(b)
    return seen


#: What reports/ may import: itself, the results layer, rendering libraries, the stdlib.
REPORTS_MAY_IMPORT = {"reports", "results", "matplotlib", "django.template", "django.utils"}


def test_reports_import_only_results_and_rendering_libraries():
    stdlib = sys.stdlib_module_names
    for path in (ROOT / "reports").rglob("*.py"):
        for name in _imports(path):
            allowed = name.split(".")[0] in stdlib | {"__future__"} or any(
                name == ok or name.startswith(ok + ".") for ok in REPORTS_MAY_IMPORT
            )
            assert allowed, f"{path.relative_to(ROOT)} imports {name}"


def _env_without_django(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    return {**env, **extra}


def test_results_imports_without_the_lab_settings():
    code = (
        "import sys, results.runs, results.schema, results.stats, results.summary, "
        "results.provenance, results.verify; "
        "assert not any(m == 'lab' or m.startswith(('lab.', 'django.conf')) for m in sys.modules)"
    )
    subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=_env_without_django(DB="mysql"), check=True
    )


def test_make_report_builds_with_db_mysql_in_the_environment(tmp_path):
    run = tmp_path / "run"
    shutil.copytree(FIXTURE, run)
    done = subprocess.run(
        ["make", "-s", "report", f"RUN={run}"],
        cwd=ROOT,
        env=_env_without_django(DB="mysql"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (run / "index.html").is_file() and (run / "report.md").is_file()


def test_add_instructions_merges_counts_and_provenance():
    from results import summary as results_summary
    from results.schema import empty_summary

    summary = empty_summary(
        "r", quick=True, provenance={}, schemes=[{"scheme": "none"}, {"scheme": "token"}]
    )
    counted = {
        "ran": True,
        "reason": None,
        "schemes": [
            {"scheme": "none", "get_instructions": 1_000_000, "post_instructions": 1_200_000,
             "authenticate_instructions": None, "instructions_ratio_to_none": 1.0},
            {"scheme": "token", "get_instructions": 2_780_000, "post_instructions": 3_000_000,
             "authenticate_instructions": 400_000, "instructions_ratio_to_none": 2.78},
        ],
        "hasher_scaling": {"hasher": "PBKDF2", "per_iteration": 900.0, "paths": {"x": 1}},
        "provenance": {"valgrind": "valgrind-3.24.0", "method": "callgrind ..."},
    }  # fmt: skip
    results_summary.add_instructions(summary, counted)
    token = summary["schemes"][1]
    assert token["request_instructions"] == 2_780_000
    assert token["post_instructions"] == 3_000_000
    assert token["authenticate_instructions"] == 400_000
    assert token["instructions_ratio_to_none"] == 2.78
    prov = summary["provenance"]["instructions"]
    assert prov["valgrind"] == "valgrind-3.24.0" and prov["ran"] is True
    assert prov["hasher_scaling"] == {"hasher": "PBKDF2", "per_iteration": 900.0}
    missing = empty_summary("r", quick=True, provenance={}, schemes=[{"scheme": "none"}])
    results_summary.add_instructions(missing, None)
    assert missing["provenance"]["instructions"]["ran"] is False
    assert missing["schemes"][0]["request_instructions"] is None
