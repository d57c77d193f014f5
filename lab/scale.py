"""Scale curves: each scheme's per-request lookup cost as its tables grow 10^3..10^6 rows.

``python -m lab.scale [--max N] [--stores sqlite,postgres]`` (``make scale``) seeds users,
sessions, DRF tokens, knox tokens and outstanding + blacklisted JWTs in bulk (SQLite:
``executemany`` in one transaction; PostgreSQL: ``COPY``), grows them one decade at a
time, and at each size times the schemes' ``authenticate()`` (what a request pays to
find its credential) with real credentials. Each store runs in its own child process
on a fresh database (a temporary SQLite file; a throwaway PostgreSQL cluster from
:mod:`lab.services`), and the run folder gets ``dimensions.scale`` (reports/SCHEMA.md).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

SIZES = (10**3, 10**4, 10**5, 10**6)
STORES = ("sqlite", "postgres")
#: Users whose credentials are timed at each size, spread evenly over the table.
SAMPLE_USERS = 16
#: Timed lookups per kind and size = SAMPLE_USERS x ROUNDS.
ROUNDS = 40
CHUNK = 50_000
#: The growth of median lookup cost from the smallest to the largest size under which
#: a curve is called flat (also flat when the change is inside the spread).
FLAT_GROWTH = 1.25
#: A median whose IQR exceeds this fraction of it is too noisy to call growth.
NOISY = 0.5
#: The scheme whose refresh tokens exercise the JWT blacklist check.
BLACKLIST_KIND = "jwt-blacklist"
#: A stand-in for the text column of filler outstanding tokens (a refresh JWT's length).
FILLER_JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + "f" * 190 + ".sig"


# --- Seeding -------------------------------------------------------------------------------
class Seeder:
    """Grow the credential tables to ``n`` rows each, in bulk, on Django's default DB.

    Filler rows look like real ones (key lengths, one token of each kind per user,
    every filler refresh token blacklisted) but their secrets are random: only the
    users logged in by :func:`sample_credentials` hold usable credentials.
    """

    def __init__(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.contrib.sessions.models import Session
        from knox.models import get_token_model
        from rest_framework.authtoken.models import Token
        from rest_framework_simplejwt.token_blacklist.models import (
            BlacklistedToken,
            OutstandingToken,
        )

        from lab.seed import SEED_PASSWORD

        self.models = {
            "users": get_user_model(),
            "sessions": Session,
            "drf_tokens": Token,
            "knox_tokens": get_token_model(),
            "jwt_outstanding": OutstandingToken,
            "jwt_blacklisted": BlacklistedToken,
        }
        self.password = make_password(SEED_PASSWORD)  # hashed once, reused for every row
        self.filled = 0
        self.seconds: dict[str, float] = {}

    def tables(self) -> dict[str, str]:
        """Kind of row -> database table."""
        return {kind: model._meta.db_table for kind, model in self.models.items()}

    def counts(self) -> dict[str, int]:
        """Rows in each table right now (filler and real)."""
        return {kind: model._default_manager.count() for kind, model in self.models.items()}

    def grow_to(self, n: int) -> dict[str, float]:
        """Insert filler rows until each table holds ``n`` of them; seconds per table."""
        from django.db import transaction
        from django.utils import timezone

        start, now = self.filled + 1, timezone.now()
        if n < start:
            return {}
        seconds: dict[str, float] = {}
        with seeding_mode(), transaction.atomic():
            skip_fk_triggers()
            user_ids = self._insert_new(
                "users",
                seconds,
                (
                    "password",
                    "is_superuser",
                    "username",
                    "first_name",
                    "last_name",
                    "email",
                    "is_staff",
                    "is_active",
                    "date_joined",
                ),
                (
                    (
                        self.password,
                        False,
                        f"user{i}",
                        "",
                        "",
                        f"user{i}@example.com",
                        False,
                        True,
                        now,
                    )
                    for i in range(start, n + 1)
                ),
            )
            self._insert(
                "sessions",
                seconds,
                ("session_key", "session_data", "expire_date"),
                ((secrets.token_hex(16), "filler", now + timedelta(days=14)) for _ in user_ids),
            )
            self._insert(
                "drf_tokens",
                seconds,
                ("key", "user_id", "created"),
                ((secrets.token_hex(20), uid, now) for uid in user_ids),
            )
            self._insert(
                "knox_tokens",
                seconds,
                ("digest", "token_key", "user_id", "created", "expiry"),
                (
                    (
                        secrets.token_hex(64),
                        secrets.token_hex(8)[:15],
                        uid,
                        now,
                        now + timedelta(hours=10),
                    )
                    for uid in user_ids
                ),
            )
            jwt_ids = self._insert_new(
                "jwt_outstanding",
                seconds,
                ("user_id", "jti", "token", "created_at", "expires_at"),
                (
                    (uid, secrets.token_hex(16), FILLER_JWT, now, now + timedelta(days=1))
                    for uid in user_ids
                ),
            )
            self._insert(
                "jwt_blacklisted",
                seconds,
                ("token_id", "blacklisted_at"),
                ((jid, now) for jid in jwt_ids),
            )
        self.filled = n
        for kind, s in seconds.items():
            self.seconds[kind] = self.seconds.get(kind, 0.0) + s
        return seconds

    def _insert_new(self, kind, seconds, columns, rows) -> list[int]:
        """Insert rows of an auto-id table; return the new ids in insertion order."""
        model = self.models[kind]
        before = model._default_manager.order_by("-pk").values_list("pk", flat=True).first()
        self._insert(kind, seconds, columns, rows)
        new = model._default_manager.filter(pk__gt=before or 0).order_by("pk")
        return list(new.values_list("pk", flat=True))

    def _insert(self, kind: str, seconds: dict, columns: tuple[str, ...], rows: Iterable):
        started = time.perf_counter()
        bulk_insert(self.models[kind]._meta.db_table, columns, rows)
        seconds[kind] = time.perf_counter() - started

    def settle(self) -> None:
        """Refresh planner statistics (and PostgreSQL's visibility map) after seeding."""
        from django.db import connection

        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                for table in self.tables().values():
                    cursor.execute(f'VACUUM ANALYZE "{table}"')
            else:
                cursor.execute("ANALYZE")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


@contextlib.contextmanager
def seeding_mode(mib: int = 512) -> Iterator[None]:
    """SQLite, outside the seeding transaction: foreign keys unchecked (the filler is
    consistent by construction: ids are read back from the table) and a large page
    cache (random-key index inserts thrash the default 2 MiB); both restored after,
    so lookups are timed as configured."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    with connection.constraint_checks_disabled(), connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        default = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{mib * 1024}")
        try:
            yield
        finally:
            cursor.execute(f"PRAGMA cache_size = {int(default)}")


def skip_fk_triggers() -> None:
    """PostgreSQL, inside the seeding transaction: skip the per-row foreign-key
    triggers (the filler is consistent by construction), for this transaction only."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")


