"""What the claims' evidence producers (``make browser-claims``, ``make multiserver``)
share: the run folder they write into, checked before anything starts."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path


def run_folder(out: str, available: Callable[[], str | None], what: str) -> Path | None:
    """The run folder ``out``, or ``None`` after saying why nothing can be written there:
    no such folder, or ``available()`` names what is missing."""
    run_dir = Path(out)
    if not run_dir.is_dir():
        print(f"no run folder {run_dir}: run `make bench` first", file=sys.stderr)
        return None
    missing = available()
    if missing:
        print(f"{what} not measured: {missing}", file=sys.stderr)
        return None
    return run_dir
