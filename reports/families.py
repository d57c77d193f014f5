"""Schemes grouped by family (``schemes[].family``, :data:`results.schema.FAMILIES`): the
order every wide table and bar chart of the report shows them in.

Families come in :data:`~results.schema.FAMILIES` order, schemes within a family in
registry order (the file's), so the order is stable from run to run. A family the lab
does not know (a user's own scheme) follows the known ones; a run written before
families were recorded puts every scheme under "family not recorded".
"""

from __future__ import annotations

from typing import Any

from results.schema import FAMILIES

#: The group of a scheme whose entry has no ``family`` (runs before it was recorded).
UNRECORDED = "family not recorded"


def label(family: str | None) -> str:
    """The family's label for readers (its key when the lab does not know it)."""
    if family is None:
        return UNRECORDED
    return FAMILIES.get(family, family)


def grouped(schemes: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """``schemes`` as ``[(family label, its schemes), ...]`` in the report's order."""
    keys = list(FAMILIES)
    found = list(dict.fromkeys(s.get("family") for s in schemes))
    order = sorted(found, key=lambda f: (f is None, keys.index(f) if f in keys else len(keys)))
    return [(label(f), [s for s in schemes if s.get("family") == f]) for f in order]


def ordered(schemes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``schemes`` in the report's order (by family, then registry order)."""
    return [s for _, members in grouped(schemes) for s in members]


def section_starts(schemes: list[dict[str, Any]]) -> list[str | None]:
    """Per scheme of ``ordered(schemes)``: its family's label when it is the first of its
    family, else ``None`` (where a table draws a family header row)."""
    return [
        name if i == 0 else None for name, members in grouped(schemes) for i in range(len(members))
    ]
