"""The ``make scale`` section: verdicts (flat or grows) and its Markdown, from the points.

Pure functions over ``dimensions.scale`` rows (results/SCHEMA.md): the report
renders them like every other section; ``scale.orchestrate`` stores the verdicts
in summary.json and writes ``scale.md`` with them.
"""

from __future__ import annotations

#: The growth of median lookup cost from the smallest to the largest size under which
#: a curve is called flat (also flat when the change is inside the spread).
FLAT_GROWTH = 1.25
#: A median whose IQR exceeds this fraction of it is too noisy to call growth.
NOISY = 0.5


def _curves(points: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """(store, kind) -> its points by size, for kinds with a lookup figure."""
    curves: dict[tuple[str, str], list[dict]] = {}
    for p in points:
        if p.get("lookup_us") is not None:
            curves.setdefault((p["store"], p["kind"]), []).append(p)
    return {k: sorted(v, key=lambda p: p["rows"]) for k, v in curves.items()}


def control_drift(
    curves: dict[tuple[str, str], list[dict]], store: str, statistic: str = "lookup_us"
) -> float:
    """How much a kind that touches no store (0 queries) slowed from first to last size,
    on the same ``statistic`` (median or 10th percentile) as the curve it corrects.

    The box is shared and its speed drifts; a lookup's growth is judged after
    dividing by this (1.0 when there is no such kind).
    """
    for (s, _kind), curve in curves.items():
        if s == store and curve[0]["queries"] == 0 and curve[0].get(statistic):
            return curve[-1][statistic] / curve[0][statistic]
    return 1.0


#: What each curve is judged on: figure prefix -> table title.
PARTS = {
    "lookup": "whole lookup, median",
    "lookup_db": "db part, median",
    "lookup_p10": "whole lookup, 10th percentile",
    "lookup_db_p10": "db part, 10th percentile",
}


def judge(a: float, b: float, spread: float, drift: float) -> tuple[float | None, str]:
    """(drift-corrected growth from ``a`` to ``b``, verdict).

    ``flat``: grew less than :data:`FLAT_GROWTH`; ``grows``: more, by more than the
    spread; ``unclear``: more, but the spread (IQR) is as large as the change, or
    over half the median (a contended box): the samples cannot tell.
    """
    if not a and not b:
        return None, "flat"  # no database work at all
    growth = round(b / a / drift, 3) if a else None
    if growth is not None and growth <= FLAT_GROWTH:
        return growth, "flat"
    if abs(b - a) > spread and spread <= NOISY * max(a, b):
        return growth, "grows"
    return growth, "unclear"


def verdicts(points: list[dict]) -> list[dict]:
    """Per store and kind: flat (index lookup) or grows, from smallest to largest size.

    Judged on the whole lookup and on the driver time alone (the store's own part),
    each growth divided by the drift of the no-store control measured alongside.
    """
    out = []
    curves = _curves(points)
    for (store, kind), curve in curves.items():
        first, last = curve[0], curve[-1]
        drift = control_drift(curves, store)
        drift_p10 = control_drift(curves, store, "lookup_p10_us")
        verdict = {
            "store": store,
            "kind": kind,
            "rows_min": first["rows"],
            "rows_max": last["rows"],
            "control_drift": round(drift, 3),
            "control_drift_p10": round(drift_p10, 3),
        }
        for part in PARTS:
            a, b = first.get(f"{part}_us"), last.get(f"{part}_us")
            spread = max(first.get(f"{part}_iqr_us") or 0, last.get(f"{part}_iqr_us") or 0)
            if a is None or b is None:  # an older run without this figure
                growth, judged = None, "not measured"
            else:
                growth, judged = judge(a, b, spread, drift_p10 if "p10" in part else drift)
            verdict.update(
                {
                    f"{part}_us_min": a,
                    f"{part}_us_max": b,
                    f"{part}_growth": growth,
                    f"{part}_verdict": judged,
                }
            )
        verdict["verdict"] = verdict["lookup_verdict"]
        out.append(verdict)
    return out


def _cell(point: dict | None, key: str) -> str:
    if point is None or point.get(f"{key}_us") is None:
        return "-"
    iqr = point.get(f"{key}_iqr_us")
    return f"{point[f'{key}_us']:.1f}" + (f" ({iqr:.1f})" if iqr is not None else "")


def markdown(points: list[dict], judged: list[dict], meta: dict) -> str:
    """The scale section as Markdown: per store, lookup and driver-time tables, verdicts."""
    lines = [
        "# Lookup cost against rows",
        "",
        "Median µs (IQR in brackets) of one `authenticate()` with real credentials of "
        f"{meta['sample_users']} users spread over the tables; 'db' is the part spent inside the "
        "database driver; the 10th percentile is close to the uncontended cost when other "
        f"work competes for the CPU. {meta['hasher_note']}",
        "",
    ]
    by_key = {(p["store"], p["kind"], p["rows"]): p for p in points}
    for store in dict.fromkeys(p["store"] for p in points):
        sizes = sorted({p["rows"] for p in points if p["store"] == store})
        kinds = [k for (s, k) in _curves(points) if s == store]
        head = " | ".join(f"{n:,} rows" for n in sizes)
        lines += [f"## {store} ({meta['servers'].get(store, '')})", ""]
        for key, title in PARTS.items():
            lines += [
                f"| {title} | queries | {head} | verdict |",
                "|---|---:|" + "---:|" * len(sizes) + "---|",
            ]
            for kind in kinds:
                v = next(v for v in judged if (v["store"], v["kind"]) == (store, kind))
                cells = " | ".join(_cell(by_key.get((store, kind, n)), key) for n in sizes)
                queries = by_key[(store, kind, sizes[0])]["queries"]
                growth = v[f"{key}_growth"]
                lines.append(
                    f"| {kind} | {queries} | {cells} | {v[f'{key}_verdict']}"
                    + (f" (x{growth:.2f})" if growth is not None else "")
                    + " |"
                )
            lines.append("")
    lines.append(
        f"'flat': the median grew by less than x{FLAT_GROWTH} (or by less than the IQR) "
        "from the smallest to the largest table, as an index lookup does; 'grows': more, by "
        "more than the IQR; 'unclear': more, but the IQR is as large (the box was busy). "
        "Growth (xN) is divided by the drift of the kind that touches no store (0 queries), "
        "measured in the same rounds, so a box that slowed down does not read as growth."
    )
    return "\n".join(lines) + "\n"
