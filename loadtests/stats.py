"""Statistics of raw per-request samples, kept apart from collecting them.

Locust's own statistics round response times to whole milliseconds, which hides
every difference under ~1 ms here; these functions work on the raw float timings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from results.stats import PERCENTILES, iqr, latency_summary

#: A percentile is reported only when at least this many samples lie at or above it:
#: p50 needs 10 samples, p95 100, p99 500 (a p99 of 20 requests is their maximum).
TAIL_SAMPLES = 5


def min_samples(pct: float) -> int:
    """The fewest samples that put :data:`TAIL_SAMPLES` at or above the ``pct``-th percentile."""
    return round(TAIL_SAMPLES * 100 / (100 - pct))


def too_few_samples(count: int) -> list[str]:
    """The percentiles (``"p95"``...) that ``count`` samples are too few to report."""
    return [f"p{pct}" for pct in PERCENTILES if count < min_samples(pct)]


@dataclass
class Sample:
    """One measured request: method, latency, wire bytes each way, success."""

    method: str
    time_us: float
    sent: int
    received: int
    ok: bool

    def as_row(self) -> list[Any]:
        """A compact list, for messages between locust processes."""
        return [self.method, self.time_us, self.sent, self.received, self.ok]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> Sample:
        """Inverse of :meth:`as_row`."""
        return cls(str(row[0]), float(row[1]), int(row[2]), int(row[3]), bool(row[4]))


@dataclass
class Batch:
    """What one locust process measured in one window: samples, window, its own CPU."""

    samples: list[Sample] = field(default_factory=list)
    window_s: float = 0.0
    cpu_s: float = 0.0
    truncated: bool = False
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def cpu_pct(self) -> float:
        """CPU the process used during its window, in % of one core."""
        return 100 * self.cpu_s / self.window_s if self.window_s > 0 else 0.0


def summarise(batches: Sequence[Batch]) -> dict[str, Any]:
    """Combine the batches of every load-generating process into one scheme's figures."""
    samples = [s for b in batches for s in b.samples]
    measured = len(samples)
    failures: dict[str, int] = {}
    for batch in batches:
        for reason, count in batch.failures.items():
            failures[reason] = failures.get(reason, 0) + count
    # Each process ran its own window (the same length unless it hit the request cap).
    rps = sum(len(b.samples) / b.window_s for b in batches if b.window_s > 0)
    by_method = {
        method: {
            **latency_summary(s.time_us for s in samples if s.method == method),
            "bytes_sent": _mean(s.sent for s in samples if s.method == method),
            "bytes_received": _mean(s.received for s in samples if s.method == method),
        }
        for method in sorted({s.method for s in samples})
    }
    return {
        "requests": measured,
        "failures": sum(not s.ok for s in samples),
        "failure_reasons": failures,
        "rps": round(rps, 1),
        "window_s": round(max((b.window_s for b in batches), default=0.0), 3),
        "latency": latency_summary(s.time_us for s in samples),
        "latency_iqr_us": round(iqr([s.time_us for s in samples]), 1),
        "too_few_samples": too_few_samples(measured),
        "latency_by_method": by_method,
        "bytes_sent_per_request": _mean(s.sent for s in samples),
        "bytes_received_per_request": _mean(s.received for s in samples),
        "generator_processes": [
            {
                "cpu_pct": round(b.cpu_pct, 1),
                "requests": len(b.samples),
                "window_s": b.window_s,
                "truncated": b.truncated,
            }
            for b in batches
        ],
    }


def _mean(values: Iterable[int]) -> float | None:
    items = list(values)
    return round(sum(items) / len(items), 1) if items else None
