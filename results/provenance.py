"""Provenance: where and how a result was measured (code, versions, settings, machine).

:func:`provenance` reads Django's settings, so a producer calls it once Django is
set up; importing this module needs neither Django nor the lab's settings.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from results.runs import BASE_DIR

PACKAGES = (
    "Django",
    "djangorestframework",
    "djangorestframework-simplejwt",
    "django-rest-knox",
    "dj-rest-auth",
    "django-allauth",
    "gunicorn",
    "locust",
    "pytest-benchmark",
    "PyJWT",
    "cryptography",
    "argon2-cffi",
    "bcrypt",
    "psycopg",
    "redis",
    "oauthlib",
)


def packages() -> tuple[str, ...]:
    """Every package whose version a run records: :data:`PACKAGES` (the measured
    libraries and what they lean on) plus each runtime dependency authlab declares in
    pyproject.toml, so a package added there is recorded without another edit."""
    try:
        declared = metadata.requires("authlab") or []
    except metadata.PackageNotFoundError:
        declared = []
    names = [re.split(r"[\s<>=!~\[;]", r, maxsplit=1)[0] for r in declared if "extra ==" not in r]
    return tuple(dict.fromkeys([*PACKAGES, *names]))


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
        "packages": {p: _version(p) for p in packages()},
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
