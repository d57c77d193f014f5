"""Measuring for ``make scale``: time each scheme's lookup and full request at one size.

A scheme's lookup is ``request.user`` (every authentication class's
``authenticate()``) with real credentials of :data:`SAMPLE_USERS` users spread over
the tables; ``jwt-blacklist`` times the refresh-token check. Verified first with
:func:`results.verify.verdict`, the lab's one rule.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from results import stats
from results.verify import Answer, expected_username, verdict
from scale.seed import Seeder

#: Users whose credentials are timed at each size, spread evenly over the table.
SAMPLE_USERS = 16
#: Timed lookups per kind and size = SAMPLE_USERS x ROUNDS.
ROUNDS = 40
#: The scheme whose refresh tokens exercise the JWT blacklist check.
BLACKLIST_KIND = "jwt-blacklist"
#: The table that kind reads (it is no scheme, so it declares it here).
BLACKLIST_MODELS = ("token_blacklist.BlacklistedToken",)


def sample_usernames(n: int, k: int = SAMPLE_USERS) -> list[str]:
    """``k`` seeded usernames spread evenly over ``user1..user<n>``."""
    from lab.seed import seed_username

    return [seed_username(max(1, min(n, round(n * (j + 0.5) / k)))) for j in range(k)]


def measured_schemes() -> list:
    """Every registry scheme but the baseline: each has a credential to look up."""
    from schemes import registry

    return [s for s in registry.all_schemes() if not s.is_baseline]


def sample_credentials(usernames: list[str]) -> dict[str, list]:
    """Log each user in through every scheme's own flow: scheme -> [(username, cred)]."""
    from lab.seed import SEED_PASSWORD
    from schemes.transports import DjangoClientTransport

    transport = DjangoClientTransport()
    creds: dict[str, list] = {}
    for scheme in measured_schemes():
        try:
            creds[scheme.name] = [
                (name, scheme.obtain(transport, name, SEED_PASSWORD)) for name in usernames
            ]
        except NotImplementedError:  # a scheme without a client helper: nothing to time
            continue
    return creds


def _drf_request(scheme, credential):
    """A fresh request carrying ``credential``, through the session and auth middleware.

    The middleware only attaches lazy objects; the lookup happens in ``.user``.
    """
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.test import RequestFactory
    from rest_framework.request import Request

    # The lab's, as in MIDDLEWARE: it opens each scheme's own session engine.
    from lab.middleware import SessionMiddleware

    request = RequestFactory().get(scheme.url("whoami"), headers=credential.headers_for("GET"))
    SessionMiddleware(lambda r: None).process_request(request)
    AuthenticationMiddleware(lambda r: None).process_request(request)
    return Request(request, authenticators=[cls() for cls in scheme.authentication_classes])


class DbClock:
    """Time spent inside the database driver's ``execute()`` (a connection wrapper).

    It separates what the store costs from the ORM's constant work around it.
    """

    def __init__(self):
        self.ns = 0

    def __call__(self, execute, sql, params, many, context):
        """Time one statement."""
        started = time.perf_counter_ns()
        try:
            return execute(sql, params, many, context)
        finally:
            self.ns += time.perf_counter_ns() - started


Probe = Callable[[DbClock], tuple[float, float]]


def lookup_probes(creds: dict[str, list]) -> dict[str, list[Probe]]:
    """kind -> one probe per sample user; a probe returns (µs in all, µs in the driver).

    A scheme's probe times ``request.user`` (every authentication class's
    ``authenticate()``); ``jwt-blacklist`` times the refresh-token check that
    ``refresh/`` runs (signature, expiry, blacklist query).
    """
    from schemes import registry

    probes: dict[str, list[Probe]] = {}
    for name, pairs in creds.items():
        scheme = registry.get(name)
        probes[name] = [_auth_probe(scheme, user, cred) for user, cred in pairs]
    jwt_pairs = next((p for p in creds.values() if p and "refresh" in p[0][1].extra), None)
    if jwt_pairs:
        probes[BLACKLIST_KIND] = [_blacklist_probe(c.extra["refresh"]) for _, c in jwt_pairs]
    return probes


