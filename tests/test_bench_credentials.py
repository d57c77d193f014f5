"""The suites' credentials (benchmarks/timing.py ``Credentials``): logged in on an MD5
account where the login is not the figure, with the stored hash put back, and made
again with the real hash where a credential is bound to it (a Django session)."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from benchmarks.harness import WSGIClient, flow_account
from benchmarks.timing import Credentials
from lab.seed import seed_users
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
    real one is back, so made again; either way it answers as the user."""
    scheme, client = registry.get(name), WSGIClient()
    credential = Credentials(client).get(scheme, USERNAME)
    answer = client.request("GET", scheme.url("whoami"), credential.headers_for("GET"))
    assert (answer.status, answer.json()["username"]) == (200, USERNAME)
    assert stored() == pbkdf2_account
