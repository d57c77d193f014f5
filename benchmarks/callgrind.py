"""The callgrind process of :mod:`benchmarks.instructions`: started, handed its
workers' databases, waited for, and its labelled dumps read back."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

SEED_DB = "seed.sqlite3"
TOOL = "callgrind"
#: No cache or branch simulation (callgrind's defaults, stated): instructions only.
VALGRIND_ARGS = (f"--tool={TOOL}", "--instr-atstart=no", "--cache-sim=no", "--branch-sim=no")
VALGRIND_ARGS += ("--dump-line=no",)  # per-function totals only: smaller, faster dumps
HASH_SEED = "0"
_TRIGGER = re.compile(rb"^desc: Trigger: Client Request: (\S+)$", re.M)
_TOTALS = re.compile(rb"^totals: (\d+)", re.M)


def start_workers(
    valgrind: str,
    tmp: Path,
    groups: list[list[str]],
    repetitions: int,
    points: list[int],
    settings: str,
) -> subprocess.Popen:
    """Start the one callgrind process, which sets Django up (uninstrumented) while the
    database is prepared, then forks one worker per group once ``tmp/ready`` exists."""
    from infra import procs

    root = Path(__file__).resolve().parent.parent
    cmd = [
        valgrind,
        *VALGRIND_ARGS,
        f"--callgrind-out-file={tmp}/callgrind.%p",
        f"--log-file={tmp}/valgrind.%p.log",
        sys.executable,
        "-m",
        "benchmarks.instructions_worker",
        f"--groups={';'.join(','.join(g) for g in groups)}",
        f"--repetitions={repetitions}",
        f"--iterations={','.join(map(str, points))}",
        f"--dir={tmp}",
    ]
    env = {
        **os.environ,
        "PYTHONHASHSEED": HASH_SEED,
        "DJANGO_SETTINGS_MODULE": settings,
        "AUTHLAB_SQLITE_PATH": str(tmp / "unused.sqlite3"),  # each worker gets its own
    }
    with open(tmp / "worker.log", "w") as log:
        # Dies with this process: an interrupted run leaves no valgrind running.
        return procs.spawn(cmd, env=env, cwd=root, stdout=log, stderr=log)


def finish_workers(tmp: Path, proc: subprocess.Popen, jobs: int) -> list[dict]:
    """Hand each worker its copy of the database, wait; return each one's meta (its pid,
    regions, verification; its dumps are in ``tmp``)."""
    for index in range(jobs):
        folder = tmp / f"worker{index}"
        folder.mkdir()
        shutil.copyfile(tmp / SEED_DB, folder / "db.sqlite3")
    (tmp / "ready").touch()
    if proc.wait() != 0:
        log = (tmp / "worker.log").read_text()[-2000:]
        raise RuntimeError(f"the workers in {tmp} exited {proc.returncode}:\n{log}")
    return [json.loads((tmp / f"worker{index}" / "meta.json").read_text()) for index in range(jobs)]


def dump_totals(folder: Path, pid: int) -> dict[str, int]:
    """Instructions of each labelled callgrind dump of process ``pid``, by label."""
    totals: dict[str, int] = {}
    for path in [*folder.glob(f"callgrind.{pid}"), *folder.glob(f"callgrind.{pid}.*")]:
        data = path.read_bytes()
        trigger, total = _TRIGGER.search(data), _TOTALS.search(data)
        if trigger and total:
            totals[trigger.group(1).decode()] = int(total.group(1))
    return totals


def per_call(folder: Path, meta: dict[str, Any]) -> list[dict[str, Any]]:
    """Each counted region with its instructions per call (the empty bracket subtracted)."""
    totals = dump_totals(folder, meta["pid"])
    missing = [r["label"] for r in meta["regions"] if r["label"] not in totals]
    if missing:
        raise RuntimeError(f"callgrind wrote no dump for {missing[:3]} in {folder}")
    empty = [totals[r["label"]] for r in meta["regions"] if r["kind"] == "empty"]
    bracket = min(empty)
    return [
        {**r, "instructions": (totals[r["label"]] - bracket) / r["repetitions"]}
        for r in meta["regions"]
        if r["kind"] != "empty"
    ] + [{"kind": "bracket", "instructions": bracket, "spread": max(empty) - bracket}]
