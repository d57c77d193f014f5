"""Drive the system's Chromium (Debian ``chromium``) with Playwright against a lab
served by gunicorn, and record every request the browser makes.

Nothing here downloads a browser: Playwright is pointed at ``/usr/bin/chromium``.
When it is missing, the tests skip and say how to install it.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from infra import procs

CHROMIUM = Path("/usr/bin/chromium")
INSTALL_HINT = "sudo apt-get install chromium (or: make system-deps)"
#: Headless, and quiet: no GPU, no QUIC, no first-run, update, sync or background fetches.
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOST = "127.0.0.1"
ROOT = Path(__file__).resolve().parent.parent


@contextlib.contextmanager
def launched_chromium() -> Iterator:
    """The system Chromium, headless with :data:`FLAGS`, driven by Playwright (nothing
    downloaded); closed on the way out."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield browser
        browser.close()


def require_chromium() -> None:
    """Skip the calling test when the system Chromium or Playwright is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium not found at {CHROMIUM}: {INSTALL_HINT}")
    pytest.importorskip("playwright.sync_api", reason="pip install playwright (dev extra)")


@dataclass
class Traffic:
    """Every URL the browser requested, and the requests that failed."""

    urls: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def off_host(self) -> list[str]:
        """URLs that would have left 127.0.0.1 (data: and blob: never leave)."""
        return [
            url
            for url in self.urls
            if urlsplit(url).scheme not in {"data", "blob"} and urlsplit(url).hostname != LOCAL_HOST
        ]


def record(context, traffic: Traffic) -> None:
    """Record every request of ``context``; abort any bound elsewhere than 127.0.0.1."""
    context.on("request", lambda request: traffic.urls.append(request.url))
    context.on("requestfailed", lambda request: traffic.failed.append(request.url))

    def only_local(route):
        if urlsplit(route.request.url).hostname == LOCAL_HOST:
            route.continue_()
        else:
            route.abort()

    context.route("**/*", only_local)


def _manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True
    )


@contextlib.contextmanager
def served_lab(tmp: Path, migrate: Callable[[dict[str, str]], None]) -> Iterator[str]:
    """Serve the lab as deployed (serve settings, DEBUG off, WhiteNoise) on a free port
    of 127.0.0.1, with its own SQLite file and secrets in ``tmp`` (migrated by
    ``migrate``: tests/conftest.py's ``migrated``) and ``user1`` seeded."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lab.settings.serve",
        "AUTHLAB_SQLITE_PATH": str(tmp / "browser.sqlite3"),
        "AUTHLAB_VAR_DIR": str(tmp),
    }
    migrate(env)
    _manage(env, "seed_users", "--count", "1")
    with procs.gunicorn(LOCAL_HOST, env=env, workers=1) as base_url:
        yield base_url
