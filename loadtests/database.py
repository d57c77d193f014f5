"""The HTTP phases' database: migrated and seeded once per process, copied for each phase.

``make bench`` runs the load phase and then the servers dimension, each against its own
fresh SQLite file. Migrating costs seconds of CPU (every app's migrations, in a Django
process of its own); copying a migrated file costs milliseconds. :func:`fresh_copy`
therefore migrates and seeds a *template* the first time a process asks for one (per
settings: the environment the server would see, its database path aside) and copies it
with SQLite's backup API after that: each phase still starts from a database no server
has touched, as it did when it migrated its own.
"""

from __future__ import annotations

import atexit
import contextlib
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from results.runs import BASE_DIR

#: Seeded accounts of both phases' template (the load phase's users each take one).
ACCOUNTS = 100
#: The path variable each phase points at its own copy (lab/env.py reads it).
PATH_ENV = "AUTHLAB_SQLITE_PATH"
#: Migrate and seed in one process: one Django start instead of two.
PREPARE = (
    "import sys, django; django.setup(); from django.core.management import call_command; "
    "call_command('migrate', interactive=False, verbosity=0); "
    "call_command('seed_users', count=int(sys.argv[1]), verbosity=0)"
)

_templates: dict[tuple, Path] = {}
_lock = threading.Lock()


def prepare_database(env: dict[str, str], accounts: int) -> None:
    """Migrate the database named by ``env`` and seed ``user1..user<accounts>``."""
    subprocess.run(
        [sys.executable, "-c", PREPARE, str(accounts)],
        cwd=BASE_DIR,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def template_key(env: dict[str, str], accounts: int) -> tuple:
    """What a template depends on: every variable the server sees but its own path."""
    return (accounts, tuple(sorted((k, v) for k, v in env.items() if k != PATH_ENV)))


def template(env: dict[str, str], accounts: int) -> Path:
    """This process's migrated, seeded template for ``env`` (made on first use)."""
    key = template_key(env, accounts)
    with _lock:
        if key not in _templates or not _templates[key].exists():
            folder = Path(tempfile.mkdtemp(prefix="authlab-template-"))
            atexit.register(shutil.rmtree, folder, ignore_errors=True)
            path = folder / "template.sqlite3"
            prepare_database({**env, PATH_ENV: str(path)}, accounts)
            _templates[key] = path
        return _templates[key]


def uses_sqlite(env: dict[str, str]) -> bool:
    """Whether ``env`` points the lab at a SQLite file (lab/env.py's rule for ``DB``)."""
    return env.get("DB", "postgres" if env.get("DATABASE_URL") else "sqlite").lower() == "sqlite"


def fresh_copy(env: dict[str, str], accounts: int) -> None:
    """Give ``env``'s database the schema and ``accounts`` seeded users: a copy of the
    template for SQLite, a migration in place for anything else (PostgreSQL)."""
    if not uses_sqlite(env):
        prepare_database(env, accounts)
        return
    source, target = template(env, accounts), Path(env[PATH_ENV])
    # The backup API copies a consistent snapshot, WAL contents included.
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
