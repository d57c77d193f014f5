"""Orchestration of ``make scale``: one child process per store, then the run folder.

``python -m scale [--max N] [--stores sqlite,postgres]``: each store runs in its own
child process on a fresh database (a temporary SQLite file; a throwaway PostgreSQL
cluster from :mod:`infra.services`): migrate, then per size seed
(:mod:`scale.seed`) and measure (:mod:`scale.measure`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scale.measure import ROUNDS, SAMPLE_USERS

SIZES = (10**3, 10**4, 10**5, 10**6)
STORES = ("sqlite", "postgres")
#: Why the children use MD5 (see :func:`_child_env`), said under the tables.
HASHER_NOTE = (
    "MD5 password hasher so Basic's lookup is not buried under PBKDF2 "
    "(hash cost is the hashers dimension)."
)


def scheme_figures(store_result: dict) -> dict[str, dict[str, Any]]:
    """Per scheme, from one store at its largest size: the full GET request and the
    lookup, ``request.user`` (named ``request_user_us``: it is not ``authenticate_us``,
    which the benchmarks time on a bare DRF request)."""
    from schemes import registry

    size = max(p["rows"] for p in store_result["points"])
    at = {p["kind"]: p for p in store_result["points"] if p["rows"] == size}
    none_us = at[registry.baseline().name]["request_us"]
    figures = {}
    for scheme in registry.all_schemes():
        p = at.get(scheme.name, {})
        request_us = p.get("request_us")
        figures[scheme.name] = {
            "request_us": request_us,
            "request_iqr_us": p.get("request_iqr_us"),
            "ratio_to_none": round(request_us / none_us, 3) if request_us else None,
            "request_user_us": p.get("lookup_us"),
            "request_user_iqr_us": p.get("lookup_iqr_us"),
            "queries": p.get("queries"),
        }
    return figures


def summary(run_id: str, stores: list[dict], quick: bool) -> dict[str, Any]:
    """The run's summary.json: ``dimensions.scale``, ``scale``, and ``schemes`` from the
    first store at its largest size (full requests, so the report has its baseline)."""
    from reports.scale import verdicts
    from results.summary import build
    from schemes import registry

    points = [p for s in stores for p in s["points"]]
    first = stores[0]
    provenance = dict(first["provenance"])
    provenance["stores"] = {
        s["store"]: {"server": s["server"], **s["provenance"]["database"]} for s in stores
    }
    largest = max(p["rows"] for p in first["points"])
    return build(
        run_id,
        quick=quick,
        provenance=provenance,
        schemes=[s.identity() for s in registry.all_schemes()],
        figures=scheme_figures(first),
        verification=first["verification"],
        dimensions={"scale": points},
        scale={
            "schemes_measured_on": {"store": first["store"], "rows": largest},
            "verdicts": verdicts(points),
            "stores": {
                s["store"]: {
                    "server": s["server"],
                    "seeding": s["seeding"],
                    "final_counts": s["final_counts"],
                    "verification": s["verification"],
                }
                for s in stores
            },
            "sample_users": SAMPLE_USERS,
        },
    )


def _child_env(store: str, folder: Path, database_url: str = "") -> dict[str, str]:
    child = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    child.update(
        {
            "DJANGO_SETTINGS_MODULE": "lab.settings.bench",
            # The password hash is constant per request and measured elsewhere (hashers);
            # MD5 keeps it from drowning the lookup that this curve is about.
            "AUTHLAB_PASSWORD_HASHER": "md5",
            "AUTHLAB_SQLITE_PATH": str(folder / "scale.sqlite3"),
            "AUTHLAB_SESSION_ENGINE": "db",
            "DB": store,
            "CACHE": "locmem",
        }
    )
    if database_url:
        child["DATABASE_URL"] = database_url
    return child


def run_child(store: str, sizes: list[int], rounds: int) -> dict[str, Any]:
    """Measure one store in a fresh child process (Django is configured once per process)."""
    from infra import procs, services

    with tempfile.TemporaryDirectory(prefix="authlab-scale-") as tmp:
        folder, out = Path(tmp), Path(tmp) / "result.json"
        with services.postgres() if store == "postgres" else _nothing() as server:
            cmd = [
                sys.executable,
                "-m",
                "scale",
                "--child",
                store,
                "--out",
                str(out),
                "--sizes",
                ",".join(map(str, sizes)),
                "--rounds",
                str(rounds),
            ]
            proc = procs.spawn(cmd, env=_child_env(store, folder, server.url if server else ""))
            try:
                code = proc.wait()
            finally:
                procs.stop(proc)
            if code:
                raise RuntimeError(f"scale child for {store} exited with {code}")
            result = json.loads(out.read_text())
            if server:
                result["service"] = server.describe()
            return result


class _nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def main(argv: list[str] | None = None) -> int:
    """CLI: orchestrate every store (default) or measure one (``--child``)."""
    parser = argparse.ArgumentParser(prog="python -m scale", description=__doc__)
    parser.add_argument("--max", type=int, default=SIZES[-1], help="largest size (SCALE_MAX)")
    parser.add_argument("--stores", default=",".join(STORES))
    parser.add_argument("--rounds", type=int, default=ROUNDS)
    parser.add_argument("--sizes", help="explicit sizes, comma-separated (overrides --max)")
    parser.add_argument("--child", metavar="STORE", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else [s for s in SIZES if s <= args.max] or [args.max]
    )
    if args.child:
        import django

        django.setup()
        from results.runs import atomic_write_json
        from scale.measure import run_store

        atomic_write_json(
            args.out, run_store(args.child, sizes, args.rounds, log=lambda m: print(m, flush=True))
        )
        return 0
    return orchestrate(sizes, [s.strip() for s in args.stores.split(",") if s.strip()], args.rounds)


def orchestrate(sizes: list[int], stores: list[str], rounds: int) -> int:
    """Measure each store in turn, then write the run folder and (if present) the report."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lab.settings.bench")
    import django

    django.setup()
    from infra import services
    from reports.build import build_report
    from results import runs

    started = time.monotonic()
    run_dir = runs.new_run_dir(label="scale")
    print(f"scale: sizes {', '.join(f'{s:,}' for s in sizes)} on {', '.join(stores)} -> {run_dir}")
    results, skipped = [], []
    for store in stores:
        try:
            results.append(run_child(store, sizes, rounds))
        except services.ServiceUnavailable as exc:
            print(f"scale: skipping {store}: {exc}")
            skipped.append({"store": store, "reason": str(exc)})
    if not results:
        return 2
    data = summary(run_dir.name, results, quick=sizes[-1] < SIZES[-1])
    data["scale"]["skipped"] = skipped
    data["scale"]["wall_s"] = round(time.monotonic() - started, 1)
    data["scale"]["services"] = {r["store"]: r["service"] for r in results if "service" in r}
    runs.atomic_write_json(run_dir / "summary.json", data)
    runs.atomic_write_text(run_dir / "scale.md", scale_markdown(data))
    build_report(run_dir, require_complete=False)  # marked complete right after
    runs.mark_complete(run_dir, kind="scale")  # latest-scale: latest stays on a bench run
    print((run_dir / "scale.md").read_text())
    print(f"scale: done in {time.monotonic() - started:.0f} s -> {run_dir}")
    return 0


def scale_markdown(data: dict[str, Any]) -> str:
    """scale.md: the report's scale section (:func:`reports.scale.markdown`) on its own."""
    from reports.scale import markdown

    meta = {
        "servers": {store: s["server"] for store, s in data["scale"]["stores"].items()},
        "hasher_note": HASHER_NOTE,
        "sample_users": data["scale"]["sample_users"],
    }
    return markdown(data["dimensions"]["scale"], data["scale"]["verdicts"], meta)


if __name__ == "__main__":
    sys.exit(main())
