"""A real browser against the served lab: Swagger UI loads with no request leaving
127.0.0.1, and a person logs in through the browsable API and sees the session
scheme's ``whoami/`` name them.

The lab runs in its own gunicorn process with its own SQLite file, so these tests
never touch Django's database from the thread where Playwright's sync API runs its
event loop: Django's async-safety check is never tripped and
``DJANGO_ALLOW_ASYNC_UNSAFE`` is not needed.
"""

from __future__ import annotations

import json

import pytest

from lab.seed import SEED_PASSWORD, seed_username
from tests.browser import Traffic, launched_chromium, record, require_chromium, served_lab

pytestmark = pytest.mark.browser
USERNAME = seed_username(1)


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory, migrated):
    """Base URL of a lab served by gunicorn on 127.0.0.1 for this module."""
    require_chromium()
    with served_lab(tmp_path_factory.mktemp("browser-lab"), migrated) as base_url:
        yield base_url


@pytest.fixture(scope="module")
def chromium(lab_url):
    """The system Chromium, headless, driven by Playwright (nothing downloaded)."""
    with launched_chromium() as browser:
        yield browser


@pytest.fixture
def page(chromium):
    """A fresh page (own cookies) whose every request is recorded in ``page.traffic``."""
    context = chromium.new_context()
    context.set_default_timeout(30_000)
    traffic = Traffic()
    record(context, traffic)
    page = context.new_page()
    page.traffic = traffic
    yield page
    context.close()


def test_swagger_ui_loads_everything_from_the_lab(page, lab_url):
    page.goto(f"{lab_url}/api/v1/docs/")
    # Swagger UI fetched the schema and rendered one operation per scheme endpoint.
    page.locator(".opblock-summary-path", has_text="/api/v1/basic/whoami/").first.wait_for()
    page.locator(".opblock-summary-path", has_text="/api/v1/dj-rest-auth/login/").wait_for()
    page.wait_for_load_state("networkidle")
    assert page.traffic.off_host() == []
    assert page.traffic.failed == []
    assert f"{lab_url}/api/v1/schema/" in page.traffic.urls
    assert any("/static/drf_spectacular_sidecar/" in url for url in page.traffic.urls)


def test_log_in_through_the_browsable_api_and_use_the_session(page, lab_url):
    whoami = "/api/v1/session/whoami/"
    page.goto(f"{lab_url}/api-auth/login/?next={whoami}")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", SEED_PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"{lab_url}{whoami}")
    # The browsable API renders the response body; it names the user and the scheme.
    body = page.get_by_label("response info").inner_text()
    assert f'"username": "{USERNAME}"' in body
    assert '"scheme": "session"' in body

    # From the page's own JavaScript: a write needs the CSRF header beside the cookie.
    post = """async ([url, csrf]) => {
        const headers = {"Content-Type": "application/json", "Accept": "application/json"};
        if (csrf) {
            headers["X-CSRFToken"] = document.cookie.match(/csrftoken=([^;]+)/)[1];
        }
        const r = await fetch(url, {method: "POST", headers, body: '{"from": "browser"}'});
        return [r.status, await r.text()];
    }"""
    status, text = page.evaluate(post, [whoami, True])
    assert status == 200, text
    assert json.loads(text) == {
        "username": USERNAME,
        "scheme": "session",
        "echo": {"from": "browser"},
    }
    status, text = page.evaluate(post, [whoami, False])
    assert status == 403, text
    assert "CSRF" in json.loads(text)["detail"]
    assert page.traffic.off_host() == []


def test_wrong_password_stays_on_the_login_form(page, lab_url):
    page.goto(f"{lab_url}/api-auth/login/?next=/api/v1/session/whoami/")
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password]", "not-the-password")
    page.click("input[type=submit]")
    page.locator("input[name=password]").wait_for()
    assert "/api-auth/login/" in page.url
    fetch = "async (url) => (await fetch(url, {headers: {Accept: 'application/json'}})).status"
    status = page.evaluate(fetch, "/api/v1/session/whoami/")
    assert status == 403  # no session was started
