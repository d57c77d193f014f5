"""api-key specifics: only a hash at rest, one key per login, revocation is one-way,
expiry, and the lookup is by prefix."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from schemes import registry
from schemes.apps.apikey.models import UserAPIKey
from schemes.base import Credential
from tests.conftest import PASSWORD

API_KEY = registry.get("api-key")


def key_of(credential: Credential) -> str:
    return credential.headers["Authorization"].removeprefix("Api-Key ")


def api_key(value: str) -> Credential:
    return Credential(headers={"Authorization": f"Api-Key {value}"})


def test_only_prefix_and_hash_are_stored(user, transport, call):
    key = key_of(API_KEY.obtain(transport, "alice", PASSWORD))
    row = UserAPIKey.objects.get(user=user)
    prefix, _, secret = key.partition(".")
    assert row.prefix == prefix
    assert row.hashed_key.startswith("sha512$$") and secret not in row.hashed_key
    # The stored values, sent as keys, authenticate nobody (a leaked table is no key).
    for stored in (row.hashed_key, row.id, f"{row.prefix}.{row.hashed_key}"):
        assert call(API_KEY, api_key(stored)).status_code == 401


def test_right_prefix_wrong_secret_is_refused(user, transport, call):
    key = key_of(API_KEY.obtain(transport, "alice", PASSWORD))
    prefix, _, secret = key.partition(".")
    response = call(API_KEY, api_key(f"{prefix}.{secret[::-1]}"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Api-Key"


def test_each_login_is_a_separate_key_and_logout_revokes_only_it(user, transport, call):
    first = API_KEY.obtain(transport, "alice", PASSWORD)
    second = API_KEY.obtain(transport, "alice", PASSWORD)
    assert UserAPIKey.objects.filter(user=user).count() == 2
    assert API_KEY.revoke(transport, first).status == 200
    assert call(API_KEY, first).status_code == 401
    assert call(API_KEY, second).status_code == 200
    revoked = UserAPIKey.objects.get(prefix=key_of(first).partition(".")[0])
    revoked.revoked = False
    with pytest.raises(ValidationError):  # the library: revocation cannot be undone
        revoked.save()


def test_expired_key_is_refused(user, transport, call):
    credential = API_KEY.obtain(transport, "alice", PASSWORD)
    UserAPIKey.objects.filter(user=user).update(
        expiry_date=timezone.now() - dt.timedelta(seconds=1)
    )
    response = call(API_KEY, credential)
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]
