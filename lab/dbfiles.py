"""The SQLite database holds live credentials (token keys, sessions, refresh tokens):
its file and the ``-wal``/``-shm`` files beside it are readable by the owner only,
like ``var/secrets.json``."""

from __future__ import annotations

import os
import stat
from pathlib import Path

#: Owner read/write only.
PRIVATE_MODE = 0o600


def private_sqlite_files(sender, connection, **kwargs) -> None:
    """On each new SQLite connection (``connection_created``), make the database file
    and its WAL and shared-memory files mode 0600.

    SQLite creates ``-wal`` and ``-shm`` with the mode of the database file, so once
    the database is 0600 every later journal file is too; the chmod here also covers
    files created before (by an older checkout, or on this first open).
    """
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if name == ":memory:" or name.startswith("file:"):
        return
    for path in (Path(name), Path(f"{name}-wal"), Path(f"{name}-shm")):
        try:
            if stat.S_IMODE(path.stat().st_mode) != PRIVATE_MODE:
                os.chmod(path, PRIVATE_MODE)
        except FileNotFoundError:
            continue
