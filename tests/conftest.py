"""Shared fixtures: a user with a known password, a transport, and a request helper
that sends exactly what a scheme's credential says — nothing from a cookie jar."""

from __future__ import annotations

import dataclasses
import fcntl
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from infra import services
from schemes import registry
from schemes.base import Credential, Scheme
from schemes.transports import DjangoClientTransport

PASSWORD = "correct-horse-battery-staple"
#: What pytest-xdist puts in a worker's environment (``make test`` runs ``pytest -n``).
ROOT = Path(__file__).resolve().parent.parent
XDIST_VARS = ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID")


def pytest_configure(config):
    """In an xdist worker, keep the worker's variables out of the processes tests start:
    a child pytest (the bench driver's suites, the PostgreSQL re-runs) that inherited
    ``PYTEST_XDIST_WORKER`` would take itself for a worker, and pytest-benchmark then
    turns timing off. Children run as they do from a serial ``pytest``."""
    if hasattr(config, "workerinput"):
        for name in XDIST_VARS:
            os.environ.pop(name, None)


def pytest_collection_modifyitems(config, items):
    """Under ``--dist loadgroup``, keep a module's tests on one xdist worker when they
    share a fixture of module scope (a gunicorn server, the valgrind runs, a module's
    PostgreSQL database): it is then set up once, as in a serial run. Other tests go to
    whichever worker is free.

    xdist's scheduler reads a group from a node ID's ``@<group>`` suffix and keys its
    queue by node ID. Its own ``xdist_group`` hook writes ``item._nodeid``, which pytest 9
    no longer reads, so the IDs are set here; and items sharing one ID (schemathesis
    gives every operation of a test the test's ID) get their own, else only the first
    would run."""
    if not config.getoption("loadgroup", False):  # set in xdist workers only
        return
    shared = Counter(item.nodeid for item in items)
    for item in items:
        nodeid = item.nodeid
        if shared[nodeid] > 1:
            nodeid = f"{item.parent.nodeid}::{item.name}"
        info = getattr(item, "_fixtureinfo", None)
        if info and any(map(shared_setup, info.name2fixturedefs.values())):
            nodeid += "@" + item.nodeid.partition("::")[0]
        if nodeid != item.nodeid:
            set_node_id(item, nodeid)


def set_node_id(item, nodeid: str) -> None:
    """Give ``item`` the node ID ``nodeid`` (pytest 9 keeps it parsed in ``_id``)."""
    if hasattr(item, "_id"):
        from _pytest.nodeid import NodeId

        item._id = NodeId.parse(nodeid)
    else:
        item._nodeid = nodeid


def shared_setup(defs) -> bool:
    """A fixture of ours (not a plugin's) set up once per module or class, that a test
    asks for (an autouse one, test_fuzz.py's example tally, costs nothing to repeat)."""
    last = defs[-1] if defs else None
    return bool(
        last
        and last.baseid  # "": a plugin's (pytest-django's per-class unittest hook)
        and last.scope in ("module", "package", "class")
        and not getattr(last, "_autouse", False)
    )


def scheme_params(*, exclude_baseline: bool = True, having: str | None = None) -> list:
    """Registry schemes as pytest params (ids = names), optionally with a flow view:
    ``having="login"`` / ``"logout"`` means the scheme's login / logout action,
    whatever it is called (OAuth2: ``token``, ``revoke``); any other name, that action."""
    wanted = {
        "login": lambda s: s.has_login,
        "logout": lambda s: s.has_logout,
    }.get(having, lambda s: having is None or having in s.actions)
    return [
        pytest.param(s, id=s.name)
        for s in registry.all_schemes()
        if not (exclude_baseline and s.is_baseline) and wanted(s)
    ]


@pytest.fixture
def raw_wsgi(db, monkeypatch):
    """Let tests call the WSGI application itself inside the test transaction.

    At the end of each request Django closes a connection that is not in
    autocommit mode; inside the test's transaction that would end the test (on
    PostgreSQL; SQLite in memory is exempt). Django's test client skips that for
    its own requests only (and reconnects the signal after each), so the close is
    made a no-op on the connection itself for the test's duration.
    """
    from django.db import connections

    for connection in connections.all():
        monkeypatch.setattr(connection, "close_if_unusable_or_obsolete", lambda: None)


@pytest.fixture(autouse=True)
def fresh_auth_cache():
    """Empty the cached variants' cache before each test: the test database is rolled
    back without signals, so entries of one test's users must not reach the next."""
    from django.core.cache import caches

    from schemes.caching import ALIAS

    caches[ALIAS].clear()


@pytest.fixture
def user(db):
    """An active user ``alice`` with :data:`PASSWORD`."""
    return get_user_model().objects.create_user("alice", "alice@example.com", PASSWORD)


@pytest.fixture
def transport():
    """An in-process transport that enforces CSRF and keeps no cookies."""
    return DjangoClientTransport()


