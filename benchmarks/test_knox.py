"""knox: what a request costs as one user's live token count grows. knox reads the
matching token, then every token of its user (to delete expired ones), per request."""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from benchmarks.harness import KNOX_USER, WSGITransport
from benchmarks.policy import per_run
from benchmarks.records import Kind
from lab.seed import SEED_PASSWORD
from schemes import registry

COUNTS = (1, 10, 100, 1000)


@pytest.fixture(scope=per_run)
def knox_login(bench_db, wsgi):
    """The knox scheme and one real credential of :data:`KNOX_USER` (other tokens deleted)."""
    if "knox" not in registry.names():
        pytest.skip("no knox scheme in the registry")
    from knox.models import get_token_model

    scheme = registry.get("knox")
    user = get_user_model()._default_manager.get(username=KNOX_USER)
    get_token_model().objects.filter(user=user).delete()
    credential = scheme.obtain(WSGITransport(wsgi), KNOX_USER, SEED_PASSWORD)
    yield scheme, user, credential
    get_token_model().objects.filter(user=user).delete()


def ensure_tokens(user, count: int, keep: str) -> int:
    """Give ``user`` exactly ``count`` live tokens, keeping the one starting ``keep``."""
    from knox.models import get_token_model

    tokens = get_token_model().objects.filter(user=user)
    with transaction.atomic():
        for _ in range(count - tokens.count()):
            get_token_model().objects.create(user=user)
        extra = tokens.exclude(token_key=keep).values_list("digest", flat=True)
        surplus = tokens.count() - count
        if surplus > 0:
            tokens.filter(digest__in=list(extra[:surplus])).delete()
    return tokens.count()


@pytest.mark.benchmark(group="knox: GET whoami/ by live tokens of the user")
@pytest.mark.parametrize("count", COUNTS)
def test_time_knox_request_by_token_count(count, knox_login, whoami, benchmark):
    from knox.settings import CONSTANTS

    scheme, user, credential = knox_login
    token = credential.headers["Authorization"].split()[-1]
    assert ensure_tokens(user, count, token[: CONSTANTS.TOKEN_KEY_LENGTH]) == count
    benchmark.extra_info.update(kind=Kind.KNOX_TOKENS, tokens_per_user=count)
    whoami(scheme, "GET", credential=credential, username=KNOX_USER, paired=True)
