"""``latest`` names the newest complete bench run; load-only and scale-only runs move
their own pointers, so the README's ``latest/index.html`` is never a "not measured" page."""

from __future__ import annotations

import os

import pytest

from loadtests import orchestrate
from results import runs


def test_each_kind_of_run_moves_only_its_own_pointer(tmp_path):
    bench = runs.new_run_dir("quick", out_dir=tmp_path)
    runs.mark_complete(bench)
    load = runs.new_run_dir("load", out_dir=tmp_path)
    runs.mark_complete(load, kind="load")
    scale = runs.new_run_dir("scale", out_dir=tmp_path)
    runs.mark_complete(scale, kind="scale")
    assert runs.latest_run(tmp_path) == bench.resolve()
    assert runs.latest_run(tmp_path, kind="load") == load.resolve()
    assert runs.latest_run(tmp_path, kind="scale") == scale.resolve()
    assert os.readlink(tmp_path / "latest-load") == load.name


def test_an_unknown_kind_is_refused_before_anything_is_written(tmp_path):
    run = runs.new_run_dir("x", out_dir=tmp_path)
    with pytest.raises(KeyError):
        runs.mark_complete(run, kind="matrix")
    assert not runs.is_complete(run)
    assert not (tmp_path / runs.LATEST).exists()


def _load_result(names: list[str]) -> dict:
    raw = {
        "rps": 100.0, "failures": 0, "requests": 150,
        "latency": {"p50_us": 1.0, "p95_us": 2.0, "p99_us": 3.0, "max_us": 4.0},
        "bytes_sent_per_request": 100.0, "bytes_received_per_request": 400.0,
        "server_cpu_us_per_request": 900.0, "generator_cpu_pct": 20.0,
    }  # fmt: skip
    return {
        "meta": {"ran": True, "generator_saturated": False},
        "schemes": {n: orchestrate.load_fields(raw) for n in names},
        "verification": {n: {"ok": True} for n in names},
    }


@pytest.mark.django_db
def test_make_load_leaves_latest_on_the_bench_run(tmp_path, monkeypatch):
    bench = runs.new_run_dir("quick", out_dir=tmp_path)
    runs.mark_complete(bench)
    monkeypatch.setattr(runs, "OUT_DIR", tmp_path)
    monkeypatch.setattr(orchestrate, "run_load", lambda *a, **k: _load_result(["none", "token"]))
    assert orchestrate.main(["--quick", "--schemes", "none,token"]) == 0
    assert runs.latest_run(tmp_path) == bench.resolve()
    load = runs.latest_run(tmp_path, kind="load")
    assert load is not None and load != bench.resolve() and runs.is_complete(load)
    assert (load / "summary.json").is_file()
