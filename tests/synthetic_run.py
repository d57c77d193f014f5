"""Small synthetic runs for the analysis tests, written the way a producer writes one
(summary.json, then the COMPLETE marker) and read back through the report's collector,
so every figure passes the same validation as a measured run's.

Each scheme's ``properties`` are its real declared ones, from the registry.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from reports.collect import Run, load_run
from results.runs import atomic_write_json, mark_complete
from results.schema import SCHEMA_VERSION
from schemes import registry

#: Plausible figures per built-in scheme (µs, counts, bytes); tests change what they test.
FIGURES: dict[str, dict[str, Any]] = {
    "none": {"request_us": 100.0, "queries": 0, "credential_bytes": 0, "load_rps": 1000.0},
    "basic": {
        "request_us": 20000.0,
        "queries": 1,
        "credential_bytes": 40,
        "crypto": "password hash verify: pbkdf2_sha256",
        "load_rps": 40.0,
    },
    "session": {
        "request_us": 160.0,
        "queries": 2,
        "credential_bytes": 120,
        "credential_bytes_post": 170,
        "authenticate_us": 40.0,
        "load_rps": 700.0,
    },
    "token": {
        "request_us": 140.0,
        "queries": 1,
        "credential_bytes": 63,
        "login_repeat_same_credential": True,
        "load_rps": 750.0,
    },
    "jwt": {"request_us": 180.0, "queries": 1, "credential_bytes": 300, "load_rps": 650.0},
    "jwt-stateless": {
        "request_us": 150.0,
        "queries": 0,
        "credential_bytes": 300,
        "load_rps": 800.0,
    },
    "knox": {
        "request_us": 170.0,
        "queries": 2,
        "credential_bytes": 88,
        "login_repeat_same_credential": False,
        "load_rps": 680.0,
    },
}


def entry(name: str, **changes: Any) -> dict[str, Any]:
    """One scheme's summary entry: what it says of itself (``Scheme.identity()``: title,
    family, ``variant_of``, ``revocation_delay_s``, properties), :data:`FIGURES` (none
    for a scheme not in it), ``changes``."""
    return {
        **registry.get(name).identity(),
        **copy.deepcopy(FIGURES.get(name, {})),
        **changes,
    }


def summary(schemes: list[dict[str, Any]], **sections: Any) -> dict[str, Any]:
    """A summary.json body holding ``schemes`` and any other ``sections``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": "synthetic",
        "quick": True,
        "provenance": {},
        "noise": {},
        "verification": {s["scheme"]: {"ok": True} for s in schemes},
        "load": {"ran": any(s.get("load_rps") for s in schemes)},
        "dimensions": {},
        "schemes": schemes,
        **sections,
    }


def write_run(run_dir: Path, data: dict[str, Any]) -> Run:
    """Write ``data`` as a complete run folder and load it back through the collector."""
    run_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_json(run_dir / "summary.json", data)
    mark_complete(run_dir)
    return load_run(run_dir)


def all_builtin(changes: dict[str, dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """An entry for every scheme of :data:`FIGURES`, with ``changes`` per scheme name."""
    return [entry(name, **(changes or {}).get(name, {})) for name in FIGURES]


def with_properties(item: dict[str, Any], **properties: Any) -> dict[str, Any]:
    """``item`` with some of its declared properties changed (what a scheme might declare)."""
    return {**item, "properties": {**item["properties"], **properties}}