class Caller:
    """Send requests to a scheme's endpoint with only the headers given."""

    def __init__(self):
        self.client = Client(enforce_csrf_checks=True)

    def __call__(
        self,
        scheme: Scheme,
        credential: Credential | None = None,
        method: str = "GET",
        headers: dict[str, str] | None = None,
        action: str = "whoami",
        data: dict | None = None,
    ):
        """Request ``scheme``'s ``action`` with the credential's headers (and extras)."""
        sent = {**(credential.headers_for(method) if credential else {}), **(headers or {})}
        self.client.cookies.clear()
        return self.client.generic(
            method,
            scheme.url(action),
            data=b"" if data is None else __import__("json").dumps(data),
            content_type="application/json",
            headers=sent,
        )


@pytest.fixture
def call():
    """A :class:`Caller`."""
    return Caller()


def expected_denial(scheme: Scheme) -> int:
    """401 when the scheme's first class sends a challenge, else 403 (DRF's rule)."""
    from rest_framework.test import APIRequestFactory

    first = scheme.authentication_classes[0]()
    challenge = first.authenticate_header(APIRequestFactory().get("/"))
    return 401 if challenge else 403


def answer_after(scheme: Scheme, transport, call, lifetime) -> tuple[int, object]:
    """Log alice in at a fixed instant; (status while fresh, the answer just after
    ``lifetime`` has passed), the clock frozen both times."""
    import datetime as dt

    import time_machine

    start = dt.datetime(2030, 1, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(start, tick=False):
        credential = scheme.obtain(transport, "alice", PASSWORD)
        fresh = call(scheme, credential).status_code
    with time_machine.travel(start + lifetime + dt.timedelta(seconds=1), tick=False):
        return fresh, call(scheme, credential)


# --- Throwaway stores, one of each per test session ----------------------------------------------
def start_service(factory):
    """Enter a :mod:`infra.services` manager; skip the test with what to install if it cannot."""
    try:
        return factory()
    except services.ServiceUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL cluster for this test session (never the developer's)."""
    manager = services.postgres()
    server = start_service(manager.__enter__)
    yield server
    manager.__exit__(None, None, None)


@pytest.fixture(scope="module")
def pg(pg_server, request):
    """The session's cluster, with a new database of this test module's own: one server
    start per session, and no module sees another's tables."""
    import psycopg
    from psycopg import sql

    name = "authlab_" + request.module.__name__.rsplit(".", 1)[-1]
    with psycopg.connect(pg_server.url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return dataclasses.replace(pg_server, url=pg_server.url.rsplit("/", 1)[0] + f"/{name}")


@pytest.fixture(scope="session")
def redis_server():
    """A throwaway redis-server for this test session."""
    manager = services.redis()
    server = start_service(manager.__enter__)
    yield server
    manager.__exit__(None, None, None)


# --- One migration per test session, copied for every lab a test serves ------------------------
@pytest.fixture(scope="session")
def migrated(request, tmp_path_factory):
    """``migrated(env)``: give the lab ``env`` describes a migrated, empty database.

    SQLite (lab/env.py's rule, :func:`loadtests.database.uses_sqlite`): a copy, by
    SQLite's backup API, of one file that ``manage.py migrate`` made once for the whole
    test session (the xdist workers share it, under a lock), instead of a migration of
    ~8 CPU s per served lab. Every settings module installs the same apps (lab/settings),
    so it is the schema each would migrate to. Any other database is migrated in place,
    as before. Migrating itself stays under test where it is the subject
    (tests/test_served_limits.py, tests/test_load_database.py, the bench driver's).
    """
    from loadtests.database import copy_sqlite, uses_sqlite

    root = tmp_path_factory.getbasetemp()
    if hasattr(request.config, "workerinput"):  # gw0, gw1...: their parent is the session's
        root = root.parent
    template = root / "migrated.sqlite3"

    def manage_migrate(env: dict[str, str]) -> None:
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True
        )

    def make_template() -> None:
        with (root / "migrated.lock").open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if template.exists():
                return
            part = root / "migrated.part.sqlite3"
            env = {k: v for k, v in os.environ.items() if k not in ("DB", "DATABASE_URL")}
            manage_migrate(
                {
                    **env,
                    "DJANGO_SETTINGS_MODULE": "lab.settings.bench",
                    "AUTHLAB_VAR_DIR": str(root / "migrated-var"),
                    "AUTHLAB_SQLITE_PATH": str(part),
                }
            )
            part.rename(template)

    def migrate(env: dict[str, str]) -> None:
        if not uses_sqlite(env):
            manage_migrate(env)
            return
        make_template()
        target = Path(env["AUTHLAB_SQLITE_PATH"])
        copy_sqlite(template, target)
        target.chmod(template.stat().st_mode & 0o777)  # private, as the lab makes its own

    return migrate
