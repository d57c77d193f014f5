"""The suites' credentials (benchmarks/timing.py ``Credentials``): logged in on an MD5
account where the login is not the figure, with the stored hash put back; a Django
session, bound to the hash it was made under, is then bound to the real one as a
password change does (infra/inprocess.py ``rebind_session``), with no real-hash login."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from benchmarks.harness import WSGIClient, WSGITransport, flow_account
from benchmarks.timing import Credentials
from infra.inprocess import answers, flow_credential, rebind_session
from lab.seed import SEED_PASSWORD, seed_users
from schemes import registry

USERNAME = "user1"


@pytest.fixture
def pbkdf2_account(db, settings):
    """user1 stored with a real (slow-hasher) hash, that hasher preferred, as under
    ``make bench``; yields the stored hash."""
    pbkdf2 = settings.PASSWORD_HASHER_CHOICES["pbkdf2"]
    settings.PASSWORD_HASHERS = [pbkdf2, *(h for h in settings.PASSWORD_HASHERS if h != pbkdf2)]
    seed_users(1)
    yield get_user_model()._default_manager.get(username=USERNAME).password


def stored() -> str:
    return get_user_model()._default_manager.get(username=USERNAME).password


def test_the_flow_account_is_swapped_in_and_put_back(pbkdf2_account):
    with flow_account(USERNAME):
        assert stored().startswith("md5$")
    assert stored() == pbkdf2_account


@pytest.mark.parametrize("name", ["token", "session"])
def test_a_credential_answers_and_the_stored_hash_is_the_real_one(pbkdf2_account, name):
    """token: kept from the MD5 login; session: bound to the MD5 hash, refused once the
    real one is back, so bound to it; either way it answers as the user."""
    scheme, client = registry.get(name), WSGIClient()
    credential = Credentials(client).get(scheme, USERNAME)
    answer = client.request("GET", scheme.url("whoami"), credential.headers_for("GET"))
    assert (answer.status, answer.json()["username"]) == (200, USERNAME)
    assert stored() == pbkdf2_account


#: The schemes whose credential is a Django session (cookie, or headless's token).
SESSIONS = ["session", "session-signed", "session-cache", "allauth-session"]


@pytest.mark.parametrize("name", SESSIONS)
def test_a_session_made_on_the_flow_account_is_bound_to_the_real_hash(pbkdf2_account, name):
    scheme, client = registry.get(name), WSGIClient()
    with flow_account(USERNAME):
        stale = scheme.obtain(WSGITransport(client), USERNAME, SEED_PASSWORD)
        bound = scheme.obtain(WSGITransport(client), USERNAME, SEED_PASSWORD)
    # Each session keeps an HMAC of the password hash it was made under: refused now.
    assert not answers(client, scheme, stale, USERNAME)
    holder, field = scheme.session_carrier(bound)
    key = holder[field]
    assert rebind_session(scheme, bound, USERNAME)
    assert answers(client, scheme, bound, USERNAME)
    # Signed cookies carry the data: a new key; the stores keep theirs.
    assert (holder[field] != key) is (name == "session-signed")
    assert stored() == pbkdf2_account
    # The suites' and the load phase's way: no login with the real hash.
    assert flow_credential(client, scheme, USERNAME)[1] is False


def test_only_a_logged_in_session_is_rebound(pbkdf2_account):
    client = WSGIClient()
    token = registry.get("token")
    credential = token.obtain(WSGITransport(client), USERNAME, SEED_PASSWORD)
    assert token.session_carrier(credential) is None
    assert not rebind_session(token, credential, USERNAME)  # no session to bind
    session = registry.get("session")
    credential = session.obtain(WSGITransport(client), USERNAME, SEED_PASSWORD)
    assert session.revoke(WSGITransport(client), credential).status == 200
    assert not rebind_session(session, credential, USERNAME)  # logged out: nothing bound
    assert not answers(client, session, credential, USERNAME)
