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


def revocation_delay(entry: dict[str, Any]) -> tuple[bool, float | None]:
    """``(declared, seconds)``: a scheme's revocation delay (``revocation_delay_s``: 0 =
    immediate, ``None`` = never); ``declared`` is false for a run that did not record it
    (the entry's own field first, then its declared properties)."""
    for where in (entry, entry.get("properties") or {}):
        if "revocation_delay_s" in where:
            value = where["revocation_delay_s"]
            ok = value is None or (isinstance(value, int | float) and not isinstance(value, bool))
            return (True, value) if ok else (False, None)
    return False, None
