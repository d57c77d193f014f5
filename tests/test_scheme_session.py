"""Session specifics: CSRF on unsafe methods, cookies set at login, logout."""

from __future__ import annotations

from schemes import registry
from tests.conftest import PASSWORD

SESSION = registry.get("session")


def test_login_sets_session_and_csrf_cookies(user, call):
    response = call(
        SESSION,
        method="POST",
        action="login",
        data={"username": "alice", "password": PASSWORD},
        headers=SESSION.login_headers(),
    )
    assert response.status_code == 200
    session, csrf = response.cookies["sessionid"], response.cookies["csrftoken"]
    assert session.value and csrf.value
    assert session["httponly"] is True  # scripts cannot read the session cookie
    assert session["samesite"] == csrf["samesite"] == "Lax"


def test_post_without_csrf_header_is_forbidden(user, transport, call):
    credential = SESSION.obtain(transport, "alice", PASSWORD)
    credential.unsafe_headers.clear()
    response = call(SESSION, credential, "POST", data={"x": 1})
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_post_with_wrong_csrf_header_is_forbidden(user, transport, call):
    credential = SESSION.obtain(transport, "alice", PASSWORD)
    credential.unsafe_headers["X-CSRFToken"] = "x" * 32
    assert call(SESSION, credential, "POST", data={}).status_code == 403


def test_post_with_csrf_header_is_allowed(user, transport, call):
    credential = SESSION.obtain(transport, "alice", PASSWORD)
    assert "X-CSRFToken" in credential.headers_for("POST")
    assert call(SESSION, credential, "POST", data={}).status_code == 200


def test_get_needs_no_csrf_header(user, transport, call):
    credential = SESSION.obtain(transport, "alice", PASSWORD)
    assert "X-CSRFToken" not in credential.headers_for("GET")
    assert call(SESSION, credential).status_code == 200


def test_logout_needs_csrf_too(user, transport, call):
    credential = SESSION.obtain(transport, "alice", PASSWORD)
    credential.unsafe_headers.clear()
    assert call(SESSION, credential, "POST", action="logout").status_code == 403
    assert call(SESSION, credential).status_code == 200  # still logged in
