"""Where the µs go (benchmarks/attribution.py): the clocks see SQL and crypto where they
run and nowhere else, nested entry points count once, and the split in summary.json."""

from __future__ import annotations

import itertools

import pytest

from benchmarks import attribution
from benchmarks.harness import WSGIClient
from benchmarks.records import Kind
from schemes import registry
from tests.conftest import PASSWORD

#: (scheme, runs SQL, runs crypto) on a GET whoami/ with a live credential.
EXPECTED = [
    ("none", False, False),
    ("basic", True, True),  # the user row, then the password hasher's verify
    ("session", True, True),  # session + user rows; signing + the session auth hash
    ("token", True, False),  # one key lookup, compared by the database
    ("jwt-stateless", False, True),  # a signature check, no row
]


@pytest.mark.parametrize(("name", "sql", "crypto"), EXPECTED)
def test_clocks_see_sql_and_crypto_only_where_they_run(name, sql, crypto, user, raw_wsgi):
    scheme = registry.get(name)
    from schemes.transports import DjangoClientTransport

    credential = scheme.obtain(DjangoClientTransport(), user.username, PASSWORD)
    send = WSGIClient().prepare("GET", scheme.url("whoami"), credential.headers_for("GET"))
    assert send().status == 200
    got = attribution.attribute(send, rounds=3)
    assert got["attribution_rounds"] == 3
    assert (got["sql_us"] > 0) is sql, got
    assert (got["crypto_us"] > 0) is crypto, got
    assert got["sql_us"] + got["crypto_us"] < got["attributed_total_us"]


def test_nested_entry_points_count_once_and_clock_detaches(monkeypatch):
    ticks = itertools.count()
    monkeypatch.setattr(attribution.time, "perf_counter", lambda: float(next(ticks)))

    def inner():
        return 1

    def outer():
        return inner() + inner()

    with attribution.CryptoClock([outer, inner]) as clock:
        outer()
        assert clock.seconds == 1.0  # one start and one stop read: the inner calls nest
        inner()
        assert clock.seconds == 2.0
    outer()  # events are off once the clock is left, and its tool id is free again
    assert clock.seconds == 2.0
    with attribution.CryptoClock([inner]) as again:
        inner()
    assert again.seconds == 1.0


def _records(crypto_to_beside: float | None) -> list[dict]:
    def get(scheme, sql, crypto, rest, **more):
        return {"kind": Kind.REQUEST, "scheme": scheme, "method": "GET", "sql_us": sql,
                "crypto_us": crypto, "rest_us": rest, **more}  # fmt: skip

    return [
        get("none", 0.0, 0.0, 100.0),
        get(
            "basic",
            30.0,
            96_000.0,
            180.0,
            beside_us=100_000.0,
            beside_hasher="pbkdf2_sha256",
            crypto_to_beside=crypto_to_beside,
            crypto_pair_ratios=[crypto_to_beside],
            attribution_rounds=3,
        ),
        get(
            "session",
            60.0,
            20.0,
            320.0,
            extra_sql_us=60.0,
            extra_crypto_us=20.0,
            extra_rest_us=215.0,
        ),
    ]


def test_the_extra_is_split_into_sql_crypto_and_the_rest():
    records = _records(0.96)
    # The paired differences measured beside none's requests, not the medians' (220).
    assert attribution.extra_costs(records, "session", "none") == {
        "extra_sql_us": 60.0,
        "extra_crypto_us": 20.0,
        "extra_rest_us": 215.0,
    }
    assert attribution.extra_costs(records, "none", "none")["extra_rest_us"] == 0.0
    assert attribution.extra_costs(records, "jwt", "none") == dict.fromkeys(
        ("extra_sql_us", "extra_crypto_us", "extra_rest_us")
    )


def _costing(clock: dict, seconds: float):
    """A call that takes ``seconds`` at the machine's current speed, which then changes
    by ``clock["drift"]``."""

    def call():
        clock["now"] += seconds * clock["speed"]
        clock["speed"] *= clock["drift"]

    return call


@pytest.mark.parametrize("drift", [1.0, 0.7, 1.4])
def test_extras_are_paired_with_none_so_a_drift_cannot_turn_them_negative(monkeypatch, drift):
    """A request costs none's + 50 % at any moment; the machine's speed changes by
    ``drift`` after every call (0.7: threefold faster within 4 calls). Each pair's
    difference stays positive, so the extra does; at a steady speed it is exact."""
    clock = {"now": 0.0, "speed": 1.0, "drift": drift}
    monkeypatch.setattr(attribution.time, "perf_counter", lambda: clock["now"])
    monkeypatch.setattr(attribution, "CryptoClock", _NoCrypto)
    got = attribution.attribute(_costing(clock, 1.5e-3), rounds=6, baseline=_costing(clock, 1e-3))
    assert got["extra_sql_us"] == 0.0 and got["extra_crypto_us"] == 0.0
    assert got["extra_rest_us"] > 0
    if drift == 1.0:
        assert got["extra_rest_us"] == 500.0 and got["baseline_total_us"] == 1000.0


@pytest.mark.parametrize(("ratio", "agrees"), [(0.96, True), (1.049, True), (0.94, False)])
def test_basic_crypto_check_uses_the_five_percent_band(ratio, agrees):
    check = attribution.crypto_check(_records(ratio))
    assert check["hasher"] == "pbkdf2_sha256" and check["agrees"] is agrees
    assert check["ratio"] == ratio and check["hasher_verify_us"] == 100_000.0
    assert check["pair_ratios"] == [ratio]


def test_crypto_check_is_null_when_the_hasher_was_not_timed_beside():
    assert attribution.crypto_check(_records(None)) is None


def test_attribute_times_the_call_beside_each_request(monkeypatch):
    ticks = itertools.count()
    monkeypatch.setattr(attribution.time, "perf_counter", lambda: float(next(ticks)))
    monkeypatch.setattr(attribution, "CryptoClock", _NoCrypto)
    got = attribution.attribute(lambda: None, rounds=4, beside=lambda: None)
    assert got["attribution_rounds"] == 4 and got["beside_us"] == 1e6
    assert got["crypto_to_beside"] == 0.0  # nothing monitored ran


class _NoCrypto(attribution.CryptoClock):
    def __init__(self, functions):
        super().__init__([])
