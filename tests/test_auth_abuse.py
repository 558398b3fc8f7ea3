"""Abuse of the auth routes through the gateway (issue 12): sign-up limits per client
address, trusted proxies, concurrent guesses, a sign-up flood against bounded password
hashing, and the absolute lifetime of a session.

Every system here has its own Redis key scope: its counters (by address, and every test
comes from 127.0.0.1) never throttle another test.
"""
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
from argon2 import PasswordHasher

from tests.helpers import assert_error, wait_until
from tests.helpers.accounts import PASSWORD, login, new_email, register
from tests.helpers.harness import GatewayClient


def scoped(**overrides):
    return {"REDIS_KEY_SCOPE": "a" + uuid.uuid4().hex[:8] + "_", **overrides}


def sign_up(client, forwarded_for=None, email=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    body = {"email": email or new_email("flood"), "password": PASSWORD, "full_name": "Sign Up"}
    return client.post("/auth/register", json=body, headers=headers)


def assert_retry_after(response, status, code, at_most):
    body = assert_error(response, status, code)
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= at_most and body["details"]["retry_after"] == retry_after, body
    return body


def test_sign_ups_per_client_address_then_429_and_a_forged_header_does_not_help(make_system):
    limits = scoped(LIMIT_REGISTRATIONS_PER_CLIENT=3, LIMIT_REGISTRATIONS_WINDOW=30)
    with make_system(services=["gateway", "auth"], **limits) as s:
        for n in range(3):
            assert sign_up(s.http, forwarded_for=f"198.51.100.{n}").status_code == 201
        # no trusted proxy: X-Forwarded-For is the client's own word, and ignored
        refused = sign_up(s.http, forwarded_for="198.51.100.99")
        assert_retry_after(refused, 429, "TOO_MANY_REGISTRATIONS", at_most=30)
        # an operator's RPC call has no address and no limit
        with s.rpc() as rpc:
            assert rpc.auth.register(new_email("operator"), PASSWORD, "Operator")["role"] == "customer"


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_limits(make_system):
    limits = scoped(TRUSTED_PROXIES="127.0.0.1", LIMIT_REGISTRATIONS_PER_CLIENT=2, LIMIT_REGISTRATIONS_WINDOW=30,
                    LOGIN_MAX_FAILURES_PER_CLIENT=2, LOGIN_MAX_FAILURES_PER_EMAIL=50)
    with make_system(services=["gateway", "auth"], **limits) as s:
        first, second = "198.51.100.1", "198.51.100.2"
        assert sign_up(s.http, first).status_code == 201
        assert sign_up(s.http, first).status_code == 201
        assert_error(sign_up(s.http, first), 429, "TOO_MANY_REGISTRATIONS")
        # the proxy appends the real peer: what the client wrote left of it changes nothing
        assert_error(sign_up(s.http, f"203.0.113.7, {first}"), 429, "TOO_MANY_REGISTRATIONS")
        assert sign_up(s.http, second).status_code == 201

        def wrong_login(client_address):
            return s.http.post("/auth/login", json={"email": new_email("ghost"), "password": "wrong-password"},
                               headers={"X-Forwarded-For": client_address})

        for _ in range(2):
            assert_error(wrong_login(first), 401, "INVALID_CREDENTIALS")
        assert_retry_after(wrong_login(first), 429, "TOO_MANY_REQUESTS", at_most=300)
        assert_error(wrong_login(second), 401, "INVALID_CREDENTIALS")


@pytest.fixture
def argon2_calls(monkeypatch):
    """Every argon2 hash and verification made in this process while the test runs (the
    services under test run in it too), and the most that ran at once."""
    calls = {"hash": 0, "verify": 0, "running": 0, "most_at_once": 0, "sign_ups_at_once": 0, "hashing": 0}
    lock = threading.Lock()
    real_hash, real_verify = PasswordHasher.hash, PasswordHasher.verify

    def watched(kind, real):
        def call(hasher, *args, **kwargs):
            with lock:
                calls[kind] += 1
                calls["running"] += 1
                calls["most_at_once"] = max(calls["most_at_once"], calls["running"])
                if kind == "hash":
                    calls["hashing"] += 1
                    calls["sign_ups_at_once"] = max(calls["sign_ups_at_once"], calls["hashing"])
            try:
                return real(hasher, *args, **kwargs)
            finally:
                with lock:
                    calls["running"] -= 1
                    if kind == "hash":
                        calls["hashing"] -= 1
        return call

    monkeypatch.setattr(PasswordHasher, "hash", watched("hash", real_hash))
    monkeypatch.setattr(PasswordHasher, "verify", watched("verify", real_verify))
    return calls


def test_concurrent_wrong_passwords_beyond_the_limit_are_never_evaluated(make_system, argon2_calls):
    limit, guesses = 3, 12
    config = scoped(LOGIN_MAX_FAILURES_PER_EMAIL=limit, LOGIN_MAX_FAILURES_PER_CLIENT=100,
                    PASSWORD_HASH_QUEUE=guesses, MAX_WORKERS=guesses + 2)
    with make_system(services=["gateway", "auth"], **config) as s:
        victim = register(s.http)
        barrier = threading.Barrier(guesses)
        argon2_calls["verify"] = 0

        def guess(n):
            with GatewayClient(s.base_url) as client:  # one connection per guesser
                barrier.wait()
                return client.post("/auth/login", json={"email": victim["email"], "password": f"guess-{n}-wrong"})

        with ThreadPoolExecutor(max_workers=guesses) as pool:
            statuses = sorted(response.status_code for response in pool.map(guess, range(guesses)))
        # counted before compared: exactly `limit` guesses reached argon2, the rest were refused unchecked
        assert statuses == [401] * limit + [429] * (guesses - limit), statuses
        assert argon2_calls["verify"] == limit


FLOOD_THREADS = 12
LOGINS = 10
ANSWER_BOUND_SECONDS = 8  # RPC_TIMEOUT (5) plus room for a loaded machine; a hang is far longer


def test_a_sign_up_flood_degrades_to_429_and_503_while_existing_users_log_in(make_system, argon2_calls):
    """Sign-ups from many addresses behind a trusted proxy, 12 at a time, against 2 hash
    slots (sign-ups get 1) and 2 waiting places per lane, while an existing user logs in
    10 times. Every flood answer is 201, 429 (an address over its limit) or 503 (hashing
    busy), none slower than the bound, and every login succeeds: the login lane always
    has a slot sign-ups cannot take, and a refused sign-up frees its worker at once, so
    the flood never holds every worker either."""
    config = scoped(TRUSTED_PROXIES="127.0.0.1", LIMIT_REGISTRATIONS_PER_CLIENT=2, PASSWORD_HASH_CONCURRENCY=2,
                    PASSWORD_HASH_QUEUE=2)
    with make_system(services=["gateway", "auth"], **config) as s:
        user = register(s.http)
        stop = threading.Event()
        flood_answers = []

        def flood(thread):
            with GatewayClient(s.base_url) as client:
                n = 0
                while not stop.is_set():
                    n += 1
                    address = f"10.{thread}.{n // 3 % 256}.1"  # three sign-ups per address: one is over
                    started = time.monotonic()
                    response = sign_up(client, forwarded_for=address)
                    flood_answers.append((response, time.monotonic() - started))

        logins = []
        with ThreadPoolExecutor(max_workers=FLOOD_THREADS) as pool:
            flooding = [pool.submit(flood, thread) for thread in range(FLOOD_THREADS)]
            try:
                wait_until(lambda: len(flood_answers) >= FLOOD_THREADS, timeout=30, what="the flood")
                with GatewayClient(s.base_url) as client:
                    for _ in range(LOGINS):
                        started = time.monotonic()
                        response = client.post("/auth/login", json={"email": user["email"], "password": PASSWORD})
                        logins.append((response.status_code, time.monotonic() - started))
                        time.sleep(0.1)
            finally:
                stop.set()
            for future in flooding:
                future.result()

        statuses = [response.status_code for response, _ in flood_answers]
        busy = [r for r, _ in flood_answers if r.status_code == 503 and r.json()["error"] == "PASSWORD_HASHING_BUSY"]
        assert len(busy) * 2 > statuses.count(503), "most 503s are the gate's quick refusals"
        assert set(statuses) <= {201, 429, 503}, sorted(set(statuses))
        assert {429, 503} <= set(statuses), "the flood was not big enough to test anything"
        assert max(elapsed for _, elapsed in flood_answers) < ANSWER_BOUND_SECONDS
        for response, _ in flood_answers:
            # 503: refused by the hash gate, or (a machine too loaded to hash within the
            # deadline) the gateway's own bounded time-out; either way an answer, not a hang
            if response.status_code == 503 and response.json()["error"] == "PASSWORD_HASHING_BUSY":
                assert_retry_after(response, 503, "PASSWORD_HASHING_BUSY", at_most=1)
            elif response.status_code == 503:
                assert_error(response, 503, "SERVICE_UNAVAILABLE")
            elif response.status_code == 429:
                assert_error(response, 429, "TOO_MANY_REGISTRATIONS")
        assert all(status == 200 for status, _ in logins), logins
        assert max(elapsed for _, elapsed in logins) < ANSWER_BOUND_SECONDS, logins
        # the bound itself, seen at argon2: two at once at most, sign-ups one at a time
        assert argon2_calls["most_at_once"] <= 2 and argon2_calls["sign_ups_at_once"] <= 1, argon2_calls
        print(f"flood: {len(statuses)} sign-ups ({statuses.count(201)} created, {statuses.count(429)} x 429, "
              f"{statuses.count(503)} x 503); {len(logins)} logins, slowest {max(e for _, e in logins):.2f}s")


def test_a_session_cannot_be_refreshed_past_its_absolute_lifetime(make_system):
    with make_system(services=["gateway", "auth"], **scoped(REFRESH_FAMILY_MAX_AGE=3, REFRESH_TOKEN_TTL=600)) as s:
        user = register(s.http)
        pair = login(s.http, user["email"])
        logged_in = time.monotonic()  # the session began before this: the wait below is enough

        def refresh(token):
            return s.http.post("/auth/refresh", json={"refresh_token": token})

        rotated = refresh(pair["refresh_token"])
        assert rotated.status_code == 200, rotated.text  # rotation works inside the lifetime
        latest = rotated.json()["refresh_token"]
        time.sleep(max(0.0, 3.3 - (time.monotonic() - logged_in)))
        # the latest token of the family, never used, and its own TTL far away: still over
        assert_error(refresh(latest), 401, "SESSION_TOO_OLD")
        # a new login starts a new session
        assert refresh(login(s.http, user["email"])["refresh_token"]).status_code == 200
