"""The lab's one set of summary statistics, used by every producer of summary.json.

Quantiles have one definition everywhere: linear interpolation between order
statistics (Hyndman & Fan type 7; NumPy's default, ``statistics.quantiles(...,
method="inclusive")``). For ``[10, 11, 12, 13, 20]`` the quartiles are 11 and 13,
the IQR 2.0. Confidence intervals are a percentile bootstrap over the samples
(the paired blocks of a timing), with a fixed seed: the same data gives the same
interval.
"""

from __future__ import annotations

import itertools
import math
import random
import statistics
from collections.abc import Callable, Iterable, Sequence

#: Percentiles reported for latency distributions (load phase).
PERCENTILES = (50, 95, 99)
#: Bootstrap resamples: the 2.5th/97.5th percentiles of 1,000 medians move by well
#: under 1% of the interval between seeds, and 1,000 sorts stay cheap.
RESAMPLES = 1000
#: Samples a bootstrap resamples at most. Timings have a few hundred rounds (paired
#: blocks: ~50 in QUICK, ~150 in a full run); only beyond this are consecutive samples
#: pooled into this many groups (their medians), which bounds the cost (1,000 sorts)
#: at the price of a slightly different centre.
MAX_SAMPLES = 2000
#: The fixed seed: an interval is a function of the data alone.
SEED = 20261201


def percentile(values: Iterable[float], pct: float) -> float | None:
    """The ``pct``-th percentile (0..100) by linear interpolation; ``None`` when empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * pct / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def median(values: Iterable[float]) -> float | None:
    """The median; ``None`` when empty."""
    ordered = list(values)
    return statistics.median(ordered) if ordered else None


def quartiles(values: Iterable[float]) -> tuple[float, float, float] | None:
    """(Q1, median, Q3) by linear interpolation; ``None`` when empty."""
    ordered = sorted(values)
    if not ordered:
        return None
    return percentile(ordered, 25), percentile(ordered, 50), percentile(ordered, 75)  # type: ignore[return-value]


def iqr(values: Sequence[float]) -> float:
    """Interquartile range Q3 - Q1 (0 for fewer than two values)."""
    if len(values) < 2:
        return 0.0
    q1, _, q3 = quartiles(values)  # type: ignore[misc]
    return q3 - q1


def median_iqr(values: Sequence[float]) -> tuple[float | None, float | None]:
    """(median, IQR), both ``None`` when there are no values."""
    if not values:
        return None, None
    return median(values), iqr(values)


def bootstrap_ci(
    samples: Sequence[float],
    statistic: Callable[[Sequence[float]], float] = statistics.median,
    confidence: float = 0.95,
    resamples: int = RESAMPLES,
    seed: int = SEED,
) -> tuple[float, float] | None:
    """Percentile-bootstrap interval of ``statistic`` over ``samples``; ``None`` for
    fewer than 3 samples (no interval can be trusted from two)."""
    values = pooled(samples)
    if len(values) < 3:
        return None
    rng = random.Random(seed)  # noqa: S311 -- a reproducible resampler, not a secret
    n = len(values)
    estimates = sorted(statistic(rng.choices(values, k=n)) for _ in range(resamples))
    tail = (1 - confidence) / 2 * 100
    return percentile(estimates, tail), percentile(estimates, 100 - tail)  # type: ignore[return-value]


def pooled(samples: Sequence[float], groups: int = MAX_SAMPLES) -> list[float]:
    """``samples`` as is when there are at most ``groups``, else the medians of
    ``groups`` consecutive, (nearly) equal slices (robust to one slow block)."""
    values = list(samples)
    if len(values) <= groups:
        return values
    edges = [round(i * len(values) / groups) for i in range(groups + 1)]
    return [statistics.median(values[a:b]) for a, b in itertools.pairwise(edges)]


def relative_half_width(interval: Sequence[float] | None, centre: float | None) -> float | None:
    """Half the interval's width as a fraction of ``centre`` (0.05: ± 5%)."""
    if interval is None or not centre:
        return None
    return (interval[1] - interval[0]) / 2 / abs(centre)


def latency_summary(times_us: Iterable[float]) -> dict[str, float | int | None]:
    """``count``, ``p50_us``, ``p95_us``, ``p99_us``, ``max_us``, ``mean_us`` (0.1 µs)."""
    ordered = sorted(times_us)
    summary: dict[str, float | int | None] = {"count": len(ordered)}
    for pct in PERCENTILES:
        summary[f"p{pct}_us"] = _round(percentile(ordered, pct))
    summary["max_us"] = _round(ordered[-1]) if ordered else None
    summary["mean_us"] = _round(sum(ordered) / len(ordered)) if ordered else None
    return summary


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
