"""The tuned variants (issue 17): what each caches and never caches, how it is
evicted, and the lookups they replace. The contract suite covers the rest."""

from __future__ import annotations

import base64
import datetime as dt
import json
import pickle

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.authtoken.models import Token

from schemes import caching, registry
from tests.conftest import PASSWORD

VARIANTS = [s for s in registry.all_schemes() if s.variant_of]


def cache_dump() -> list[tuple[str, bytes]]:
    """Every (key, pickled value) in the ``auth`` cache (local memory only)."""
    backend = caches[caching.ALIAS]
    if not hasattr(backend, "_cache"):
        pytest.skip("inspects the local-memory backend")
    return [(key, bytes(value)) for key, value in backend._cache.items()]


def assert_never_cached(secret: str) -> None:
    """``secret`` appears in no cache key and no cached value."""
    dump = cache_dump()
    assert dump, "the cache is empty: nothing was tested"
    for key, value in dump:
        assert secret not in key
        assert secret.encode() not in value
        assert secret not in repr(pickle.loads(value))


def test_variants_name_a_stock_scheme_and_every_scheme_states_its_delay():
    assert {s.name for s in VARIANTS} >= {
        "token-cached",
        "knox-direct",
        "basic-cached",
        "session-cache",
        "jwt-short",
    }
    for variant in VARIANTS:
        stock = registry.get(variant.variant_of)
        assert stock.variant_of is None
        assert variant.properties.security_cost
    for scheme in registry.all_schemes():
        delay = scheme.properties.revocation_delay_s
        assert delay is None or (isinstance(delay, int | float) and delay >= 0), scheme


def test_index_carries_variant_of_and_the_delay(db, client):
    index = {e["name"]: e for e in client.get("/api/v1/schemes/").json()}
    assert index["token-cached"]["variant_of"] == "token"
    assert index["token"]["variant_of"] is None
    assert index["jwt-short"]["properties"]["revocation_delay_s"] == 60
    assert index["jwt-stateless"]["properties"]["revocation_delay_s"] == 300


# --- token-cached -------------------------------------------------------------------------------
def test_token_cache_holds_an_hmac_of_the_key_never_the_key(user, transport, call):
    scheme = registry.get("token-cached")
    credential = scheme.obtain(transport, "alice", PASSWORD)
    key = credential.headers["Authorization"].removeprefix("Token ")
    assert call(scheme, credential).status_code == 200
    assert_never_cached(key)
    assert_never_cached(user.password)  # the row is cached without its hash
    assert any(k.endswith(caching.keyed_hash("token", key)) for k, _ in cache_dump())


def test_a_deleted_token_is_evicted_at_once(user, transport, call):
    scheme = registry.get("token-cached")
    credential = scheme.obtain(transport, "alice", PASSWORD)
    assert call(scheme, credential).status_code == 200
    Token.objects.filter(user=user).delete()  # the admin, not logout/: the signal evicts
    assert call(scheme, credential).status_code == 401


def test_a_saved_user_is_evicted_at_once(user, transport, call):
    scheme = registry.get("token-cached")
    credential = scheme.obtain(transport, "alice", PASSWORD)
    assert call(scheme, credential).status_code == 200
    user.is_active = False
    user.save()
    assert call(scheme, credential).status_code == 401


def test_a_login_elsewhere_does_not_evict(user, transport, call, django_assert_num_queries):
    scheme = registry.get("token-cached")
    credential = scheme.obtain(transport, "alice", PASSWORD)
    assert call(scheme, credential).status_code == 200
    registry.get("knox").obtain(transport, "alice", PASSWORD)  # saves last_login only
    with django_assert_num_queries(0):
        assert call(scheme, credential).status_code == 200


def test_a_wrong_key_is_not_cached(db, call, django_assert_num_queries):
    scheme = registry.get("token-cached")
    for _ in range(2):
        with django_assert_num_queries(1):
            response = call(scheme, headers={"Authorization": "Token " + "0" * 40})
        assert response.status_code == 401
    assert not cache_dump_or_empty()


def cache_dump_or_empty() -> list:
    backend = caches[caching.ALIAS]
    return list(getattr(backend, "_cache", {}).items())


# --- basic-cached -------------------------------------------------------------------------------
def basic(username: str, password: str) -> dict[str, str]:
    return {
        "Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
    }


def test_basic_cache_never_holds_the_password_or_its_hash(user, call):
    scheme = registry.get("basic-cached")
    assert call(scheme, headers=basic("alice", PASSWORD)).status_code == 200
    assert_never_cached(PASSWORD)
    assert_never_cached(user.password)


def test_a_password_change_is_seen_at_once_on_this_server(user, call):
    scheme = registry.get("basic-cached")
    assert call(scheme, headers=basic("alice", PASSWORD)).status_code == 200
    user.set_password("a-new-password-for-alice-7")
    user.save()
    assert call(scheme, headers=basic("alice", PASSWORD)).status_code == 401
    assert call(scheme, headers=basic("alice", "a-new-password-for-alice-7")).status_code == 200


def test_a_wrong_password_is_checked_every_time(user, call):
    scheme = registry.get("basic-cached")
    counts = []
    for _ in range(2):
        with CaptureQueriesContext(connection) as queries:
            assert call(scheme, headers=basic("alice", "wrong")).status_code == 401
        counts.append(len(queries))
    assert counts[0] == counts[1] > 0  # every backend reads the user again: no cache
    assert not cache_dump_or_empty()


def test_a_cached_user_cannot_blank_its_password_on_save(user, call):
    restored = caching.restore_user(caching.snapshot_user(user))
    restored.first_name = "Alice"
    restored.save()
    user.refresh_from_db()
    assert user.first_name == "Alice"
    assert user.check_password(PASSWORD)


