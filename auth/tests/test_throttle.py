"""Throttles against the real Redis, each test under its own key prefix."""
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from auth.throttle import LoginThrottle, RegistrationLimit
from common.errors import TooManyRequests
from tests.helpers.redis import scoped_redis, unit_settings

pytestmark = pytest.mark.integration  # Redis


@pytest.fixture
def settings():
    return unit_settings(LOGIN_MAX_FAILURES_PER_EMAIL=2, LOGIN_MAX_FAILURES_PER_CLIENT=3, LOGIN_THROTTLE_WINDOW=2,
                  LIMIT_REGISTRATIONS_PER_CLIENT=3, LIMIT_REGISTRATIONS_WINDOW=2)


@pytest.fixture
def redis(settings):
    with scoped_redis(settings) as client:
        yield client


@pytest.fixture
def throttle(redis, settings):
    return LoginThrottle(redis, settings)


def fail(throttle, email, client):
    """One failed login: counted, then (its password wrong) simply not taken back."""
    throttle.attempt(email, client)


def test_an_email_is_blocked_after_its_limit_and_not_before(throttle):
    fail(throttle, "a@example.com", "10.0.0.1")
    fail(throttle, "a@example.com", "10.0.0.1")
    with pytest.raises(TooManyRequests) as error:
        throttle.attempt("a@example.com", "10.0.0.2")
    assert 1 <= error.value.retry_after <= 2
    throttle.attempt("b@example.com", "10.0.0.2")


def test_a_client_is_blocked_across_emails(throttle):
    for n in range(3):
        fail(throttle, f"{n}@example.com", "10.0.0.9")
    with pytest.raises(TooManyRequests):
        throttle.attempt("fresh@example.com", "10.0.0.9")
    throttle.attempt("fresh@example.com", "10.0.0.10")


def test_a_refused_attempt_costs_no_other_counter_anything(throttle):
    for n in range(3):
        fail(throttle, f"{n}@example.com", "10.0.0.9")
    for _ in range(5):  # the client is over: these are never evaluated
        with pytest.raises(TooManyRequests):
            throttle.attempt("victim@example.com", "10.0.0.9")
    # so they did not count against the victim's email from elsewhere
    fail(throttle, "victim@example.com", "10.0.0.10")
    fail(throttle, "victim@example.com", "10.0.0.10")
    with pytest.raises(TooManyRequests):
        throttle.attempt("victim@example.com", "10.0.0.10")


def test_success_clears_the_email_but_not_the_client(throttle):
    fail(throttle, "a@example.com", "10.0.0.1")
    throttle.attempt("a@example.com", "10.0.0.1")
    throttle.succeeded("a@example.com", "10.0.0.1")
    # the email starts again from zero (with the first failure kept, the second would be refused)
    fail(throttle, "a@example.com", "10.0.0.1")
    fail(throttle, "a@example.com", "10.0.0.1")
    # the client's failure before the success still counts: 3 failures, the limit
    with pytest.raises(TooManyRequests):
        throttle.attempt("c@example.com", "10.0.0.1")


def test_an_attempt_never_evaluated_is_given_back(throttle):
    for _ in range(5):
        throttle.attempt("a@example.com", "10.0.0.1")
        throttle.not_evaluated("a@example.com", "10.0.0.1")
    fail(throttle, "a@example.com", "10.0.0.1")


def test_giving_back_never_revives_an_expired_counter(throttle):
    throttle.attempt("a@example.com", "10.0.0.1")
    throttle.redis.delete(*throttle.redis.keys(throttle.prefix + "*"))  # the window ended meanwhile
    throttle.succeeded("a@example.com", "10.0.0.1")
    throttle.not_evaluated("a@example.com", "10.0.0.1")
    assert throttle.redis.keys(throttle.prefix + "*") == []


def test_counters_expire_with_the_window(throttle):
    for _ in range(2):
        fail(throttle, "a@example.com", None)
    with pytest.raises(TooManyRequests):
        throttle.attempt("a@example.com", None)
    deadline = time.monotonic() + 5
    while True:
        try:
            throttle.attempt("a@example.com", None)
            break
        except TooManyRequests:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    throttle.redis.delete(throttle._email_key("a@example.com"))
    assert throttle.redis.keys(throttle.prefix + "*") == []


def test_concurrent_attempts_are_counted_before_they_are_compared(throttle):
    """40 guesses at once for one email (limit 2): exactly 2 get through, whatever the interleaving."""
    def guess(_):
        try:
            throttle.attempt("target@example.com", None)
            return "evaluated"
        except TooManyRequests:
            return "refused"

    with ThreadPoolExecutor(max_workers=20) as pool:
        outcomes = list(pool.map(guess, range(40)))
    assert outcomes.count("evaluated") == 2, outcomes


def test_registrations_are_limited_per_client_and_expire_with_their_window(redis, settings):
    limit = RegistrationLimit(redis, settings)
    for _ in range(3):
        limit.attempt("10.0.0.1")
    with pytest.raises(TooManyRequests) as error:
        limit.attempt("10.0.0.1")
    assert error.value.code == "TOO_MANY_REGISTRATIONS" and 1 <= error.value.retry_after <= 2
    limit.attempt("10.0.0.2")  # another address has its own count
    for _ in range(10):
        limit.attempt(None)  # an operator's RPC call: no address, no limit
    deadline = time.monotonic() + 5
    while True:
        try:
            limit.attempt("10.0.0.1")
            break
        except TooManyRequests:
            assert time.monotonic() < deadline
            time.sleep(0.2)
