"""DRF authtoken specifics: one key per user, no expiry, logout deletes it."""

from __future__ import annotations

import datetime as dt

import time_machine
from rest_framework.authtoken.models import Token

from schemes import registry
from tests.conftest import PASSWORD

TOKEN = registry.get("token")


def test_one_key_per_user_shared_by_every_login(user, transport, call):
    first = TOKEN.obtain(transport, "alice", PASSWORD)
    second = TOKEN.obtain(transport, "alice", PASSWORD)
    assert first.headers == second.headers
    assert Token.objects.filter(user=user).count() == 1
    TOKEN.revoke(transport, first)
    assert call(TOKEN, second).status_code == 401  # one logout logs out every client


def test_key_never_expires(user, transport, call):
    credential = TOKEN.obtain(transport, "alice", PASSWORD)
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(days=3650)):
        assert call(TOKEN, credential).status_code == 200
