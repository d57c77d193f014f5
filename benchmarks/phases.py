"""The phases of ``make bench`` around the timed ones: how long each took
(:class:`PhaseClock`, ``provenance.phase_seconds``) and the untimed side jobs that run
side by side between the timed suites and the load phase (:data:`SIDE_JOBS`).
"""

from __future__ import annotations

import dataclasses
import importlib
import subprocess
import sys
import time
from pathlib import Path


def say(message: str) -> None:
    """One progress line, flushed at once."""
    print(message, flush=True)


class PhaseClock:
    """Wall seconds of each phase of the run, in order (``provenance.phase_seconds``):
    where ``make bench``'s time goes."""

    def __init__(self) -> None:
        self.start = self.last = time.monotonic()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> float:
        """End the phase ``name`` now; return its seconds."""
        now = time.monotonic()
        self.laps[name] = round(now - self.last, 1)
        self.last = now
        return self.laps[name]

    def total(self) -> float:
        """Seconds since the run started."""
        return time.monotonic() - self.start

    def line(self) -> str:
        """``phases: setup 7 s, suites 88 s, ... (N s in all)``."""
        laps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in self.laps.items())
        return f"phases: {laps} ({self.total():.0f} s in all)"


#: The phases that time nothing, each a child writing one file into the run folder: the
#: instruction counts (valgrind counts instructions, not seconds: contention does not
#: move them) and the claims producers that check behaviour (``make browser-claims``,
#: ``make multiserver``). ``make bench`` runs them together, beside the untimed evidence,
#: between the timed suites and the load phase: never beside a wall-clock timing.
#: (name, module, what); a producer module's ``available()`` says when it cannot run.
SIDE_JOBS = (
    ("instructions", "instructions", "instruction counts under valgrind"),
    ("browser_claims", "browser_claims", "browser claims in Chromium"),
    ("multiserver", "multiserver", "two servers behind HAProxy (claim 5)"),
)
#: The longest a side job may take before it is stopped (its file is then missing).
SIDE_JOB_TIMEOUT_S = 600


@dataclasses.dataclass
class SideJob:
    """One running side job: its child, its log (``<name>.log`` in the run folder)."""

    what: str
    proc: subprocess.Popen
    log: Path
    started: float


def start_side_jobs(run_dir: Path, names: tuple[str, ...]) -> list[SideJob]:
    """Start the :data:`SIDE_JOBS` named ``names`` (those whose tools are installed)."""
    from infra import procs

    jobs = []
    root = Path(__file__).resolve().parent.parent
    for name, module, what in SIDE_JOBS:
        if name not in names:
            continue
        missing = importlib.import_module(f"benchmarks.{module}").available()
        if missing:
            say(f"{what} skipped ({missing}): its claims read 'not measured'")
            continue
        log = run_dir / f"{name}.log"
        cmd = [sys.executable, "-m", f"benchmarks.{module}", "--out", str(run_dir)]
        with log.open("w") as out:
            proc = procs.spawn(cmd, cwd=root, stdout=out, stderr=subprocess.STDOUT)
        jobs.append(SideJob(what, proc, log, time.monotonic()))
    if jobs:
        say("untimed, side by side: " + "; ".join(job.what for job in jobs) + " ...")
    return jobs


def finish_side_jobs(jobs: list[SideJob], poll_s: float = 0.2) -> None:
    """Wait for every side job, saying how each ended as it ends (one past
    :data:`SIDE_JOB_TIMEOUT_S` is stopped); a failed one leaves its file missing and the
    other figures stand."""
    from infra import procs

    pending = list(jobs)
    try:
        while pending:
            for job in list(pending):
                took = time.monotonic() - job.started
                code = job.proc.poll()
                if code is None and took < SIDE_JOB_TIMEOUT_S:
                    continue
                pending.remove(job)
                if code == 0:
                    say(f"  {job.what}: done in {took:.0f} s")
                    continue
                procs.stop(job.proc)
                why = "timed out" if code is None else f"exit {code}"
                tail = job.log.read_text(errors="replace").strip().splitlines()[-1:] or [""]
                say(f"  {job.what} FAILED ({why}; log {job.log}): {tail[0][-300:]}")
            time.sleep(poll_s if pending else 0)
    finally:  # interrupted: nothing is left running
        for job in pending:
            procs.stop(job.proc)