def request_probes(creds: dict[str, list]) -> dict[str, list[Probe]]:
    """kind -> probes timing a full GET of the scheme's ``whoami/`` (all middleware, view).

    Includes the ``none`` baseline, so every figure has its ratio to none.
    """
    from django.test import Client

    from schemes import registry

    client = Client()
    baseline = registry.baseline()
    probes = {baseline.name: [_request_probe(client, baseline, None)]}
    for name, pairs in creds.items():
        probes[name] = [_request_probe(client, registry.get(name), c) for _, c in pairs]
    return probes


def _auth_probe(scheme, username: str, credential) -> Probe:
    def probe(clock: DbClock) -> tuple[float, float]:
        request = _drf_request(scheme, credential)
        clock.ns = 0
        started = time.perf_counter_ns()
        user = request.user
        elapsed = time.perf_counter_ns() - started
        if user.get_username() != username:  # checked after the clock stopped
            raise AssertionError(f"{scheme.name}: expected {username}, got {user!r}")
        return elapsed / 1000, clock.ns / 1000

    return probe


def _blacklist_probe(refresh: str) -> Probe:
    from rest_framework_simplejwt.tokens import RefreshToken

    def probe(clock: DbClock) -> tuple[float, float]:
        clock.ns = 0
        started = time.perf_counter_ns()
        RefreshToken(refresh)  # verifies, then checks the blacklist (raises if listed)
        return (time.perf_counter_ns() - started) / 1000, clock.ns / 1000

    return probe


def _request_probe(client, scheme, credential) -> Probe:
    headers = credential.headers_for("GET") if credential else {}
    url = scheme.url("whoami")

    def probe(clock: DbClock) -> tuple[float, float]:
        client.cookies.clear()
        clock.ns = 0
        started = time.perf_counter_ns()
        response = client.get(url, headers=headers)
        elapsed = time.perf_counter_ns() - started
        if response.status_code != 200:
            raise AssertionError(f"{scheme.name}: HTTP {response.status_code} while timing")
        return elapsed / 1000, clock.ns / 1000

    return probe


def count_queries(probe: Probe) -> int:
    """SQL statements one probe runs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        probe(DbClock())
    return len(ctx.captured_queries)


def verify(creds: dict[str, list]) -> dict[str, dict]:
    """Before timing: each credential gets 200 as its user; no credential is refused."""
    from django.test import Client

    from schemes import registry

    client, result = Client(), {}
    for name, pairs in creds.items():
        scheme = registry.get(name)
        baseline = scheme.is_baseline
        answers = []
        for username, cred in pairs:
            client.cookies.clear()
            response = client.get(scheme.url("whoami"), headers=cred.headers_for("GET"))
            body = response.json() if response.status_code == 200 else {}
            answers.append(
                Answer(
                    "GET",
                    response.status_code,
                    body.get("username"),
                    expected_username(username, baseline=baseline),
                )
            )
        client.cookies.clear()
        without = client.get(scheme.url("whoami")).status_code
        result[name] = verdict(answers, without, baseline=baseline)
    return result


def measure(probes: dict[str, list[Probe]], rounds: int) -> dict[str, dict[str, list[float]]]:
    """Run every probe ``rounds`` times, kinds interleaved so drift hits all alike.

    Returns kind -> {"total": [µs...], "db": [µs in the driver...]}.
    """
    from django.db import connection

    clock = DbClock()
    samples = {kind: {"total": [], "db": []} for kind in probes}
    with connection.execute_wrapper(clock):
        for kind_probes in probes.values():  # warm-up: connection, caches, imports
            for probe in kind_probes:
                probe(clock)
        for _ in range(rounds):
            for kind, kind_probes in probes.items():
                for probe in kind_probes:
                    total, db = probe(clock)
                    samples[kind]["total"].append(total)
                    samples[kind]["db"].append(db)
    return samples


def stored_models(kind: str) -> tuple[str, ...]:
    """The tables a kind's lookup reads, as the scheme declares them (``Scheme.stored_models``)."""
    from schemes import registry

    return BLACKLIST_MODELS if kind == BLACKLIST_KIND else registry.get(kind).stored_models


