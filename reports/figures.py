"""Figures derived from a run's medians, shared by the analysis, the claims, the picks,
the charts and the CSV: one definition of each ratio to ``none``."""

from __future__ import annotations

from typing import Any

from reports.collect import Run


def ratio(value: float | None, base: float | None) -> float | None:
    """``value / base``, or ``None`` when either is missing or the base is zero."""
    if value is None or not base:
        return None
    return value / base


def request_ratio(run: Run, entry: dict[str, Any]) -> float | None:
    """A scheme's GET request cost as a multiple of ``none``'s: summary.json's paired
    ``ratio_to_none``, the one value every output shows (the quotient of the two
    medians only for a run that has no paired value)."""
    paired = entry.get("ratio_to_none")
    return (
        paired if paired is not None else ratio(entry.get("request_us"), run.baseline["request_us"])
    )


#: Instruction counts are deterministic (runs agree within 0.2%): two schemes closer
#: than this are called a tie, not ranked.
INSTRUCTIONS_TOLERANCE = 0.01


def overlap(a: list | None, b: list | None) -> bool:
    """Whether two intervals ``[low, high]`` overlap; unknown intervals count as
    overlapping (a figure without spread cannot separate from another)."""
    if not a or not b:
        return True
    return a[0] <= b[1] and b[0] <= a[1]


def request_tied(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two schemes' GET costs are within noise: their 95% intervals overlap
    (runs before schema 3 have none: median ± IQR/2 stands in)."""
    return overlap(_interval(a), _interval(b))


def _interval(entry: dict[str, Any]) -> list | None:
    if entry.get("request_ci_us"):
        return entry["request_ci_us"]
    median, iqr = entry.get("request_us"), entry.get("request_iqr_us")
    if median is None or iqr is None:
        return None
    return [median - iqr / 2, median + iqr / 2]


def instructions_tied(a: float | None, b: float | None) -> bool:
    """Whether two instruction counts are within :data:`INSTRUCTIONS_TOLERANCE`."""
    if a is None or b is None:
        return True
    return abs(a - b) <= INSTRUCTIONS_TOLERANCE * max(abs(a), abs(b))
