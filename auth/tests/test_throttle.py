"""Login throttling against the real Redis, each test under its own key prefix."""
import time
import uuid

import pytest

from auth.throttle import LoginThrottle
from common.cache import redis_client
from common.config import Settings, load_config
from common.errors import TooManyRequests

pytestmark = pytest.mark.integration  # Redis


@pytest.fixture
def throttle():
    prefix = f"unit_{uuid.uuid4().hex[:8]}_"
    config = load_config(environ={"DB_PREFIX": prefix})
    config.update(LOGIN_MAX_FAILURES_PER_EMAIL=2, LOGIN_MAX_FAILURES_PER_CLIENT=3, LOGIN_THROTTLE_WINDOW=2)
    settings = Settings.from_config(config)
    redis = redis_client(settings)
    yield LoginThrottle(redis, settings)
    for key in redis.scan_iter(prefix + "*"):
        redis.delete(key)
    redis.close()


def test_an_email_is_blocked_after_its_limit_and_not_before(throttle):
    throttle.check("a@example.com", "10.0.0.1")
    throttle.record_failure("a@example.com", "10.0.0.1")
    throttle.check("a@example.com", "10.0.0.1")
    throttle.record_failure("a@example.com", "10.0.0.1")
    with pytest.raises(TooManyRequests) as error:
        throttle.check("a@example.com", "10.0.0.2")
    assert 1 <= error.value.retry_after <= 2
    throttle.check("b@example.com", "10.0.0.2")


def test_a_client_is_blocked_across_emails(throttle):
    for n in range(3):
        throttle.record_failure(f"{n}@example.com", "10.0.0.9")
    with pytest.raises(TooManyRequests):
        throttle.check("fresh@example.com", "10.0.0.9")
    throttle.check("fresh@example.com", "10.0.0.10")


def test_success_clears_the_email_but_not_the_client(throttle):
    for _ in range(2):
        throttle.record_failure("a@example.com", "10.0.0.1")
    throttle.record_success("a@example.com")
    throttle.check("a@example.com", "10.0.0.1")
    throttle.record_failure("b@example.com", "10.0.0.1")
    with pytest.raises(TooManyRequests):
        throttle.check("c@example.com", "10.0.0.1")


def test_counters_expire_with_the_window(throttle):
    for _ in range(2):
        throttle.record_failure("a@example.com", None)
    with pytest.raises(TooManyRequests):
        throttle.check("a@example.com", None)
    deadline = time.monotonic() + 5
    while True:
        try:
            throttle.check("a@example.com", None)
            break
        except TooManyRequests:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert throttle.redis.keys(throttle.prefix + "*") == []
