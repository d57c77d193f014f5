"""The load phase's logins, made ahead: every simulated user's credential before the phase.

    python -m loadtests.logins --out FILE --users N      # Django settings and database from the env

Logins are not the load figures (the suites measure a login's cost in-process), yet
with the real password hasher each costs a hash (~0.5-0.9 s), and the load phase
used to make 4 per scheme while it held both cores. :func:`make_ahead` makes them
while untimed work runs instead: in ONE child Django process on the load phase's own
copy of the database, accounts ``user1..userN`` log in on every scheme with a login
step, each through the scheme's own :meth:`~schemes.base.Scheme.obtain` over the
in-process WSGI transport, on an account of the flow hasher
(:func:`infra.inprocess.flow_credential`; a Django session, bound to the hash it was
made under, is then bound to the real one as a password change does).

The file holds live credentials: it stays in a temporary folder, never the run folder.
Each simulated user checks its own with one unmeasured GET before use and logs in
over HTTP when it is refused or absent (:mod:`loadtests.users`).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from results.runs import BASE_DIR, atomic_write_json


def make_ahead(
    env: dict[str, str], users: int, out: Path, schemes: list[str] | None = None
) -> dict[str, Any]:
    """Log ``user1..user<users>`` in on every scheme (or on ``schemes``) in a child
    process whose settings and database are ``env``'s; write the credentials to ``out``;
    return what it cost."""
    command = [sys.executable, "-m", "loadtests.logins", "--out", str(out), "--users", str(users)]
    command += ["--schemes", ",".join(schemes or [])]
    # Its stderr is Django's warnings about the refused checks (sessions): kept for errors.
    done = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"the ahead logins failed ({done.returncode}): {done.stderr[-600:]}")
    return read(out)["made"]


def read(path: Path) -> dict[str, Any]:
    """A logins file: ``{"credentials": {scheme: {username: Credential fields}}, "made":
    {...}}`` (what it cost: logins, those with the real hash, CPU seconds)."""
    return json.loads(Path(path).read_text())


def log_in_everyone(users: int, schemes: list[str] | None = None) -> dict[str, Any]:
    """Every scheme with a login step (of ``schemes``, when given), accounts
    1..``users``: the logins file's content."""
    from infra.inprocess import WSGIClient, flow_credential
    from lab.seed import seed_username
    from schemes import registry

    started, cpu0 = time.monotonic(), _cpu_s()
    client = WSGIClient()
    credentials: dict[str, dict[str, dict]] = {}
    real: dict[str, int] = {}
    for scheme in registry.all_schemes():
        if not scheme.has_login or (schemes and scheme.name not in schemes):
            continue  # nothing to obtain (none), or the password itself (basic)
        made = {}
        for number in range(1, users + 1):
            credential, with_real_hash = flow_credential(client, scheme, seed_username(number))
            made[seed_username(number)] = dataclasses.asdict(credential)
            real[scheme.name] = real.get(scheme.name, 0) + with_real_hash
        credentials[scheme.name] = made
    return {
        "credentials": credentials,
        "made": {
            "schemes": len(credentials),
            "logins": sum(len(m) for m in credentials.values()),
            "real_hash_logins": {name: n for name, n in real.items() if n},
            "cpu_s": round(_cpu_s() - cpu0, 2),
            "process_cpu_s": round(_cpu_s(), 2),  # Django's start included
            "wall_s": round(time.monotonic() - started, 2),
        },
    }


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    """Make the logins file (the Django settings and database come from the environment)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True, help="the logins file (JSON)")
    parser.add_argument("--users", type=int, required=True, help="accounts user1..userN")
    parser.add_argument("--schemes", default="", help="comma-separated (default: all)")
    args = parser.parse_args(argv)
    import django

    django.setup()
    schemes = [s.strip() for s in args.schemes.split(",") if s.strip()]
    atomic_write_json(args.out, log_in_everyone(args.users, schemes))
    return 0


if __name__ == "__main__":
    sys.exit(main())
