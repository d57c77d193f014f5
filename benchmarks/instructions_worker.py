"""What runs under callgrind for :mod:`benchmarks.instructions`: counted regions.

Started by the driver as ``valgrind --tool=callgrind --instr-atstart=no python -m
benchmarks.instructions_worker --groups a,b;c,d ...``. Django starts once, then one
child is forked per group (its own database copy); in each, every path is verified and
warmed with instrumentation off; then instrumentation goes on once, and each counted
region is bracketed by CodSpeed's instrument hooks (``ZERO_STATS`` ...
``DUMP_STATS_AT(label)``), so callgrind writes one dump per region whose total is that
region's instructions (``callgrind.<child pid>.<n>``). What each label means goes to
``DIR/worker<i>/meta.json`` for the driver."""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import sys
import time
import traceback
from collections import defaultdict
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks import instruction_parts as parts
from benchmarks.instruction_calls import (
    Hooks,
    authenticate_once,
    count_calls,
    drf_request_maker,
    password_verifier_code,
    request_senders,
)

#: Calls of each path before it is counted, uninstrumented (cheap): imports, caches,
#: and the interpreter's specialisation of hot bytecode happen on the first calls, not
#: per request. Specialisation goes on for a few calls more (a failed attempt is retried
#: after a back-off), so at 2 the first counted calls still paid for it: 1 counted call
#: read 4 % above 5; at 10, 1.6 % (ratios to none within 0.7 %).
WARMUP_CALLS = 10
#: Calls of the hasher's verify() before it is counted, instrumented (at 4,000
#: iterations each costs): its Python code is short; 10 gave the same linearity.
HASHER_WARMUP_CALLS = 3
#: Calls of each path again right before its region, instrumented (each one costs): time
#: passed while the others were counted (a 60 s cache entry may have gone).
REWARM_CALLS = 1
#: A credential with an expiry is obtained again before its scheme is counted only once
#: this fraction of its life has passed since its login: schemes are logged in longest
#: life first and counted shortest first (jwt-short's 60 s token a second or so after
#: its login), so that happens only on a crowded machine (recorded in ``refreshed``).
#: A login again moves the next region's count (seen: +2-5 % on a GET at 5 calls), so
#: it is kept for when the credential would otherwise expire.
STALE_FRACTION = 0.5
LABEL_PREFIX = "authlab"


