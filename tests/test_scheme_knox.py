"""knox specifics: expiry, logout one vs all, many tokens per user, digest at rest."""

from __future__ import annotations

import datetime as dt

from knox.models import AuthToken

from schemes import registry
from tests.conftest import PASSWORD, answer_after

KNOX = registry.get("knox")


def test_expired_token_is_refused(user, transport, call):
    fresh, response = answer_after(KNOX, transport, call, dt.timedelta(hours=10))
    assert fresh == 200
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_each_login_is_a_separate_token(user, transport, call):
    first = KNOX.obtain(transport, "alice", PASSWORD)
    second = KNOX.obtain(transport, "alice", PASSWORD)
    assert first.headers != second.headers
    assert AuthToken.objects.filter(user=user).count() == 2
    assert KNOX.revoke(transport, first).status == 204
    assert call(KNOX, first).status_code == 401
    assert call(KNOX, second).status_code == 200


def test_logoutall_revokes_every_token_of_the_user(user, transport, call):
    tokens = [KNOX.obtain(transport, "alice", PASSWORD) for _ in range(3)]
    reply = transport.post(KNOX.url("logoutall"), {}, tokens[0].headers_for("POST"))
    assert reply.status == 204
    assert all(call(KNOX, t).status_code == 401 for t in tokens)
    assert not AuthToken.objects.filter(user=user).exists()


def test_only_a_digest_is_stored(user, transport):
    credential = KNOX.obtain(transport, "alice", PASSWORD)
    token = credential.headers["Authorization"].removeprefix("Token ")
    row = AuthToken.objects.get(user=user)
    assert token not in (row.digest, row.token_key)
    assert token.startswith(row.token_key)  # only the lookup prefix is kept


def test_logout_views_refuse_non_utf8_tokens_cleanly(db, call):
    # knox's own views would 500 here (UnicodeDecodeError in knox 5.1).
    for action in ("logout", "logoutall"):
        response = call(
            KNOX, method="POST", action=action, headers={"Authorization": "Token \xff\xfe"}
        )
        assert response.status_code == 401
        assert response.json()["detail"]
