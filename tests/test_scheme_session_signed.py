"""session-signed specifics: no session row, a signed cookie that logout cannot
revoke, and the db engine kept for ``session`` beside it."""

from __future__ import annotations

from django.contrib.sessions.models import Session

from schemes import registry
from tests.conftest import PASSWORD

SIGNED = registry.get("session-signed")
SESSION = registry.get("session")


def test_login_stores_no_session_row(user, transport, call):
    credential = SIGNED.obtain(transport, "alice", PASSWORD)
    assert Session.objects.count() == 0
    assert call(SIGNED, credential).json()["username"] == "alice"
    assert Session.objects.count() == 0


def test_the_session_scheme_keeps_the_db_engine(user, transport):
    SESSION.obtain(transport, "alice", PASSWORD)
    assert Session.objects.count() == 1


def test_cookies_do_not_cross_engines(user, transport, call):
    signed = SIGNED.obtain(transport, "alice", PASSWORD)
    db = SESSION.obtain(transport, "alice", PASSWORD)
    assert call(SESSION, signed).status_code == 403
    assert call(SIGNED, db).status_code == 403


def test_cookie_is_signed(user, transport, call):
    credential = SIGNED.obtain(transport, "alice", PASSWORD)
    value = credential.cookies["sessionid"]
    payload, _, signature = value.rpartition(":")
    credential.cookies["sessionid"] = f"{payload}:{'A' * len(signature)}"
    assert call(SIGNED, credential).status_code == 403


def test_captured_cookie_still_works_after_logout(user, transport, call):
    credential = SIGNED.obtain(transport, "alice", PASSWORD)
    reply = SIGNED.revoke(transport, credential)
    assert reply.status == 200
    # logout/ tells the client to drop the cookie; the server has nothing to delete.
    assert reply.cookies["sessionid"] == ""
    assert call(SIGNED, credential).json()["username"] == "alice"


def test_password_change_invalidates_the_cookie(user, transport, call):
    credential = SIGNED.obtain(transport, "alice", PASSWORD)
    user.set_password("a-new-correct-horse-battery")
    user.save()
    assert call(SIGNED, credential).status_code == 403