def _chunks(rows: Iterable, size: int = CHUNK) -> Iterator[list]:
    chunk: list = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def bulk_insert(table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Insert ``rows`` into ``table``: ``COPY`` on PostgreSQL, ``executemany`` elsewhere."""
    from django.db import connection

    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # cursor.cursor: the psycopg 3 cursor under Django's wrapper (COPY protocol).
            with cursor.cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        sql = f"INSERT INTO {qn(table)} ({cols}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 - quoted identifiers
        for chunk in _chunks(rows):
            cursor.executemany(sql, chunk)


# --- Measuring -----------------------------------------------------------------------------
def sample_usernames(n: int, k: int = SAMPLE_USERS) -> list[str]:
    """``k`` seeded usernames spread evenly over ``user1..user<n>``."""
    from lab.seed import seed_username

    return [seed_username(max(1, min(n, round(n * (j + 0.5) / k)))) for j in range(k)]


def measured_schemes() -> list:
    """Every registry scheme but the baseline: each has a credential to look up."""
    from schemes import registry

    return [s for s in registry.all_schemes() if s.name != registry.BASELINE]


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

    from lab.middleware import SessionMiddleware  # per-scheme session engines

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
    probes = {registry.BASELINE: [_request_probe(client, registry.get(registry.BASELINE), None)]}
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
    """Before timing: each credential gets 200 as its user; no credential gets 401/403."""
    from django.test import Client

    from schemes import registry

    client, result = Client(), {}
    for name, pairs in creds.items():
        scheme = registry.get(name)
        statuses, ok = [], True
        for username, cred in pairs:
            client.cookies.clear()
            response = client.get(scheme.url("whoami"), headers=cred.headers_for("GET"))
            statuses.append(response.status_code)
            ok &= response.status_code == 200 and response.json()["username"] == username
        client.cookies.clear()
        without = client.get(scheme.url("whoami")).status_code
        result[name] = {
            "ok": bool(ok and without in (401, 403)),
            "status_with": max(statuses),
            "username": pairs[0][0],
            "status_without": without,
        }
    return result


def median_iqr(samples: list[float]) -> tuple[float, float]:
    """Median and interquartile range."""
    q1, q2, q3 = statistics.quantiles(samples, n=4, method="inclusive")
    return q2, q3 - q1


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


TABLE_OF_KIND = {
    "basic": "users",
    "session": "sessions",
    "token": "drf_tokens",
    "jwt": "users",
    "jwt-stateless": None,
    "knox": "knox_tokens",
    BLACKLIST_KIND: "jwt_blacklisted",
}


def _figures(prefix: str, samples: dict[str, list[float]]) -> dict[str, float]:
    median, iqr = median_iqr(samples["total"])
    db, db_iqr = median_iqr(samples["db"])
    return {
        f"{prefix}_us": round(median, 2),
        f"{prefix}_iqr_us": round(iqr, 2),
        f"{prefix}_db_us": round(db, 2),
        f"{prefix}_db_iqr_us": round(db_iqr, 2),
        # The fast tenth: on a busy box a round trip to a server process often waits
        # for a CPU; the 10th percentile is close to the uncontended cost.
        f"{prefix}_p10_us": round(p10(samples["total"]), 2),
        f"{prefix}_db_p10_us": round(p10(samples["db"]), 2),
    }


def p10(samples: list[float]) -> float:
    """10th percentile."""
    return statistics.quantiles(samples, n=10, method="inclusive")[0]


def measure_size(store: str, size: int, seeder: Seeder, rounds: int) -> tuple[list, dict]:
    """Verify, then time lookups and full requests at the current size: (points, verification)."""
    creds = sample_credentials(sample_usernames(size))
    verification = verify(creds)
    if not all(v["ok"] for v in verification.values()):
        raise RuntimeError(f"verification failed before timing at {size} rows: {verification}")
    lookups, requests = lookup_probes(creds), request_probes(creds)
    queries = {kind: count_queries(p[0]) for kind, p in lookups.items()}
    lookup_samples = measure(lookups, rounds)
    request_samples = measure(requests, max(1, rounds // 2))
    counts, tables = seeder.counts(), seeder.tables()
    points = []
    for kind, samples in lookup_samples.items():
        table = TABLE_OF_KIND.get(kind)
        point = {"store": store, "kind": kind, "rows": size, **_figures("lookup", samples)}
        request = request_samples.get(kind)
        point.update(_figures("request", request) if request else {})
        point.update(
            queries=queries[kind],
            samples=len(samples["total"]),
            table=tables.get(table) if table else None,
            table_rows=counts.get(table) if table else None,
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

    from lab import runs

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
        new_points, checks = measure_size(store, size, seeder, rounds)
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
        "provenance": runs.provenance(profile="scale", store=store, server=server),
    }


# --- Verdicts, summary, chart ----------------------------------------------------------------
def _curves(points: list[dict]) -> dict[tuple[str, str], list[dict]]:
    """(store, kind) -> its points by size, for kinds with a lookup figure."""
    curves: dict[tuple[str, str], list[dict]] = {}
    for p in points:
        if p.get("lookup_us") is not None:
            curves.setdefault((p["store"], p["kind"]), []).append(p)
    return {k: sorted(v, key=lambda p: p["rows"]) for k, v in curves.items()}


def control_drift(
    curves: dict[tuple[str, str], list[dict]], store: str, statistic: str = "lookup_us"
) -> float:
    """How much a kind that touches no store (0 queries) slowed from first to last size,
    on the same ``statistic`` (median or 10th percentile) as the curve it corrects.

    The box is shared and its speed drifts; a lookup's growth is judged after
    dividing by this (1.0 when there is no such kind).
    """
    for (s, _kind), curve in curves.items():
        if s == store and curve[0]["queries"] == 0 and curve[0].get(statistic):
            return curve[-1][statistic] / curve[0][statistic]
    return 1.0


#: What each curve is judged on: figure prefix -> table title.
PARTS = {
    "lookup": "whole lookup, median",
    "lookup_db": "db part, median",
    "lookup_p10": "whole lookup, 10th percentile",
    "lookup_db_p10": "db part, 10th percentile",
}


def judge(a: float, b: float, spread: float, drift: float) -> tuple[float | None, str]:
    """(drift-corrected growth from ``a`` to ``b``, verdict).

    ``flat``: grew less than :data:`FLAT_GROWTH`; ``grows``: more, by more than the
    spread; ``unclear``: more, but the spread (IQR) is as large as the change, or
    over half the median (a contended box): the samples cannot tell.
    """
    if not a and not b:
        return None, "flat"  # no database work at all
    growth = round(b / a / drift, 3) if a else None
    if growth is not None and growth <= FLAT_GROWTH:
        return growth, "flat"
    if abs(b - a) > spread and spread <= NOISY * max(a, b):
        return growth, "grows"
    return growth, "unclear"


def verdicts(points: list[dict]) -> list[dict]:
    """Per store and kind: flat (index lookup) or grows, from smallest to largest size.

    Judged on the whole lookup and on the driver time alone (the store's own part),
    each growth divided by the drift of the no-store control measured alongside.
    """
    out = []
    curves = _curves(points)
    for (store, kind), curve in curves.items():
        first, last = curve[0], curve[-1]
        drift = control_drift(curves, store)
        drift_p10 = control_drift(curves, store, "lookup_p10_us")
        verdict = {
            "store": store,
            "kind": kind,
            "rows_min": first["rows"],
            "rows_max": last["rows"],
            "control_drift": round(drift, 3),
            "control_drift_p10": round(drift_p10, 3),
        }
        for part in PARTS:
            a, b = first[f"{part}_us"], last[f"{part}_us"]
            spread = max(first.get(f"{part}_iqr_us", 0), last.get(f"{part}_iqr_us", 0))
            growth, judged = judge(a, b, spread, drift_p10 if "p10" in part else drift)
            verdict.update(
                {
                    f"{part}_us_min": a,
                    f"{part}_us_max": b,
                    f"{part}_growth": growth,
                    f"{part}_verdict": judged,
                }
            )
        verdict["verdict"] = verdict["lookup_verdict"]
        out.append(verdict)
    return out


def _cell(point: dict | None, key: str) -> str:
    if point is None or point.get(f"{key}_us") is None:
        return "-"
    iqr = point.get(f"{key}_iqr_us")
    return f"{point[f'{key}_us']:.1f}" + (f" ({iqr:.1f})" if iqr is not None else "")


def markdown(points: list[dict], judged: list[dict], meta: dict) -> str:
    """The scale section as Markdown: per store, lookup and driver-time tables, verdicts."""
    lines = [
        "# Lookup cost against rows",
        "",
        "Median µs (IQR in brackets) of one `authenticate()` with real credentials of "
        f"{SAMPLE_USERS} users spread over the tables; 'db' is the part spent inside the "
        "database driver; the 10th percentile is close to the uncontended cost when other "
        f"work competes for the CPU. {meta['hasher_note']}",
        "",
    ]
    by_key = {(p["store"], p["kind"], p["rows"]): p for p in points}
    for store in dict.fromkeys(p["store"] for p in points):
        sizes = sorted({p["rows"] for p in points if p["store"] == store})
        kinds = [k for (s, k) in _curves(points) if s == store]
        head = " | ".join(f"{n:,} rows" for n in sizes)
        lines += [f"## {store} ({meta['servers'].get(store, '')})", ""]
        for key, title in PARTS.items():
            lines += [
                f"| {title} | queries | {head} | verdict |",
                "|---|---:|" + "---:|" * len(sizes) + "---|",
            ]
            for kind in kinds:
                v = next(v for v in judged if (v["store"], v["kind"]) == (store, kind))
                cells = " | ".join(_cell(by_key.get((store, kind, n)), key) for n in sizes)
                queries = by_key[(store, kind, sizes[0])]["queries"]
                growth = v[f"{key}_growth"]
                lines.append(
                    f"| {kind} | {queries} | {cells} | {v[f'{key}_verdict']}"
                    + (f" (x{growth:.2f})" if growth is not None else "")
                    + " |"
                )
            lines.append("")
    lines.append(
        f"'flat': the median grew by less than x{FLAT_GROWTH} (or by less than the IQR) "
        "from the smallest to the largest table, as an index lookup does; 'grows': more, by "
        "more than the IQR; 'unclear': more, but the IQR is as large (the box was busy). "
        "Growth (xN) is divided by the drift of the kind that touches no store (0 queries), "
        "measured in the same rounds, so a box that slowed down does not read as growth."
    )
    return "\n".join(lines) + "\n"


def chart(points: list[dict], path: Path) -> None:
    """Lookup µs against rows (log x), one panel per store, one line per kind (SVG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = _curves(points)
    stores = list(dict.fromkeys(store for store, _ in curves))
    fig, axes = plt.subplots(
        1, len(stores), figsize=(6 * len(stores), 4.2), squeeze=False, sharey=True
    )
    for ax, store in zip(axes[0], stores, strict=True):
        for (s, kind), curve in curves.items():
            if s == store:
                ax.errorbar(
                    [p["rows"] for p in curve],
                    [p["lookup_us"] for p in curve],
                    yerr=[p["lookup_iqr_us"] / 2 for p in curve],
                    marker="o",
                    capsize=3,
                    label=kind,
                )
        ax.set_xscale("log")
        ax.set_title(store)
        ax.set_xlabel("rows per table")
        ax.grid(True, alpha=0.3)
    axes[0][0].set_ylabel("lookup µs (median, IQR bars)")
    axes[0][-1].legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="svg")
    plt.close(fig)


def scheme_rows(store_result: dict) -> list[dict]:
    """summary.json ``schemes`` from one store at its largest size (full GET requests)."""
    from schemes import registry

    size = max(p["rows"] for p in store_result["points"])
    at = {p["kind"]: p for p in store_result["points"] if p["rows"] == size}
    none_us = at[registry.BASELINE]["request_us"]
    rows = []
    for scheme in registry.all_schemes():
        p = at.get(scheme.name, {})
        request_us = p.get("request_us")
        rows.append(
            {
                "scheme": scheme.name,
                "title": scheme.title,
                "properties": scheme.properties.as_dict(),
                "request_us": request_us,
                "request_iqr_us": p.get("request_iqr_us"),
                "ratio_to_none": round(request_us / none_us, 3) if request_us else None,
                "authenticate_us": p.get("lookup_us"),
                "authenticate_iqr_us": p.get("lookup_iqr_us"),
                "queries": p.get("queries"),
            }
        )
    return rows


def summary(run_id: str, stores: list[dict], quick: bool) -> dict[str, Any]:
    """A summary.json (schema 1): ``dimensions.scale``, and ``schemes`` from the first
    store at its largest size (full requests, so the report has its baseline)."""
    from lab.runs import SCHEMA_VERSION

    points = [p for s in stores for p in s["points"]]
    first = stores[0]
    provenance = dict(first["provenance"])
    provenance["stores"] = {
        s["store"]: {"server": s["server"], **s["provenance"]["database"]} for s in stores
    }
    largest = max(p["rows"] for p in first["points"])
    return {
        "schema_version": SCHEMA_VERSION,
        "run_id": run_id,
        "quick": quick,
        "provenance": provenance,
        "noise": {
            "baseline_start_us": None,
            "baseline_end_us": None,
            "drift_pct": None,
            "noisy": None,
        },
        "verification": first["verification"],
        "floor": {"bare_django_view_us": None, "bare_django_view_iqr_us": None},
        "schemes": scheme_rows(first),
        "dimensions": {"scale": points},
        "load": {"ran": False},
        "scale": {
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
    }


# --- Orchestration -----------------------------------------------------------------------------
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
    from lab import procs, services

    with tempfile.TemporaryDirectory(prefix="authlab-scale-") as tmp:
        folder, out = Path(tmp), Path(tmp) / "result.json"
        with services.postgres() if store == "postgres" else _nothing() as server:
            cmd = [
                sys.executable,
                "-m",
                "lab.scale",
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
    parser = argparse.ArgumentParser(prog="python -m lab.scale", description=__doc__)
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
        from lab.runs import atomic_write_json

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
    from lab import runs, services

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
    meta = {
        "servers": {r["store"]: r["server"] for r in results},
        "hasher_note": "MD5 password hasher so Basic's lookup is not buried under "
        "PBKDF2 (hash cost is the hashers dimension).",
    }
    points = data["dimensions"]["scale"]
    runs.atomic_write_json(run_dir / "summary.json", data)
    runs.atomic_write_text(run_dir / "scale.md", markdown(points, data["scale"]["verdicts"], meta))
    chart(points, run_dir / "charts" / "scale-by-store.svg")  # reports/ draws scale.svg
    _build_report(run_dir)
    runs.mark_complete(run_dir)
    print((run_dir / "scale.md").read_text())
    print(f"scale: done in {time.monotonic() - started:.0f} s -> {run_dir}")
    return 0


def _build_report(run_dir: Path) -> None:
    try:
        from reports.build import build_report
    except ImportError:
        print(
            "scale: reports.build not available yet; wrote summary.json, scale.md and "
            "charts/scale-by-store.svg only"
        )
        return
    build_report(run_dir, require_complete=False)  # marked complete right after


if __name__ == "__main__":
    sys.exit(main())
