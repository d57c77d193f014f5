"""The one builder of summary.json: the skeleton of :mod:`results.schema`, filled in.

``benchmarks``, ``loadtests`` and ``scale`` each compute their own figures and hand
them here, so every run's file has the same sections and keys whoever produced it.
"""

from __future__ import annotations

from typing import Any

from results.schema import (
    EVIDENCE_SECTIONS,
    LOAD_DETAIL,
    LOAD_FIELDS,
    SCALE_FIELDS,
    SCHEME_FIELDS,
    empty_summary,
)


def build(
    run_id: str,
    *,
    quick: bool,
    provenance: dict[str, Any],
    schemes: list[dict[str, Any]],
    figures: dict[str, dict[str, Any]] | None = None,
    noise: dict[str, Any] | None = None,
    verification: dict[str, Any] | None = None,
    floor: dict[str, Any] | None = None,
    dimensions: dict[str, list] | None = None,
    load: dict[str, Any] | None = None,
    scale: dict[str, Any] | None = None,
    evidence: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A whole summary.json; sections not given stay empty (``null`` figures).

    ``schemes``: ``{"scheme", "title", "properties"}`` per scheme, in registry order;
    ``figures``: scheme -> its measured fields (each must be a schema field);
    ``load``: what :func:`add_load` takes; ``evidence``: section -> its figures.
    """
    summary = empty_summary(run_id, quick=quick, provenance=provenance, schemes=schemes)
    for entry in summary["schemes"]:
        entry.update(_known(SCHEME_FIELDS, (figures or {}).get(entry["scheme"], {}), "schemes"))
    summary["noise"].update(noise or {})
    summary["verification"].update(verification or {})
    summary["floor"].update(floor or {})
    for name, rows in (dimensions or {}).items():
        summary["dimensions"][name] = list(rows)
    summary["scale"].update(_known(SCALE_FIELDS, scale or {}, "scale"))
    summary["evidence"].update(_known(EVIDENCE_SECTIONS, evidence or {}, "evidence"))
    if load is not None:
        add_load(summary, load)
    return summary


def add_load(summary: dict[str, Any], load: dict[str, Any]) -> dict[str, Any]:
    """Add a load phase's figures: ``{"meta": {...}, "schemes": {name: {load_*}},
    "verification": {...}}`` becomes ``load`` and each scheme's ``load_*`` fields (only
    those: a load phase never overwrites an in-process figure)."""
    figures = load.get("schemes", {})
    fields = {*LOAD_FIELDS, *LOAD_DETAIL}
    for entry in summary["schemes"]:
        got = figures.get(entry["scheme"], {})
        entry.update({k: v for k, v in got.items() if k in fields})
    summary["load"] = {"ran": True, **load.get("meta", {})}
    if "verification" in load:
        summary["load"]["verification"] = load["verification"]
    return summary


def _known(fields: tuple[str, ...], values: dict[str, Any], where: str) -> dict[str, Any]:
    unknown = sorted(set(values) - set(fields))
    if unknown:  # a field a producer writes must be in the schema (and SCHEMA.md)
        raise KeyError(f"{where}: not in results.schema: {', '.join(unknown)}")
    return values
