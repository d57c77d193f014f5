"""``make browser-claims``: the notes' browser claims measured in real Chromium
(Playwright, the system's ``/usr/bin/chromium``) against the lab under gunicorn on
127.0.0.1, written as ``browser_claims.json`` into a run folder the report reads.

Usage: ``python -m benchmarks.browser_claims [--out RUN]`` (default reports/out/latest).
The second origin (``http://localhost:<port>``, another site than 127.0.0.1) is a page
Playwright serves itself; the lab allows it, and only it, through django-cors-headers.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from benchmarks.producer import run_folder
from infra import procs
from results.runs import atomic_write_json
from tests.browser import CHROMIUM, FLAGS, LOCAL_HOST, ROOT

OUT_FILE = "browser_claims.json"
#: The public things a logged-in browser fetches: the baseline endpoint and a static file.
PUBLIC = {"none whoami": "/api/v1/none/whoami/", "static file": "/static/rest_framework/js/csrf.js"}
#: How far the cookie and localStorage probes go (bytes / characters).
COOKIE_PROBE_MAX, STORAGE_CHUNK = 16_384, 1 << 20


def available() -> str | None:
    """Why the evidence cannot be produced here (None: Chromium and Playwright present)."""
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM} (make system-deps)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright not installed (pip install -e .[dev])"
    return None


@contextlib.contextmanager
def front_end(tmp: Path) -> Iterator[str]:
    """A second origin: a static page served on 127.0.0.1, reached as ``localhost``
    (another site for the browser; a real loopback server, so Chromium's local-network
    checks treat it as what a developer's front end is)."""
    root = tmp / "front"
    root.mkdir()
    (root / "index.html").write_text("<!doctype html><title>front end</title>front end\n")
    port = procs.free_port(LOCAL_HOST)
    proc = procs.spawn(
        [sys.executable, "-m", "http.server", "--bind", LOCAL_HOST, "--directory", str(root),
         str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        procs.wait_http(f"http://{LOCAL_HOST}:{port}/", proc=proc)
        yield f"http://localhost:{port}"
    finally:
        procs.stop(proc)


@contextlib.contextmanager
def served(tmp: Path, front_origin: str):
    """The lab as deployed on a free 127.0.0.1 port, allowing CORS from ``front_origin``."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lab.settings.serve",
        "AUTHLAB_SQLITE_PATH": str(tmp / "claims.sqlite3"),
        "AUTHLAB_VAR_DIR": str(tmp),
        "AUTHLAB_CORS_ORIGINS": front_origin,
    }
    for args in (["migrate", "--noinput", "-v0"], ["seed_users", "--count", "1"]):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)
    with procs.gunicorn(LOCAL_HOST, env=env, workers=1) as base_url:
        yield base_url


def _token(api: str, username: str, password: str) -> str:
    body = json.dumps({"username": username, "password": password}).encode()
    request = urllib.request.Request(
        f"{api}/api/v1/token/login/", body, {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)["token"]


def _login(page, api: str, username: str, password: str) -> None:
    """A session login through the browsable API's form, as a person does it."""
    whoami = "/api/v1/session/whoami/"
    page.goto(f"{api}/api-auth/login/?next={whoami}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{api}{whoami}")


def _sent_cookie(page, url: str, script: str, arg: Any = None) -> tuple[str, Any]:
    """Run ``script`` in ``page``; return the Cookie header Chromium sent to ``url``."""
    with page.expect_request(lambda r: r.url == url) as info:
        result = page.evaluate(script, arg)
    return info.value.all_headers().get("cookie", ""), result


FETCH = """async ([url, headers, credentials]) => {
    try {
        const r = await fetch(url, {headers, credentials, cache: "no-store"});
        return r.status;
    } catch (e) { return 0; }  // refused by CORS: the page may not read the answer
}"""


def cross_origin(page, api: str, front: str, token: str) -> dict[str, Any]:
    """Claim 4: from a page on ``front``, the session cookie and a header token."""
    page.goto(f"{front}/")
    session_url = f"{api}/api/v1/session/whoami/"
    cookie, readable = _sent_cookie(page, session_url, FETCH, [session_url, {}, "include"])
    token_url = f"{api}/api/v1/token/whoami/"
    token_status = page.evaluate(FETCH, [token_url, {"Authorization": f"Token {token}"}, "omit"])
    return {
        "api_origin": api,
        "front_origin": front,
        "samesite": "Lax",
        "cors_allowed_origin": front,
        "session_cookie_sent": "sessionid=" in cookie,
        # The answer as the page got it: 0 when CORS refused to hand it over.
        "session_status": readable,
        "token_status": token_status,
    }


def public_urls(page, api: str) -> dict[str, Any]:
    """Claim 6: the Cookie header on public requests after a session login."""
    out = {}
    for label, path in PUBLIC.items():
        cookie, _ = _sent_cookie(page, f"{api}{path}", FETCH, [f"{api}{path}", {}, "same-origin"])
        out[label] = len(f"Cookie: {cookie}\r\n") if cookie else 0
    return {"cookie_bytes": out}


LARGEST_COOKIE = """(limit) => {
    let low = 1, high = limit;
    while (low < high) {  // the longest value Chromium keeps in one cookie named big
        const mid = Math.ceil((low + high) / 2);
        document.cookie = "big=" + "x".repeat(mid) + "; path=/";
        if (document.cookie.includes("x".repeat(mid))) low = mid; else high = mid - 1;
    }
    document.cookie = "big=" + "x".repeat(low) + "; path=/";
    return ("big=" + "x".repeat(low)).length;
}"""

FILL_STORAGE = """(chunk) => {
    localStorage.clear();
    let stored = 0, size = chunk;
    while (size >= 1) {
        try { localStorage.setItem("k" + stored, "x".repeat(size)); stored += 1; }
        catch (e) { size = Math.floor(size / 2); }
    }
    let total = 0;
    for (let i = 0; i < localStorage.length; i++) {
        const key = localStorage.key(i); total += key.length + localStorage.getItem(key).length;
    }
    return total;
}"""


def storage(page, api: str) -> dict[str, Any]:
    """Claim 7: the largest cookie kept and what it adds; localStorage's capacity."""
    page.goto(f"{api}/api/v1/none/whoami/")
    largest = page.evaluate(LARGEST_COOKIE, COOKIE_PROBE_MAX)
    url = f"{api}{PUBLIC['none whoami']}"
    cookie, _ = _sent_cookie(page, url, FETCH, [url, {}, "same-origin"])
    big = next((c for c in cookie.split("; ") if c.startswith("big=")), "")
    stored = page.evaluate(FILL_STORAGE, STORAGE_CHUNK)
    cookie_after, _ = _sent_cookie(page, url, FETCH, [url, {}, "same-origin"])
    page.evaluate("() => { localStorage.clear(); document.cookie = 'big=; max-age=0; path=/'; }")
    return {
        "largest_cookie_bytes": largest,
        "cookie_request_bytes": len(f"; {big}") if big else 0,
        "local_storage_bytes": stored,
        "local_storage_request_bytes": max(0, len(cookie_after) - len(cookie)),
    }


INJECTED = """async (url) => {  // what a script injected into the lab's page can do
    const cookies = document.cookie;
    const status = (await fetch(url, {credentials: "same-origin"})).status;
    return {
        reads_local_storage: localStorage.getItem("access") !== null,
        reads_plain_cookie: cookies.includes("plain="),
        reads_httponly_cookie: cookies.includes("sessionid="),
        rides_session_status: status,
    };
}"""


def xss(page, api: str, token: str) -> dict[str, Any]:
    """Claim 8: an injected script against localStorage, a plain and an HttpOnly cookie."""
    page.goto(f"{api}/api/v1/none/whoami/")
    keep = "(t) => { localStorage.setItem('access', t); document.cookie = `plain=${t}; path=/`; }"
    page.evaluate(keep, token)
    got = page.evaluate(INJECTED, f"{api}/api/v1/session/whoami/")
    page.evaluate("() => { localStorage.clear(); document.cookie = 'plain=; max-age=0; path=/'; }")
    return got


def measure() -> dict[str, Any]:
    """Serve the lab, drive Chromium through the four pieces, return the evidence."""
    from playwright.sync_api import sync_playwright

    from lab.seed import SEED_PASSWORD, seed_username

    user = seed_username(1)
    with contextlib.ExitStack() as stack:
        tmp = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="authlab-browser-")))
        front = stack.enter_context(front_end(tmp))
        api = stack.enter_context(served(tmp, front))
        playwright = stack.enter_context(sync_playwright())
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        stack.callback(browser.close)
        context = browser.new_context()
        context.set_default_timeout(30_000)
        page = context.new_page()
        _login(page, api, user, SEED_PASSWORD)
        token = _token(api, user, SEED_PASSWORD)
        return {
            "provenance": {"chromium": browser.version, "api": api, "front": front},
            "public_urls": public_urls(page, api),
            "xss": xss(page, api, token),
            "storage": storage(page, api),
            "cross_origin": cross_origin(page, api, front, token),
        }


def main(argv: list[str] | None = None) -> int:
    """Measure and write ``browser_claims.json`` into the run folder."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default="reports/out/latest", help="run folder")
    args = parser.parse_args(argv)
    run_dir = run_folder(args.out, available, "browser claims")
    if run_dir is None:
        return 2
    atomic_write_json(run_dir / OUT_FILE, measure())
    print(f"browser claims: {run_dir / OUT_FILE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
