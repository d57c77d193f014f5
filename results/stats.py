"""The lab's one set of summary statistics, used by every producer of summary.json.

Quantiles have one definition everywhere: linear interpolation between order
statistics (Hyndman & Fan type 7; NumPy's default, ``statistics.quantiles(...,
method="inclusive")``). For ``[10, 11, 12, 13, 20]`` the quartiles are 11 and 13,
the IQR 2.0. Confidence intervals (bootstrap over paired blocks) will live here too.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence

#: Percentiles reported for latency distributions (load phase).
PERCENTILES = (50, 95, 99)


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
