"""Throttles in Redis: failed logins per email and per client address, sign-ups per
client address.

Fixed windows counted before they are compared (``common.ratelimit``): concurrent
guesses each take their own number, so no more than the limit are ever let through.
"""
import hashlib

from common import ratelimit
from common.errors import TooManyRequests


class LoginThrottle:
    """Failed logins. ``attempt`` counts a login before its password is checked;
    ``succeeded`` takes a successful one back out (only failures are limited).

        throttle.attempt(email, client)      # raises TooManyRequests when over a limit
        ... check the password ...
        throttle.succeeded(email, client)    # on success only
        throttle.not_evaluated(email, client)  # the check never ran

    A successful login clears the email's counter, never the address's (one good
    account must not reset an attack on others)."""

    def __init__(self, redis, settings):
        self.redis = redis
        self.prefix = settings.redis_key_prefix + "login-failures:"
        self.window = settings.login_throttle_window
        self.per_email = settings.login_max_failures_per_email
        self.per_client = settings.login_max_failures_per_client

    def _email_key(self, email):
        # hashed: no addresses in Redis, and a bounded key length
        return self.prefix + "email:" + hashlib.sha256(email.encode()).hexdigest()[:32]

    def _client_key(self, client):
        return self.prefix + "client:" + str(client)[:64]

    def _counters(self, email, client):
        counters = [(self._email_key(email), self.per_email)]
        if client:
            counters.append((self._client_key(client), self.per_client))
        return counters

    def attempt(self, email, client):
        """Count this login; raise TooManyRequests if that puts the email or the client
        over its limit. A refused attempt gives back the counts it took from counters
        still within their limit: it was never evaluated, so it is no failure."""
        counted = ratelimit.count(self.redis, self._counters(email, client), self.window)
        retry_after = ratelimit.retry_after(counted)
        if retry_after is not None:
            ratelimit.give_back(self.redis, [key for key, limit, count, _ in counted if count <= limit])
            raise TooManyRequests("Too many failed logins. Try again later.", details={"retry_after": retry_after})

    def not_evaluated(self, email, client):
        """Give back an attempt that never got its password checked (hashing was busy)."""
        ratelimit.give_back(self.redis, [key for key, _ in self._counters(email, client)])

    def succeeded(self, email, client):
        self.redis.delete(self._email_key(email))
        ratelimit.give_back(self.redis, [self._client_key(client)] if client else [])


class RegistrationLimit:
    """Sign-ups per client address: ``LIMIT_REGISTRATIONS_PER_CLIENT`` per
    ``LIMIT_REGISTRATIONS_WINDOW`` seconds. Every attempt counts, taken or not: each
    costs a password hash. No address (an operator's RPC call) means no limit."""

    def __init__(self, redis, settings):
        self.redis = redis
        self.prefix = settings.redis_key_prefix + "registrations:client:"
        self.window = settings.limit_registrations_window
        self.limit = settings.limit_registrations_per_client

    def attempt(self, client):
        if not client:
            return
        counted = ratelimit.count(self.redis, [(self.prefix + str(client)[:64], self.limit)], self.window)
        retry_after = ratelimit.retry_after(counted)
        if retry_after is not None:
            raise TooManyRequests(
                "Too many sign-ups from this address. Try again later.", code="TOO_MANY_REGISTRATIONS",
                details={"retry_after": retry_after},
            )
