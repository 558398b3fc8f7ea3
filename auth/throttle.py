"""Failed-login throttling in Redis: per email and per client address.

Fixed windows: the first failure starts a counter that lives
``settings.login_throttle_window`` seconds; once a counter reaches its limit, logins for
that email (or from that address) answer 429 until the counter expires, even
with the right password. A successful login clears the email's counter, never
the address's (one good account must not reset an attack on others).
"""
import hashlib

from common.errors import TooManyRequests


class LoginThrottle:
    def __init__(self, redis, settings):
        self.redis = redis
        self.prefix = settings.redis_key_prefix + "login-failures:"
        self.window = settings.login_throttle_window
        self.per_email = settings.login_max_failures_per_email
        self.per_client = settings.login_max_failures_per_client

    def _email_key(self, email):
        # hashed: no addresses in Redis, and a bounded key length
        return self.prefix + "email:" + hashlib.sha256(email.encode()).hexdigest()[:32]

    def _counters(self, email, client):
        counters = [(self._email_key(email), self.per_email)]
        if client:
            counters.append((self.prefix + "client:" + str(client)[:64], self.per_client))
        return counters

    def check(self, email, client):
        """Raise TooManyRequests if this email or client is over its limit."""
        counters = self._counters(email, client)
        pipe = self.redis.pipeline(transaction=False)
        for key, _ in counters:
            pipe.get(key)
            pipe.ttl(key)
        replies = pipe.execute()
        waits = [
            ttl for (_, limit), count, ttl in zip(counters, replies[::2], replies[1::2])
            if count is not None and int(count) >= limit
        ]
        if waits:
            retry_after = max(1, max(waits))
            raise TooManyRequests(
                "Too many failed logins. Try again later.", details={"retry_after": retry_after}
            )

    def record_failure(self, email, client):
        pipe = self.redis.pipeline(transaction=True)
        for key, _ in self._counters(email, client):
            # SET NX EX then INCR in one MULTI: the counter always has its expiry
            pipe.set(key, 0, ex=self.window, nx=True)
            pipe.incr(key)
        pipe.execute()

    def record_success(self, email):
        self.redis.delete(self._email_key(email))
