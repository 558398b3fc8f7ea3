"""Failed logins through the gateway: told apart neither by the answer nor by the work
done, and throttled per email and per client.

Every test here comes from 127.0.0.1, like everyone else's, so these tests run on their
own systems with their own Redis key scope (``REDIS_KEY_SCOPE``): their failure counters
never throttle other tests.
"""
import uuid

import pytest
from argon2 import PasswordHasher, extract_parameters

from tests.helpers import assert_error, wait_until
from tests.helpers.accounts import PASSWORD, new_email, register
from tests.helpers.harness import build_config, create_vhost, delete_vhost, running_system


def scoped(**overrides):
    """Config overrides for a system with its own Redis keys (throttle counters)."""
    return {"REDIS_KEY_SCOPE": "s" + uuid.uuid4().hex[:8] + "_", **overrides}


@pytest.fixture(scope="module")
def isolated(run_prefix, mongo_uri, databases):
    """gateway + auth on the shared databases, with their own Redis scope and
    vhost, for the tests that fail logins on purpose."""
    vhost = f"{run_prefix}auth{uuid.uuid4().hex[:4]}"
    create_vhost(vhost)
    config = build_config(run_prefix, vhost, mongo_uri, **scoped())
    with running_system(config, ["gateway", "auth"]) as running:
        yield running
    delete_vhost(vhost)


@pytest.fixture
def argon2_verifications(monkeypatch):
    """The stored hash of every argon2 verification made in this process while the
    test runs (the services under test run in it too): the real verification, watched."""
    checked = []
    real_verify = PasswordHasher.verify

    def verify(hasher, stored_hash, password):
        checked.append(stored_hash)
        return real_verify(hasher, stored_hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", verify)
    return checked


def test_wrong_email_and_wrong_password_answer_alike_and_cost_alike(isolated, argon2_verifications):
    user = register(isolated.http)

    def failed_login(email, password):
        argon2_verifications.clear()
        response = isolated.http.post("/auth/login", json={"email": email, "password": password})
        body = assert_error(response, 401, "INVALID_CREDENTIALS")
        assert len(argon2_verifications) == 1, argon2_verifications
        return body, argon2_verifications[0]

    wrong_password, users_hash = failed_login(user["email"], "not-the-password")
    wrong_email, checked_hash = failed_login(new_email("ghost"), PASSWORD)
    assert wrong_password == wrong_email
    # an unknown email still pays for one full argon2 verification, against a hash made
    # with the same cost parameters as a real one: the clock cannot tell them apart
    assert checked_hash != users_hash
    assert extract_parameters(checked_hash) == extract_parameters(users_hash)


def assert_throttled(response):
    body = assert_error(response, 429, "TOO_MANY_REQUESTS")
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 30 and body["details"]["retry_after"] == retry_after


def test_login_throttling_per_email_and_per_client(make_system):
    # the window must outlast every step below on a loaded machine, or counters lapse mid-test
    limits = scoped(LOGIN_MAX_FAILURES_PER_EMAIL=3, LOGIN_MAX_FAILURES_PER_CLIENT=5, LOGIN_THROTTLE_WINDOW=30)
    with make_system(services=["gateway", "auth"], **limits) as s:
        victim, bystander = register(s.http), register(s.http)

        def attempt(email, password="wrong-password"):
            return s.http.post("/auth/login", json={"email": email, "password": password})

        for _ in range(3):
            assert_error(attempt(victim["email"]), 401)
        assert_throttled(attempt(victim["email"], PASSWORD))  # even the right password
        assert attempt(bystander["email"], PASSWORD).status_code == 200  # other emails still work

        for _ in range(2):  # failures 4 and 5 from this client, on unknown emails
            assert_error(attempt(new_email("ghost")), 401)
        assert_throttled(attempt(bystander["email"], PASSWORD))

        # back to normal once the window is over
        wait_until(lambda: attempt(victim["email"], PASSWORD).status_code == 200, timeout=60, step=1)
        assert attempt(bystander["email"], PASSWORD).status_code == 200
