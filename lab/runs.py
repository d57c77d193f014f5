"""Run folders: ``reports/out/<run-id>/``, written atomically, with provenance.

A run writes everything it produces into its own folder. Files are written to a
temporary name and renamed, so an interrupted run never leaves a half-written
file; ``reports/out/latest`` (a symlink) moves only when a run is marked
complete, so it always names the newest *complete* run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import subprocess
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

from lab.env import BASE_DIR

OUT_DIR = Path(os.environ.get("AUTHLAB_OUT_DIR", BASE_DIR / "reports" / "out"))
LATEST = "latest"
COMPLETE_MARKER = "COMPLETE"
#: Version of the summary.json layout; the report builder refuses others.
SCHEMA_VERSION = 1
#: Per-scheme numeric figures measured in-process (reports/SCHEMA.md).
IN_PROCESS_NUMBERS = (
    "request_us",
    "request_iqr_us",
    "request_post_us",
    "request_post_iqr_us",
    "ratio_to_none",
    "authenticate_us",
    "authenticate_iqr_us",
    "queries",
    "queries_post",
    "credential_bytes",
    "credential_bytes_post",
    "response_extra_bytes",
    "login_us",
    "login_iqr_us",
    "login_writes",
    "login_response_bytes",
)
#: Per-scheme descriptive (non-numeric) in-process fields.
IN_PROCESS_TEXT = ("crypto", "response_extra_headers")
#: Per-scheme figures of the load phase (reports/SCHEMA.md); null when it did not run.
LOAD_FIELDS = (
    "load_rps",
    "load_failures",
    "load_p50_us",
    "load_p95_us",
    "load_p99_us",
    "load_max_us",
    "load_bytes_per_request",
    "load_server_cpu_us_per_request",
)
#: The ``dimensions`` lists of summary.json, in report order (each may be empty).
DIMENSIONS = (
    "hashers",
    "jwt_algorithms",
    "jwt_claims",
    "session_engines",
    "knox_tokens",
    "conn_max_age",
    "middleware",
    "backends",
    "enumeration",
    "scale",
)
PACKAGES = (
    "Django",
    "djangorestframework",
    "djangorestframework-simplejwt",
    "django-rest-knox",
    "dj-rest-auth",
    "django-allauth",
    "djangorestframework-api-key",
    "django-oauth-toolkit",
    "oauthlib",
    "joserfc",
    "gunicorn",
    "locust",
    "pytest-benchmark",
    "PyJWT",
    "cryptography",
    "argon2-cffi",
    "bcrypt",
    "psycopg",
    "redis",
)


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


def mark_complete(run_dir: Path) -> None:
    """Mark ``run_dir`` complete and point ``latest`` at it (atomic symlink swap)."""
    atomic_write_text(run_dir / COMPLETE_MARKER, dt.datetime.now(dt.UTC).isoformat() + "\n")
    link = run_dir.parent / LATEST
    tmp = run_dir.parent / f".{LATEST}.{os.getpid()}.tmp"
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(run_dir.name)
    os.replace(tmp, link)


def latest_run(out_dir: Path | None = None) -> Path | None:
    """The newest complete run folder, or ``None``."""
    link = (out_dir or OUT_DIR) / LATEST
    return link.resolve() if link.exists() else None


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], cwd=BASE_DIR, capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


#: Attributes that state a password hasher's cost (whichever the hasher has).
HASHER_PARAMS = (
    "iterations",
    "time_cost",
    "memory_cost",
    "parallelism",
    "rounds",
    "work_factor",
    "block_size",
    "maxmem",
)


def hasher_params(hasher: Any) -> dict[str, Any]:
    """The cost parameters of a password hasher instance."""
    return {name: getattr(hasher, name) for name in HASHER_PARAMS if hasattr(hasher, name)}


def hasher_info() -> dict[str, Any]:
    """The password hasher new passwords use, with its cost parameters."""
    from django.contrib.auth.hashers import get_hasher

    hasher = get_hasher("default")
    return {
        "algorithm": hasher.algorithm,
        "class": type(hasher).__qualname__,
        **hasher_params(hasher),
    }


def provenance(**extra: Any) -> dict[str, Any]:
    """Where and how a result was measured: code, versions, settings, machine, date.

    Needs Django configured. ``extra`` adds run-specific facts (profile, rounds...).
    """
    from django.conf import settings
    from django.db import connection

    db = settings.DATABASES["default"]
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": _git("rev-parse", "HEAD") or None,
        # Untracked, non-ignored files count: new code that ran but is not committed.
        "dirty": bool(_git("status", "--porcelain")),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "packages": {p: _version(p) for p in PACKAGES},
        "settings_module": os.environ.get("DJANGO_SETTINGS_MODULE"),
        "hasher": hasher_info(),
        "session_engine": settings.SESSION_ENGINE,
        "database": {
            "vendor": connection.vendor,
            "engine": db["ENGINE"],
            "conn_max_age": db.get("CONN_MAX_AGE", 0),
            "options": {k: v for k, v in db.get("OPTIONS", {}).items() if k != "password"},
        },
        "cache": settings.CACHES["default"]["BACKEND"],
        "jwt_algorithm": settings.SIMPLE_JWT["ALGORITHM"],
        "debug": settings.DEBUG,
        "machine": {
            "cpu": _cpu_model(),
            "cores": os.cpu_count(),
            "system": platform.system(),
            "release": platform.release(),
            "arch": platform.machine(),
        },
        **extra,
    }
