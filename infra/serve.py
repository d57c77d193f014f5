"""``make serve``: migrate, seed, print every scheme's URL, run gunicorn until Ctrl-C.

Usage: ``python -m infra.serve [--host H] [--port P] [--seed N]``.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys

from infra import procs


def main(argv: list[str] | None = None) -> int:
    """Prepare the database, announce the URLs and serve in the foreground."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--seed", type=int, default=100, help="users to seed (default 100)")
    args = parser.parse_args(argv)

    if not procs.port_free(args.host, args.port):
        free = procs.free_port(args.host)
        print(f"port {args.port} is in use, try PORT={free}", file=sys.stderr)
        return 2
    procs.die_with_parent()  # make itself killed: take gunicorn down too
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab.settings.serve")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", interactive=False, verbosity=0)
    call_command("seed_users", count=args.seed)
    # The account emails name the site: make it this server, not Django's example.com.
    call_command("name_site", host=args.host, port=args.port, verbosity=0)

    from lab.seed import SEED_PASSWORD, seed_username
    from schemes import registry

    base = f"http://{args.host}:{args.port}"
    print(f"\nauthlab on {base}  (index: {base}/api/v1/schemes/)")
    for scheme in registry.all_schemes():
        print(f"  {scheme.name:<14} {base}{scheme.url('whoami')}")
    print(f"Try: user {seed_username(1)}, password {SEED_PASSWORD}, with curl:")
    for scheme in registry.all_schemes():
        print(f"  # {scheme.name}")
        for line in scheme.curl_hint(base, seed_username(1), SEED_PASSWORD):
            print(f"  {line}")
    print("Ctrl-C stops.\n", flush=True)

    proc = procs.spawn(procs.gunicorn_command(args.host, args.port))
    procs.forward_signals(proc)
    code = proc.wait()
    # Ctrl-C (or a SIGTERM passed on) is how serving ends: not an error for make.
    return 0 if code in (0, -signal.SIGINT, -signal.SIGTERM) else code


if __name__ == "__main__":
    sys.exit(main())
