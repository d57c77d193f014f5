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
    """A scheme's GET request cost as a multiple of ``none``'s, recomputed from medians."""
    computed = ratio(entry.get("request_us"), run.baseline["request_us"])
    return computed if computed is not None else entry.get("ratio_to_none")