class Worker:
    """Counts one group of schemes in one callgrind process.

    Everything is verified and warmed first, uninstrumented; then instrumentation goes
    on once and each path is counted, then the hasher's cost per iteration.
    """

    def __init__(self, repetitions: int, hooks: Hooks):
        from benchmarks.harness import REQUEST_USER, WSGIClient

        self.repetitions, self.hooks = repetitions, hooks
        self.username = REQUEST_USER
        self.client = WSGIClient()  # one handler, middleware loaded once, as a server does
        self.regions: list[dict[str, Any]] = []
        self.verification: dict[str, dict[str, Any]] = {}
        #: (scheme name, kind, factory of the counted call), verified and warm.
        self.ready: list[tuple[str, str, Callable[[], Callable[[], Any]]]] = []
        #: CPU seconds of this process by stage (meta ``seconds``: where the time goes).
        self.spent: dict[str, float] = defaultdict(float)
        #: When each scheme's credential was obtained (time.monotonic()).
        self.logged_in: dict[str, float] = {}
        #: Schemes logged in again before they were counted (:meth:`stale`).
        self.refreshed: list[str] = []

    @contextmanager
    def timed(self, stage: str):
        """Add the CPU seconds of the block to ``stage``."""
        started = time.process_time()
        try:
            yield
        finally:
            self.spent[stage] += time.process_time() - started

    def region(self, scheme: str, kind: str, fn, repetitions: int, warm=0, **facts) -> None:
        """Count ``fn`` as one region (after ``warm`` calls) and note what its dump means."""
        label = f"{LABEL_PREFIX}:{len(self.regions)}:{scheme}:{kind}"
        self.hooks.count(label, fn, repetitions, warm)
        self.regions.append(
            {"label": label, "scheme": scheme, "kind": kind, "repetitions": repetitions, **facts}
        )

    def check(self, scheme, kind: str, result) -> bool:
        """The path answered as the scheme's user (anonymous for the baseline)."""
        from benchmarks.harness import expected_username

        if kind == "authenticate":
            return result is not None and result[0].get_username() == self.username
        want = expected_username(scheme, self.username)
        return result.status == 200 and result.json().get("username") == want

    def paths(self, scheme, credential) -> dict[str, Callable[[], Callable[[], Any]]]:
        """Per kind, a factory of the counted call (authenticate gets fresh requests)."""
        senders = request_senders(self.client, scheme, credential)
        paths: dict[str, Callable[[], Callable[[], Any]]] = {
            "get": lambda: senders["get"],
            "post": lambda: senders["post"],
        }
        classes = scheme.authentication_classes
        if classes:
            make = drf_request_maker(scheme.url("whoami"), credential.headers_for("GET"))

            def fresh_requests() -> Callable[[], Any]:
                # Built before counting: the request's own construction is not the lookup.
                calls = max(REWARM_CALLS + self.repetitions, WARMUP_CALLS)
                pending = [make() for _ in range(calls)]
                return lambda: authenticate_once(pending.pop(), classes)

            paths["authenticate"] = fresh_requests
        return paths

    def prepare(self, scheme) -> None:
        """Log in by ``scheme``'s own flow, then verify and warm each of its paths; a
        scheme that fails is recorded as such (``error``), never counted, and the
        worker goes on with the others."""
        try:
            # Here, not in the driver: a short-lived credential (jwt-short, 60 s) would
            # expire during the worker's start-up under valgrind on a busy machine.
            with self.timed("login"):
                credential = self.login(scheme)
                self.logged_in[scheme.name] = time.monotonic()
            with self.timed("warm_verify"):
                self.prepare_paths(scheme, credential)
        except Exception as exc:  # one scheme's failure is its own
            self.fail(scheme.name, exc)

    def login(self, scheme):
        """The request user's credential, by ``scheme``'s own flow, through the handler."""
        from benchmarks.harness import WSGITransport
        from lab.seed import SEED_PASSWORD

        return scheme.obtain(WSGITransport(self.client), self.username, SEED_PASSWORD)

    def fail(self, name: str, exc: Exception) -> None:
        """Record why ``name`` cannot be counted and drop its paths."""
        self.ready = [r for r in self.ready if r[0] != name]
        self.verification[name] = {"error": f"{type(exc).__name__}: {exc}"[:500]}

    def prepare_paths(self, scheme, credential) -> None:
        """Verify and warm each path of ``scheme`` with ``credential``."""
        verifier = password_verifier_code()
        verdict: dict[str, Any] = {}
        for kind, factory in self.paths(scheme, credential).items():
            call = factory()
            for _ in range(WARMUP_CALLS - 1):
                call()
            # Hashes counted on the last warm-up call, the steady state the counted calls
            # repeat: a cached variant (basic-cached) hashes on its first call only.
            result, hashes = count_calls(call, verifier)
            ok = self.check(scheme, kind, result)
            verdict[kind] = {"ok": ok, "password_hashes": hashes}
            if ok:  # a wrong answer is not counted
                self.ready.append((scheme.name, kind, factory))
            if ok and kind == "get":
                self.prepare_parts(scheme.name, call, verdict)
        self.verification[scheme.name] = verdict

    def prepare_parts(self, name: str, call: Callable[[], Any], verdict: dict) -> None:
        """Record one more GET's SQL and crypto, to count each alone (instruction_parts)."""
        _, recorded = parts.record(call)
        verdict["get"]["parts"] = {
            "statements": len(recorded.statements),
            "crypto_calls": len(recorded.calls),
            "replayable": parts.replayable(recorded),
        }
        if verdict["get"]["parts"]["replayable"]:
            for _ in range(WARMUP_CALLS - 1):  # replayable() ran each once already
                recorded.sql()()
                recorded.crypto()()
            self.ready.append((name, parts.SQL, recorded.sql))
            self.ready.append((name, parts.CRYPTO, recorded.crypto))

    def count_paths(self, iterations: int) -> None:
        """Count every verified path (the seeded hashes are at ``iterations``).

        Each path is warmed again right before its region (the other schemes' turn can
        outlast a 60 s cache entry), and a credential past half its life (:meth:`stale`)
        is obtained again right before its scheme is counted (its paths checked again)."""
        # Each once, the last logged in first: the shortest-lived credential is freshest.
        for name in reversed(dict.fromkeys(r[0] for r in self.ready)):
            with self.timed("refresh"):
                if self.stale(name) and not self.refresh(name):
                    continue
            for ready_name, kind, factory in self.ready:
                if ready_name == name:
                    # Warm again right before counting: time passed while the others
                    # were counted, and a cache with a TTL (token-cached, basic-cached:
                    # 60 s) would otherwise be counted cold, once in a while.
                    stage = "parts" if kind in (parts.SQL, parts.CRYPTO) else "paths"
                    with self.timed(f"count_{stage}"):
                        self.region(
                            name,
                            kind,
                            factory(),
                            self.repetitions,
                            REWARM_CALLS,
                            iterations=iterations,
                        )

    def stale(self, name: str) -> bool:
        """Whether ``name``'s credential has an expiry (``Properties.expiry_seconds``) and
        :data:`STALE_FRACTION` of it has passed since its login."""
        expiry = life(name)
        age = time.monotonic() - self.logged_in.get(name, float("-inf"))
        return expiry < math.inf and age > expiry * STALE_FRACTION

    def refresh(self, name: str) -> bool:
        """Log ``name`` in again and rebuild, warm and check its request paths (the
        replayed SQL and crypto keep their recording: neither checks the expiry)."""
        from schemes import registry

        scheme = registry.get(name)
        try:
            fresh = self.paths(scheme, self.login(scheme))
            self.logged_in[name] = time.monotonic()
            self.refreshed.append(name)
            for index, (ready_name, kind, _) in enumerate(self.ready):
                if ready_name != name or kind not in fresh:
                    continue
                call = fresh[kind]()
                for _ in range(WARMUP_CALLS - 1):
                    call()
                if not self.check(scheme, kind, call()):
                    raise RuntimeError(f"{kind} refused after a fresh login")
                self.ready[index] = (name, kind, fresh[kind])
        except Exception as exc:  # this scheme's failure is its own
            self.fail(name, exc)
            return False
        return True

    def count_hasher(self, points: list[int]) -> None:
        """The default hasher's ``verify()`` alone at each cost in ``points``."""
        from django.contrib.auth.hashers import get_hasher

        from lab.seed import SEED_PASSWORD

        hasher = get_hasher("default")
        for iterations in points:
            set_iterations(iterations)
            encoded = hasher.encode(SEED_PASSWORD, hasher.salt())
            for _ in range(HASHER_WARMUP_CALLS):
                assert hasher.verify(SEED_PASSWORD, encoded)
            self.region(
                "",
                "hasher",
                lambda e=encoded: hasher.verify(SEED_PASSWORD, e),
                1,
                iterations=iterations,
            )


