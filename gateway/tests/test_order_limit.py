"""``LIMIT_ORDERS_PER_USER`` against the real Redis, each test under its own key prefix."""
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis as redis_lib

from common.errors import ServiceUnavailable, TooManyRequests
from gateway.limits import OrderLimit
from tests.helpers.redis import scoped_redis, unit_settings

pytestmark = pytest.mark.integration  # Redis


@pytest.fixture
def settings():
    return unit_settings(LIMIT_ORDERS_PER_USER=3, LIMIT_ORDERS_WINDOW=60)


@pytest.fixture
def redis(settings):
    with scoped_redis(settings) as client:
        yield client


@pytest.fixture
def limit(redis, settings):
    return OrderLimit(redis, settings)


def test_a_user_places_the_limit_then_waits_for_the_window(limit):
    for _ in range(3):
        limit.attempt("u1")
    with pytest.raises(TooManyRequests) as refused:
        limit.attempt("u1")
    assert refused.value.code == "TOO_MANY_ORDERS" and 1 <= refused.value.retry_after <= 60
    limit.attempt("u2")  # per user


def test_a_retry_with_the_same_idempotency_key_counts_once(limit):
    for _ in range(5):
        limit.attempt("u1", "key-1")
    limit.attempt("u1", "key-2")
    limit.attempt("u1")
    with pytest.raises(TooManyRequests):
        limit.attempt("u1", "key-3")
    # the refused key was not remembered: its retry is counted (and refused) again
    with pytest.raises(TooManyRequests):
        limit.attempt("u1", "key-3")
    limit.attempt("u1", "key-1")  # still a retry of a counted request
    with pytest.raises(TooManyRequests):
        limit.attempt("u1", "key-4")
    limit.attempt("u2", "key-1")  # keys are per user


def test_concurrent_placements_are_counted_before_they_are_compared(limit):
    def place(n):
        try:
            limit.attempt("u1", f"key-{n}")
            return "placed"
        except TooManyRequests:
            return "refused"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(place, range(40)))
    assert outcomes.count("placed") == 3, outcomes


def test_without_redis_the_caller_is_told_to_come_back(settings):
    unreachable = redis_lib.Redis.from_url("redis://127.0.0.1:1/0", socket_timeout=1, socket_connect_timeout=1)
    with pytest.raises(ServiceUnavailable):
        OrderLimit(unreachable, settings).attempt("u1")
