"""CPU time of a process tree from /proc (Linux): a server and all its workers.

Server CPU per request = (tree CPU after a window - before) / requests: the capacity
per core is 1 s / that, whatever else shares the machine. Per thread the kernel's
``schedstat`` gives nanoseconds; ``/proc/<pid>/stat`` (clock ticks, 10 ms) is the
fallback, and also counts threads that have already exited.
"""

from __future__ import annotations

import os
from pathlib import Path

PROC = Path("/proc")
TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    """The fields of ``/proc/<pid>/stat`` after the command name (field 3 on)."""
    raw = (PROC / str(pid) / "stat").read_text()
    return raw[raw.rindex(")") + 2 :].split()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (all its threads)."""
    task_dir = PROC / str(pid) / "task"
    try:
        total_ns = sum(int((t / "schedstat").read_text().split()[0]) for t in task_dir.iterdir())
        stat_s = _stat_s(pid)
        # schedstat misses threads that exited; stat has them at tick resolution, so
        # it wins only when it is ahead by more than its rounding.
        exact = total_ns / 1e9
        return stat_s if stat_s > exact + 2 * TICK_S else exact
    except (OSError, ValueError, IndexError):
        return _stat_s(pid)


def _stat_s(pid: int) -> float:
    fields = _stat_fields(pid)
    return (int(fields[11]) + int(fields[12])) * TICK_S  # utime, stime


def descendants(pid: int) -> list[int]:
    """``pid`` and every live process below it (workers, their children)."""
    children: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int(_stat_fields(int(entry.name))[1])
        except (OSError, ValueError, IndexError):
            continue  # gone since the listing
        children.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        current = todo.pop()
        tree.append(current)
        todo.extend(children.get(current, []))
    return tree


def tree_cpu_seconds(pid: int) -> dict[int, float]:
    """CPU seconds of ``pid`` and each of its descendants, by PID.

    A dict, not a sum, so a worker replaced during a window (it started at 0) can be
    told from one that ran all along: see :func:`cpu_delta`.
    """
    out = {}
    for member in descendants(pid):
        try:
            out[member] = process_cpu_seconds(member)
        except OSError:
            continue
    return out


def cpu_delta(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU seconds spent between two :func:`tree_cpu_seconds` readings.

    A process present only after started during the window: all its time counts.
    """
    return sum(after[p] - before.get(p, 0.0) for p in after)


def machine_busy_seconds() -> float:
    """CPU seconds every core of the machine has been busy since boot (``/proc/stat``:
    user, nice, system, irq, softirq, steal; idle and iowait left out)."""
    with open("/proc/stat") as f:
        fields = f.readline().split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def pin(cores: set[int]) -> None:
    """Run this process (and what it starts) on ``cores`` only, where they exist."""
    available = os.sched_getaffinity(0)
    usable = cores & available
    if usable:
        os.sched_setaffinity(0, usable)


def main(argv: list[str] | None = None) -> int:
    """``python -m infra.cpu PID``: print the CPU seconds of PID's process tree, so a
    load run from other machines can be bracketed by two readings on the server's."""
    import sys

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or not args[0].isdigit():
        print("usage: python -m infra.cpu PID", file=sys.stderr)
        return 2
    print(f"{sum(tree_cpu_seconds(int(args[0])).values()):.6f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