def life(name: str) -> float:
    """How long ``name``'s credential lives, in seconds (``inf`` without an expiry)."""
    from schemes import registry

    expiry = registry.get(name).properties.expiry_seconds
    return math.inf if expiry is None else expiry


def login_order(names: list[str]) -> list[str]:
    """The order schemes are logged in: the longest-lived credential first (they are
    counted in the reverse order, so the shortest-lived is counted right after its login)."""
    return sorted(names, key=life, reverse=True)


def set_iterations(iterations: int) -> None:
    """Give the default hasher class ``iterations`` (this process only: same code path,
    fewer rounds)."""
    from django.contrib.auth.hashers import get_hasher

    hasher_class = type(get_hasher("default"))
    if hasattr(hasher_class, "iterations"):
        hasher_class.iterations = iterations


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The worker's options (set by the driver)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions_worker")
    parser.add_argument(
        "--groups", required=True, help="scheme groups, ';'-separated, names ','-separated"
    )
    parser.add_argument("--repetitions", type=int, required=True)
    parser.add_argument(
        "--iterations",
        default="",
        help="hasher points, comma-separated; "
        "the first is the cost the seeded hashes were encoded at",
    )
    parser.add_argument(
        "--dir",
        type=Path,
        required=True,
        help="group i counts on DIR/worker<i>/db.sqlite3 and writes DIR/worker<i>/meta.json; "
        "it starts once DIR/ready exists",
    )
    return parser.parse_args(argv)


