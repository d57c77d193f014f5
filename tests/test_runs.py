"""Run folders: atomic files readable by others, ``latest`` only on completion."""

from __future__ import annotations

import json
import os
import stat

import pytest

from results import runs


def test_atomic_write_replaces_whole_files_with_shareable_mode(tmp_path):
    target = tmp_path / "summary.json"
    runs.atomic_write_json(target, {"a": 1})
    runs.atomic_write_json(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert stat.S_IMODE(os.stat(target).st_mode) & 0o044  # group/others may read
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]  # no temp left


def test_a_failed_write_keeps_the_old_file(tmp_path):
    target = tmp_path / "summary.json"
    runs.atomic_write_json(target, {"ok": True})
    with pytest.raises(TypeError):
        runs.atomic_write_bytes(target, "not bytes")  # fails mid-write
    assert json.loads(target.read_text()) == {"ok": True}
    assert [p.name for p in tmp_path.iterdir()] == ["summary.json"]


def test_latest_moves_only_when_a_run_is_complete(tmp_path):
    first = runs.new_run_dir("a", out_dir=tmp_path)
    runs.mark_complete(first)
    second = runs.new_run_dir("a", out_dir=tmp_path)  # same second: a distinct folder
    assert second != first
    assert runs.latest_run(tmp_path) == first.resolve()
    assert not runs.is_complete(second)
    runs.mark_complete(second)
    assert runs.latest_run(tmp_path) == second.resolve()
    assert os.readlink(tmp_path / runs.LATEST) == second.name  # relative: folder can move
