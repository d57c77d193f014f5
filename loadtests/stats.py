"""Statistics of raw per-request samples, kept apart from collecting them.

Locust's own statistics round response times to whole milliseconds, which hides
every difference under ~1 ms here; these functions work on the raw float timings.
"""

from __future__ import annotations

import statistics
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


#: The warm-up ends after a run of calm slices (:func:`settled`) at least this long...
CALM_SLICES = 3
#: ...none with a mean latency over this multiple of the slices' median.
SPIKE_FACTOR = 2.0
#: ...and no request in flight for longer than this multiple of it.
STUCK_FACTOR = 10.0
#: A scheme whose slices average this long a request (a password hash each: Basic)
#: has nothing to warm: every request costs the same...
SLOW_MEAN_S = 0.1
#: ...once that has lasted this long: a cold start looks slow at first too (basic-cached
#: with every user held up by a hash, for up to ~3.5 s on 2 workers).
SLOW_CONFIRM_S = 4.0


@dataclass(frozen=True)
class Slice:
    """One warm-up slice: requests completed in it, their mean and longest latency, and
    how long the oldest request in flight at its end had waited."""

    requests: int
    mean_s: float = 0.0
    max_s: float = 0.0
    oldest_in_flight_s: float = 0.0


def settled(slices: Sequence[Slice], slice_s: float) -> bool:
    """Whether the warm-up can end: the slices since the last spike (a mean latency over
    :data:`SPIKE_FACTOR` times the median slice's) span :data:`CALM_SLICES` and more than
    the slowest request seen, and no request has been in flight for more than
    :data:`STUCK_FACTOR` times the median (one held up by a cold start ends, and shows,
    before the window opens); or the scheme has been slow throughout
    (:data:`SLOW_MEAN_S`) for :data:`SLOW_CONFIRM_S`.

    A per-process cache warms once per server worker (basic-cached: one password hash
    per account in each gunicorn worker, 0.9 s each). While one worker hashes, the other
    serves at full speed; only the hash's own request shows it: in flight for 0.9 s,
    and, when it ends, among ~25 of 10 ms, lifting its slice's mean fourfold. A fixed 0.25 s warm-up
    had left those hashes in the window: p95 0.8-1 s against 12 ms for token-cached.
    (The server's CPU per request shows a hash too, but at 10 ms clock ticks a 0.1 s
    slice reads it to ±10%: too coarse to compare slice by slice.)"""
    busy = [s for s in slices if s.requests]
    if len(busy) < CALM_SLICES:
        return False
    typical = statistics.median(s.mean_s for s in busy)
    if typical >= SLOW_MEAN_S:
        return len(slices) * slice_s >= SLOW_CONFIRM_S
    spike = next(
        (n for n, s in enumerate(reversed(slices)) if s.mean_s > SPIKE_FACTOR * typical),
        len(slices),
    )
    longest = max(s.max_s for s in busy)
    stuck = slices[-1].oldest_in_flight_s > STUCK_FACTOR * typical
    return spike >= CALM_SLICES and spike * slice_s > longest and not stuck