def use_database(path: Path) -> None:
    """Point this (forked) process's not yet opened default connection at ``path``."""
    from django.db import connections

    connection = connections["default"]
    if connection.connection is not None:
        raise RuntimeError("the default connection was opened before the fork")
    connection.settings_dict["NAME"] = str(path)
    os.environ["AUTHLAB_SQLITE_PATH"] = str(path)


def count_group(names: list[str], args: argparse.Namespace, folder: Path) -> None:
    """In a forked child: count ``names`` on ``folder``'s database; write its meta."""
    clock = [("fork", time.process_time())]
    use_database(folder / "db.sqlite3")
    from schemes import registry

    points = [int(p) for p in args.iterations.split(",") if p]
    if points:
        set_iterations(points[0])
    worker = Worker(args.repetitions, Hooks())
    for name in login_order(names):
        worker.prepare(registry.get(name))
    clock.append(("prepare", time.process_time()))
    gc.collect()
    gc.freeze()
    worker.hooks.instrument()
    # What a bracket costs on its own (the hook calls themselves): subtracted per region.
    worker.region("", "empty", lambda: None, 0)
    worker.region("", "empty", lambda: None, 0)
    worker.count_paths(points[0] if points else None)
    clock.append(("count_paths", time.process_time()))
    hashing = any(v["password_hashes"] for s in worker.verification.values() for v in s.values())
    if points and hashing:
        worker.count_hasher(points)
    worker.region("", "empty", lambda: None, 0)
    clock.append(("count_hasher", time.process_time()))
    seconds = {name: round(t - clock[i][1], 2) for i, (name, t) in enumerate(clock[1:])}
    seconds.update({f"  {k}": round(v, 2) for k, v in worker.spent.items()})
    seconds["  dumps"] = round(worker.hooks.dump_seconds, 2)
    meta = {
        "pid": os.getpid(),
        "regions": worker.regions,
        "verification": worker.verification,
        "refreshed": worker.refreshed,
        "seconds": seconds,
    }
    (folder / "meta.json").write_text(json.dumps(meta))


def main(argv: list[str] | None = None) -> int:
    """Start Django once (uninstrumented), then fork one child per group, each counting
    its schemes on its own copy of the database: the start-up under valgrind, tens of
    CPU seconds, is paid once and not per group."""
    args = parse_args(argv)
    started = time.process_time()
    import django

    django.setup()
    from django.urls import get_resolver

    from benchmarks import harness  # noqa: F401  (imported once, before the fork)

    _ = get_resolver().url_patterns  # imports every scheme's views, once for all children
    shared = {"startup": round(started, 2), "django_setup": round(time.process_time() - started, 2)}
    while not (args.dir / "ready").exists():  # the driver migrates meanwhile
        time.sleep(0.05)
    children = []
    for index, group in enumerate(args.groups.split(";")):
        pid = os.fork()
        if pid == 0:  # the child: count, then leave without running the parent's exit
            code = 1
            try:
                count_group(group.split(","), args, args.dir / f"worker{index}")
                code = 0
            except BaseException:
                traceback.print_exc()
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        children.append(pid)
    failed = [pid for pid in children if os.waitpid(pid, 0)[1] != 0]
    (args.dir / "shared.json").write_text(json.dumps({"seconds": shared, "pid": os.getpid()}))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
