"""Run folders: ``reports/out/<run-id>/``, written atomically, with provenance.

A run writes everything it produces into its own folder. Files are written to a
temporary name and renamed, so an interrupted run never leaves a half-written
file; ``reports/out/latest`` (a symlink) moves only when a run is marked
complete, so it always names the newest *complete* run.

``latest`` names the newest complete *bench* run (``make bench``: the in-process
figures the README sends readers to). A load-only run (``make load``) and a
scale-only run (``make scale``) keep their own pointers, ``latest-load`` and
``latest-scale``, so neither can leave ``latest`` on a page of "not measured".
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path
from typing import Any

#: The checkout: results/ sits at its top.
BASE_DIR = Path(__file__).resolve().parent.parent
#: Where run folders go (``AUTHLAB_OUT_DIR`` overrides, e.g. for tests and make matrix).
OUT_DIR = Path(os.environ.get("AUTHLAB_OUT_DIR") or BASE_DIR / "reports" / "out")
LATEST = "latest"
COMPLETE_MARKER = "COMPLETE"
#: The kinds of run and the pointer each moves when it completes.
POINTERS = {"bench": LATEST, "load": "latest-load", "scale": "latest-scale"}


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_UMASK = _current_umask()


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` via a temporary file in the same folder + rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp makes 0600; results are for sharing
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) atomically."""
    atomic_write_bytes(path, text.encode())


def atomic_write_json(path: Path, obj: Any) -> None:
    """Write ``obj`` as indented JSON atomically."""
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=False, default=str) + "\n")


def new_run_dir(label: str = "", out_dir: Path | None = None) -> Path:
    """Create and return a fresh run folder named by UTC time (and ``label``)."""
    out = out_dir or OUT_DIR
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    name = f"{stamp}-{label}" if label else stamp
    for n in range(100):
        run = out / (name if n == 0 else f"{name}.{n}")
        try:
            run.mkdir(parents=True)
            return run
        except FileExistsError:
            continue
    raise RuntimeError(f"could not create a run folder under {out}")


def is_complete(run_dir: Path) -> bool:
    """Whether ``run_dir`` was marked complete by :func:`mark_complete`."""
    return (run_dir / COMPLETE_MARKER).is_file()


def mark_complete(run_dir: Path, kind: str = "bench") -> None:
    """Mark ``run_dir`` complete and point the pointer of its ``kind`` (:data:`POINTERS`)
    at it (atomic symlink swap)."""
    pointer = POINTERS[kind]  # an unknown kind fails before the marker is written
    atomic_write_text(run_dir / COMPLETE_MARKER, dt.datetime.now(dt.UTC).isoformat() + "\n")
    link = run_dir.parent / pointer
    tmp = run_dir.parent / f".{pointer}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(run_dir.name)
    os.replace(tmp, link)


def latest_run(out_dir: Path | None = None, kind: str = "bench") -> Path | None:
    """The newest complete run folder of ``kind``, or ``None``."""
    link = (out_dir or OUT_DIR) / POINTERS[kind]
    return link.resolve() if link.exists() else None
