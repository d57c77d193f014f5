"""How long each benchmark runs: one policy shared by the driver and the suites.

Fast calls (well under a millisecond) are left to pytest-benchmark's calibration
for ``max_time`` seconds. Slow calls (a password hash: hundreds of ms) get a fixed,
small number of rounds, so Basic with the real hasher fits the time budget
without being dropped. QUICK keeps the same coverage with fewer rounds.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

#: Environment variables the driver sets for the pytest child (read via lab.env.get).
RUN_DIR_VAR = "AUTHLAB_BENCH_RUN_DIR"
QUICK_VAR = "AUTHLAB_BENCH_QUICK"
#: A call slower than this is timed with explicit rounds instead of calibration. The
#: slowest non-hashing call (knox with 1000 tokens, ~15-25 ms) stays under it; the
#: fastest password hash (~100 ms) is well over it.
SLOW_SECONDS = 0.05
#: Pass as the probe duration of a call that hashes a password: slow by design, so it
#: is timed without an untimed probe call first (each costs hundreds of ms).
KNOWN_SLOW = float("inf")


@dataclass(frozen=True)
class Policy:
    """Rounds and time per benchmark for one kind of run."""

    quick: bool
    #: Seconds pytest-benchmark spends on each fast benchmark.
    max_time: float
    #: Rounds of each slow benchmark (password hashing, logins).
    slow_rounds: int
    #: Lower bound on rounds of fast benchmarks.
    min_rounds: int
    #: Warm-up iterations before fast rounds are recorded.
    warmup_iterations: int

    def pytest_args(self) -> list[str]:
        """pytest-benchmark options that apply this policy."""
        return [
            f"--benchmark-max-time={self.max_time}",
            f"--benchmark-min-rounds={self.min_rounds}",
            "--benchmark-warmup=on",
            f"--benchmark-warmup-iterations={self.warmup_iterations}",
            "--benchmark-sort=name",
        ]

    def rounds_for(self, seconds_per_call: float) -> int:
        """Explicit rounds for a call that takes ``seconds_per_call`` (slow or fast)."""
        if seconds_per_call >= SLOW_SECONDS:
            return self.slow_rounds
        wanted = int(self.max_time / max(seconds_per_call, 1e-6))
        return max(self.min_rounds, min(wanted, 20_000))

    def as_dict(self) -> dict[str, Any]:
        """The policy as recorded in provenance."""
        return {**asdict(self), "slow_seconds": SLOW_SECONDS}


QUICK = Policy(quick=True, max_time=0.1, slow_rounds=3, min_rounds=5, warmup_iterations=20)
FULL = Policy(quick=False, max_time=0.3, slow_rounds=5, min_rounds=10, warmup_iterations=50)


def policy(quick: bool) -> Policy:
    """The policy for a QUICK or a full run."""
    return QUICK if quick else FULL


def run_dir_from_env() -> str:
    """The run folder the driver handed to the suites ("" under ``make test``).

    Read from the bench settings (``BENCH_RUN_DIR``, from the environment in lab.env).
    """
    from django.conf import settings

    return getattr(settings, "BENCH_RUN_DIR", "")


def quick_from_env() -> bool:
    """Whether the driver asked for a QUICK run (``BENCH_QUICK`` in the bench settings)."""
    from django.conf import settings

    return bool(getattr(settings, "BENCH_QUICK", False))


def per_run(fixture_name: str, config) -> str:
    """Scope of fixtures holding database state: the whole run under ``make bench``;
    one test under ``make test``, where each test's transaction is rolled back."""
    return "session" if run_dir_from_env() else "function"