def table_facts(kind: str) -> dict[str, Any]:
    """The first table the kind's lookup reads and its rows now (``None`` when none)."""
    from django.apps import apps

    models = stored_models(kind)
    if not models:
        return {"table": None, "table_rows": None}
    model = apps.get_model(models[0])
    return {"table": model._meta.db_table, "table_rows": model._default_manager.count()}


def _figures(prefix: str, samples: dict[str, list[float]]) -> dict[str, float]:
    median, iqr = stats.median_iqr(samples["total"])
    db, db_iqr = stats.median_iqr(samples["db"])
    return {
        f"{prefix}_us": round(median, 2),
        f"{prefix}_iqr_us": round(iqr, 2),
        f"{prefix}_db_us": round(db, 2),
        f"{prefix}_db_iqr_us": round(db_iqr, 2),
        # The fast tenth: on a busy box a round trip to a server process often waits
        # for a CPU; the 10th percentile is close to the uncontended cost.
        f"{prefix}_p10_us": round(stats.percentile(samples["total"], 10), 2),
        f"{prefix}_db_p10_us": round(stats.percentile(samples["db"], 10), 2),
    }


def measure_size(store: str, size: int, rounds: int) -> tuple[list, dict]:
    """Verify, then time lookups and full requests at the current size: (points, verification)."""
    creds = sample_credentials(sample_usernames(size))
    verification = verify(creds)
    if not all(v["ok"] for v in verification.values()):
        raise RuntimeError(f"verification failed before timing at {size} rows: {verification}")
    lookups, requests = lookup_probes(creds), request_probes(creds)
    queries = {kind: count_queries(p[0]) for kind, p in lookups.items()}
    lookup_samples = measure(lookups, rounds)
    request_samples = measure(requests, max(1, rounds // 2))
    points = []
    for kind, samples in lookup_samples.items():
        point = {"store": store, "kind": kind, "rows": size, **_figures("lookup", samples)}
        request = request_samples.get(kind)
        point.update(_figures("request", request) if request else {})
        point.update(
            queries=queries[kind],
            samples=len(samples["total"]),
            **table_facts(kind),
        )
        points.append(point)
    baseline = _figures("request", request_samples["none"])
    points.append(
        {
            "store": store,
            "kind": "none",
            "rows": size,
            "lookup_us": None,
            "lookup_iqr_us": None,
            **baseline,
            "queries": 0,
        }
    )
    return points, verification


def run_store(store: str, sizes: list[int], rounds: int, log=print) -> dict[str, Any]:
    """Seed and measure on the configured database (Django set up); the store's results."""
    import logging

    from django.core.management import call_command
    from django.db import connection

    from results.provenance import provenance

    logging.getLogger("django.request").setLevel(logging.ERROR)  # the expected 401s
    call_command("migrate", interactive=False, verbosity=0)
    seeder = Seeder()
    points, seeding, verification = [], [], {}
    for size in sizes:
        seconds = seeder.grow_to(size)
        started = time.perf_counter()
        seeder.settle()
        settle_s = time.perf_counter() - started
        load_before = os.getloadavg()[0]
        new_points, checks = measure_size(store, size, rounds)
        seeding.append(
            {
                "rows": size,
                "insert_s": seconds,
                "settle_s": settle_s,
                # Other work on the box shows up as spread; record how busy it was.
                "load1_before": round(load_before, 2),
                "load1_after": round(os.getloadavg()[0], 2),
            }
        )
        points += new_points
        for name, check in checks.items():
            verification.setdefault(name, check)["ok"] &= check["ok"]
        log(
            f"  {store} {size:>9,} rows: seeded in {sum(seconds.values()):.1f} s"
            f" (+{settle_s:.1f} s vacuum/analyze); lookup µs: "
            + ", ".join(f"{p['kind']} {p['lookup_us']:.0f}" for p in new_points if p["lookup_us"])
        )
    server = (
        f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
        if connection.vendor == "postgresql"
        else f"SQLite {connection.Database.sqlite_version}"
    )
    return {
        "store": store,
        "server": server,
        "points": points,
        "seeding": seeding,
        "verification": verification,
        "final_counts": seeder.counts(),
        "provenance": provenance(profile="scale", store=store, server=server),
    }
