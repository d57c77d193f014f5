"""The one builder of summary.json: the skeleton of :mod:`results.schema`, filled in.

``benchmarks``, ``loadtests`` and ``scale`` each compute their own figures and hand
them here, so every run's file has the same sections and keys whoever produced it.
"""

from __future__ import annotations

from typing import Any

from results.schema import (
    EVIDENCE_SECTIONS,
    INSTRUCTION_PART_FIELDS,
    LOAD_DETAIL,
    LOAD_FIELDS,
    SCALE_FIELDS,
    SCHEME_FIELDS,
    SERVER_LIMIT_FIELDS,
    SERVER_SCHEME_FIELDS,
    SERVERS_DIMENSION,
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
        summary["dimensions"][name] = dict(rows) if name == SERVERS_DIMENSION else list(rows)
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


def add_servers(summary: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    """Add the servers dimension (``benchmarks.servers.run_servers``): its figures go to
    ``dimensions.servers``, how it ran to ``provenance.servers``."""
    servers = result.get("servers", {})
    for name, entry in servers.items():
        for scheme, row in entry.get("schemes", {}).items():
            _known(SERVER_SCHEME_FIELDS, row, f"dimensions.servers.{name}.{scheme}")
        _known(SERVER_LIMIT_FIELDS, entry.get("header_limits", {}), f"servers.{name} limits")
    summary["dimensions"][SERVERS_DIMENSION] = servers
    summary["provenance"]["servers"] = {
        **result.get("meta", {}),
        "versions": {name: entry.get("server", {}) for name, entry in servers.items()},
    }
    return summary


#: The per-scheme fields instructions.json gives, as summary.json names them.
INSTRUCTION_FIELDS = {
    "get_instructions": "request_instructions",
    "post_instructions": "post_instructions",
    "authenticate_instructions": "authenticate_instructions",
    "instructions_ratio_to_none": "instructions_ratio_to_none",
    **{field: field for field in INSTRUCTION_PART_FIELDS},
}


def add_instructions(summary: dict[str, Any], counted: dict[str, Any] | None) -> dict[str, Any]:
    """Merge ``instructions.json`` (benchmarks/instructions.py): each scheme's counts,
    and how they were made as ``provenance.instructions`` (or why they were not)."""
    if counted is None:
        summary["provenance"]["instructions"] = {"ran": False, "reason": "not run"}
        return summary
    by_name = {e["scheme"]: e for e in counted.get("schemes", [])}
    for entry in summary["schemes"]:
        got = by_name.get(entry["scheme"], {})
        entry.update({ours: got.get(theirs) for theirs, ours in INSTRUCTION_FIELDS.items()})
    scaling = counted.get("hasher_scaling") or {}
    summary["provenance"]["instructions"] = {
        "ran": bool(counted.get("ran")),
        "reason": counted.get("reason"),
        **(counted.get("provenance") or {}),
        "hasher_scaling": {k: v for k, v in scaling.items() if k != "paths"},
    }
    if isinstance(summary.get("attribution"), dict):
        summary["attribution"].update(
            basic_hasher_check_instructions=counted.get("basic_hasher_check"),
            instruction_parts_method=counted.get("instruction_parts_method"),
        )
    return summary


def _known(fields: tuple[str, ...], values: dict[str, Any], where: str) -> dict[str, Any]:
    unknown = sorted(set(values) - set(fields))
    if unknown:  # a field a producer writes must be in the schema (and SCHEMA.md)
        raise KeyError(f"{where}: not in results.schema: {', '.join(unknown)}")
    return values
