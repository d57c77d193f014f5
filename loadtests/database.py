"""The HTTP phases' database: migrated and seeded once per process, copied for each phase.

``make bench`` runs the load phase and then the servers dimension, each against its own
fresh SQLite file. Migrating costs seconds of CPU (every app's migrations, in a Django
process of its own); copying a migrated file costs milliseconds. :func:`fresh_copy`
therefore migrates and seeds a *template* the first time a process asks for one (per
settings: the lab's settings variables the server would see, its database path aside) and copies it
with SQLite's backup API after that.

Logins are not figures either, but with the real password hasher each costs a hash
(~0.5-0.9 s). The load phase's are made ahead, while untimed work runs, on its own copy
(:func:`prepare_ahead`, :mod:`loadtests.logins`), which the phase then takes with them
(:func:`take_ahead`). It hands its database and account 1's credentials over in turn
(:func:`hand_over`); the servers phase takes them (:func:`take_over`) instead of
logging in again. Every phase checks a credential it is given before use (one a server
refuses is made again there).
"""

from __future__ import annotations

import atexit
import contextlib
import json
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


#: What lab/env.py reads besides the ``AUTHLAB_*`` variables, and the settings module.
SETTINGS_VARIABLES = ("DJANGO_SETTINGS_MODULE", "DB", "DATABASE_URL", "CACHE", "REDIS_URL")


def template_key(env: dict[str, str], accounts: int) -> tuple:
    """What a template depends on: the lab's settings variables but its own path (the
    rest of the environment, e.g. pytest's PYTEST_CURRENT_TEST, changes nothing)."""
    settings = {
        k: v
        for k, v in env.items()
        if (k.startswith("AUTHLAB_") or k in SETTINGS_VARIABLES) and k != PATH_ENV
    }
    return (accounts, tuple(sorted(settings.items())))


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
    copy_sqlite(template(env, accounts), Path(env[PATH_ENV]))


# --- the load phase's database and logins, made ahead -------------------------------------
_ahead: dict[tuple, tuple[Path, Path]] = {}


def prepare_ahead(
    env: dict[str, str], accounts: int, users: int, schemes: list[str] | None = None
) -> dict:
    """Make the next load phase's database for ``env`` now: a copy of the template on
    which ``user1..user<users>`` are logged in on every scheme, or on ``schemes``
    (:mod:`loadtests.logins`); :func:`take_ahead` takes it. Returns what the logins
    cost. SQLite only."""
    from loadtests.logins import make_ahead

    folder = Path(tempfile.mkdtemp(prefix="authlab-ahead-"))  # live credentials: not the run
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path, logins = folder / "load.sqlite3", folder / "logins.json"
    copy_sqlite(template(env, accounts), path)
    made = make_ahead({**env, PATH_ENV: str(path)}, users, logins, schemes)
    with _lock:
        _ahead[template_key(env, accounts)] = (path, logins)
    return made


def take_ahead(env: dict[str, str], accounts: int) -> Path | None:
    """Put the database :func:`prepare_ahead` made at ``env``'s path and return its
    logins file; without one, :func:`fresh_copy` and ``None``. Taken once."""
    with _lock:
        ahead = _ahead.pop(template_key(env, accounts), None)
    if ahead is None or not uses_sqlite(env):
        fresh_copy(env, accounts)
        return None
    path, logins = ahead
    copy_sqlite(path, Path(env[PATH_ENV]))
    path.unlink()
    return logins


# --- the load phase's database and logins, handed over to the servers phase -------------
_handed: dict[tuple, tuple[Path, Path]] = {}


def hand_over(env: dict[str, str], accounts: int, logins: Path) -> None:
    """Keep ``env``'s database as it is now and the logins in ``logins`` (``{scheme: GET
    headers}`` of account 1, made on it) for the next phase with the same settings."""
    folder = Path(tempfile.mkdtemp(prefix="authlab-handover-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    kept = folder / "handover.sqlite3"
    copy_sqlite(Path(env[PATH_ENV]), kept)
    if logins.exists():
        shutil.copyfile(logins, folder / "logins.json")
    with _lock:
        _handed[template_key(env, accounts)] = (kept, folder / "logins.json")


def take_over(env: dict[str, str], accounts: int) -> dict[str, dict[str, str]]:
    """Put the database an earlier phase handed over at ``env``'s path and return its
    logins; without one (or not SQLite), a fresh copy and no logins. Taken once."""
    with _lock:
        handed = _handed.pop(template_key(env, accounts), None)
    if handed is None or not uses_sqlite(env):
        fresh_copy(env, accounts)
        return {}
    kept, logins = handed
    copy_sqlite(kept, Path(env[PATH_ENV]))
    return json.loads(logins.read_text()) if logins.exists() else {}


def copy_sqlite(source: Path, target: Path) -> None:
    """Copy the SQLite database ``source`` to ``target`` by SQLite's backup API: a
    consistent snapshot, WAL contents included, even while a server holds it open."""
    with (
        contextlib.closing(sqlite3.connect(source)) as src,
        contextlib.closing(sqlite3.connect(target)) as dst,
    ):
        src.backup(dst)
