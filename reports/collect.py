"""Collect and validate one run folder (``results/SCHEMA.md``) into a :class:`Run`.

This is the only module that reads a run folder. It refuses what it cannot trust
(missing file, wrong ``schema_version``, truncated JSON, an unfinished run) with a
:class:`ReportInputError` that names the file, and turns every optional figure the
producer left out into ``None`` ("not measured"), never a guess.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reports.servers import server_rows
from results.runs import COMPLETE_MARKER
from results.schema import (
    ATTRIBUTION_FIELDS,
    BASELINE,
    DIMENSIONS,
    IN_PROCESS_INTERVALS,
    IN_PROCESS_NUMBERS,
    INSTRUCTION_PART_FIELDS,
    LOAD_FIELDS,
    READABLE_VERSIONS,
    SCALE_FIELDS,
    SERVERS_DIMENSION,
)

SUMMARY = "summary.json"

#: Numeric per-scheme figures (results.schema); absent ones become ``None``.
SCHEME_NUMBERS = (*IN_PROCESS_NUMBERS, *ATTRIBUTION_FIELDS, *INSTRUCTION_PART_FIELDS, *LOAD_FIELDS)
#: Per-scheme 95% intervals, ``[low, high]`` or ``None`` (none before schema 3).
SCHEME_INTERVALS = IN_PROCESS_INTERVALS


def is_baseline(name: str) -> bool:
    """Whether the scheme called ``name`` is the ``none`` baseline."""
    return name == BASELINE


class ReportInputError(Exception):
    """A run folder the report cannot be built from; the message names the file."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class Run:
    """One validated run: the summary's sections, with schemes keyed by name."""

    run_dir: Path
    run_id: str
    quick: bool
    provenance: dict[str, Any]
    noise: dict[str, Any]
    verification: dict[str, Any]
    floor: dict[str, Any]
    schemes: list[dict[str, Any]]
    dimensions: dict[str, list[dict[str, Any]]]
    load: dict[str, Any]
    #: ``make scale``'s meta (stores, seeding, sample size); every key, ``None`` when absent.
    scale: dict[str, Any] = field(default_factory=dict)
    raw: dict[str, Any] = field(repr=False, default_factory=dict)

    @property
    def by_name(self) -> dict[str, dict[str, Any]]:
        """Scheme entries keyed by scheme name."""
        return {s["scheme"]: s for s in self.schemes}

    @property
    def baseline(self) -> dict[str, Any]:
        """The ``none`` entry every figure is compared with (all ``None`` when absent)."""
        return self.by_name.get(BASELINE) or {
            "scheme": BASELINE, "title": BASELINE, "properties": {},
            **dict.fromkeys(SCHEME_NUMBERS),
        }  # fmt: skip

    @property
    def has_baseline(self) -> bool:
        """Whether the run measured the baseline (without it no ratio can be computed)."""
        return any(is_baseline(s["scheme"]) for s in self.schemes)

    @property
    def in_process(self) -> bool:
        """Whether the run measured requests in process (``make bench``), not only load/scale."""
        return any(s["request_us"] is not None for s in self.schemes)

    @property
    def load_ran(self) -> bool:
        """Whether the run had a load phase with figures in it."""
        return bool(self.load.get("ran")) and any(
            s.get("load_rps") is not None for s in self.schemes
        )


def load_run(run_dir: Path | str, *, require_complete: bool = True) -> Run:
    """Read and validate ``run_dir``; raise :class:`ReportInputError` on bad input."""
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise ReportInputError(run_dir, "no such run folder")
    if require_complete and not (run_dir / COMPLETE_MARKER).is_file():
        raise ReportInputError(
            run_dir / COMPLETE_MARKER,
            "missing: the run did not finish (no COMPLETE marker), so its figures are not trusted",
        )
    path = run_dir / SUMMARY
    return _validate(run_dir.resolve(), path, _read_json(path))


def _read_json(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ReportInputError(path, "missing: the run folder has no summary") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ReportInputError(path, f"unreadable: {exc}") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ReportInputError(
            path, f"not valid JSON (truncated?) at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def _validate(run_dir: Path, path: Path, data: Any) -> Run:
    if not isinstance(data, dict):
        raise ReportInputError(path, "top level is not a JSON object")
    version = data.get("schema_version")
    if version not in READABLE_VERSIONS:
        readable = " or ".join(map(str, READABLE_VERSIONS))
        raise ReportInputError(
            path, f"schema_version is {version!r}; this report builder reads {readable}"
        )
    schemes = data.get("schemes")
    if not isinstance(schemes, list):
        raise ReportInputError(path, "'schemes' is missing or not a list")
    entries = [_scheme(path, i, entry) for i, entry in enumerate(schemes)]
    names = [e["scheme"] for e in entries]
    if len(set(names)) != len(names):
        raise ReportInputError(path, f"a scheme appears twice in 'schemes': {names}")
    dimensions = _dimensions(path, data)
    measured = any(e[k] is not None for e in entries for k in SCHEME_NUMBERS)
    if not measured and not any(dimensions.values()):
        raise ReportInputError(path, "nothing was measured: every figure is null")
    return Run(
        run_dir=run_dir,
        run_id=str(data.get("run_id") or run_dir.name),
        quick=bool(data.get("quick")),
        provenance=_section(path, data, "provenance"),
        noise=_section(path, data, "noise"),
        verification=_section(path, data, "verification"),
        floor=_section(path, data, "floor"),
        schemes=entries,
        dimensions=dimensions,
        load=_section(path, data, "load"),
        scale={**dict.fromkeys(SCALE_FIELDS), **_section(path, data, "scale")},
        raw=data,
    )


def _section(path: Path, data: dict, name: str) -> dict[str, Any]:
    value = data.get(name)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ReportInputError(path, f"'{name}' is not a JSON object")
    return value


def _scheme(path: Path, index: int, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("scheme"), str):
        raise ReportInputError(path, f"schemes[{index}] has no 'scheme' name")
    name = entry["scheme"]
    out = {**entry, "title": entry.get("title") or name}
    out["properties"] = entry.get("properties") if isinstance(entry.get("properties"), dict) else {}
    for key in SCHEME_NUMBERS:
        out[key] = _number(path, f"schemes[{name}].{key}", entry.get(key))
    for key in SCHEME_INTERVALS:
        out[key] = _interval(path, f"schemes[{name}].{key}", entry.get(key))
    return out


def _interval(path: Path, where: str, value: Any) -> list[float] | None:
    if value is None:
        return None
    if not isinstance(value, list) or len(value) != 2:
        raise ReportInputError(path, f"{where} is {value!r}, not [low, high] or null")
    low, high = (_number(path, where, v) for v in value)
    if low is None or high is None or low > high:
        raise ReportInputError(path, f"{where} is {value!r}, not [low, high] or null")
    return [low, high]


def _number(path: Path, where: str, value: Any) -> float | int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ReportInputError(path, f"{where} is {value!r}, not a number or null")
    return value


def _dimensions(path: Path, data: dict) -> dict[str, list[dict[str, Any]]]:
    raw = _section(path, data, "dimensions")
    out: dict[str, list[dict[str, Any]]] = {}
    for name in [*DIMENSIONS, *(k for k in raw if k not in DIMENSIONS)]:
        rows = raw.get(name) or []
        if name == SERVERS_DIMENSION and isinstance(rows, dict):
            rows = server_rows(rows)  # server -> scheme -> figures, as one row each
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ReportInputError(path, f"dimensions.{name} is not a list of objects")
        out[name] = rows
    return out