# --- session-cache ------------------------------------------------------------------------------
def test_session_cache_runs_cached_db_beside_the_db_engine(user, transport, call):
    cached = registry.get("session-cache").obtain(transport, "alice", PASSWORD)
    plain = registry.get("session").obtain(transport, "alice", PASSWORD)
    name = settings.SESSION_COOKIE_NAME
    keys = [k for k, _ in cache_dump()]
    assert any(k.endswith(cached.cookies[name]) for k in keys), "session-cache: in the cache"
    assert not any(k.endswith(plain.cookies[name]) for k in keys), "session: db engine only"
    assert Session.objects.filter(session_key=cached.cookies[name]).exists()  # cached_db


def test_session_cache_user_entry_holds_no_password_hash(user, transport, call):
    scheme = registry.get("session-cache")
    credential = scheme.obtain(transport, "alice", PASSWORD)
    assert call(scheme, credential).status_code == 200
    assert_never_cached(user.password)


def test_session_cache_password_change_logs_out_at_once(user, transport, call):
    scheme = registry.get("session-cache")
    credential = scheme.obtain(transport, "alice", PASSWORD)
    assert call(scheme, credential).status_code == 200
    user.set_password("a-new-password-for-alice-7")
    user.save()
    assert call(scheme, credential).status_code == 403


def test_session_cache_entries_live_at_most_the_ttl(user, transport):
    scheme = registry.get("session-cache")
    scheme.obtain(transport, "alice", PASSWORD)
    deadlines = [pickle.loads(v)[0] for _, v in cache_dump()]
    assert deadlines
    assert max(deadlines) <= timezone.now().timestamp() + caching.TTL_S + 1


# --- knox-direct --------------------------------------------------------------------------------
def test_knox_direct_is_one_query_whatever_the_tokens_per_user(
    user, transport, call, django_assert_num_queries
):
    scheme = registry.get("knox-direct")
    for _ in range(50):
        AuthToken.objects.create(user)
    credential = scheme.obtain(transport, "alice", PASSWORD)
    with django_assert_num_queries(1):
        assert call(scheme, credential).status_code == 200


def test_knox_direct_refuses_and_deletes_an_expired_token(user, call):
    scheme = registry.get("knox-direct")
    instance, token = AuthToken.objects.create(user, expiry=dt.timedelta(seconds=-1))
    response = call(scheme, headers={"Authorization": f"Token {token}"})
    assert response.status_code == 401
    assert not AuthToken.objects.filter(digest=instance.digest).exists()


def test_knox_direct_login_deletes_the_users_expired_tokens(user, transport):
    expired, _ = AuthToken.objects.create(user, expiry=dt.timedelta(seconds=-1))
    live, _ = AuthToken.objects.create(user)
    registry.get("knox-direct").obtain(transport, "alice", PASSWORD)
    assert not AuthToken.objects.filter(digest=expired.digest).exists()
    assert AuthToken.objects.filter(digest=live.digest).exists()


# --- jwt-short ----------------------------------------------------------------------------------
def claims(credential) -> dict:
    token = credential.headers["Authorization"].removeprefix("Bearer ")
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_jwt_short_access_lives_60_s_and_is_its_own_type(user, transport, call):
    short = registry.get("jwt-short")
    stock = registry.get("jwt-stateless")
    with time_machine.travel(dt.datetime(2030, 1, 1, tzinfo=dt.UTC), tick=False):
        short_credential = short.obtain(transport, "alice", PASSWORD)
        stock_credential = stock.obtain(transport, "alice", PASSWORD)
        payload = claims(short_credential)
        assert payload["exp"] - payload["iat"] == 60
        assert payload["token_type"] == "access_short"
        # A five-minute token must not pass where the delay is promised to be 60 s.
        assert call(short, stock_credential).status_code == 401
        assert call(stock, short_credential).status_code == 401


def test_jwt_short_refresh_mints_a_short_access_token(user, transport, call):
    scheme = registry.get("jwt-short")
    credential = scheme.obtain(transport, "alice", PASSWORD)
    reply = transport.post(scheme.url("refresh"), {"refresh": credential.extra["refresh"]}, {})
    assert reply.status == 200
    refreshed = type(credential)(headers={"Authorization": f"Bearer {reply.body['access']}"})
    assert claims(refreshed)["token_type"] == "access_short"
    assert call(scheme, refreshed).status_code == 200


def test_jwt_short_refresh_refuses_a_deactivated_user(user, transport):
    scheme = registry.get("jwt-short")
    credential = scheme.obtain(transport, "alice", PASSWORD)
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)
    reply = transport.post(scheme.url("refresh"), {"refresh": credential.extra["refresh"]}, {})
    assert reply.status == 401


def test_keyed_hash_is_salted_hmac_with_its_key_derived_once(settings):
    """The cached variants' cache keys are exactly Django's salted_hmac (SHA-256): the
    derived key is cached per salt and secret, and a new SECRET_KEY gives new keys."""
    import json

    from django.utils.crypto import salted_hmac

    def expected(purpose, *parts):
        mac = salted_hmac(f"authlab.{purpose}", json.dumps(parts), algorithm="sha256")
        return f"{purpose}:{mac.hexdigest()}"

    assert caching.keyed_hash("basic", "user1", "pw") == expected("basic", "user1", "pw")
    before = caching.keyed_hash("token", "k" * 40)
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789abcdef"
    assert caching.keyed_hash("token", "k" * 40) == expected("token", "k" * 40) != before
