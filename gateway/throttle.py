"""Throttling wrong booking lookups (``GET /bookings/{ref}``, its cancel) per client address.

A fixed window in Redis, as auth's login throttle: the first failure starts a counter
that lives ``BOOKING_LOOKUP_WINDOW`` seconds; once it reaches ``BOOKING_LOOKUP_MAX_FAILURES``,
lookups from that address answer 429 (Retry-After: the window's rest) until it expires,
right guesses too, so a reference cannot be guessed name by name. Shared by every
gateway replica. A Redis failure lets the lookup through (unthrottled, never wrong).
"""
import redis
from nameko.extensions import DependencyProvider

from common.cache import redis_client
from common.config import Settings
from common.errors import TooManyRequests


class LookupThrottle:
    def __init__(self, client, settings):
        self.client = client
        self.prefix = settings.redis_key_prefix + "booking-lookup-failures:"
        self.window = settings.booking_lookup_window
        self.limit = settings.booking_lookup_max_failures

    def key(self, address):
        return self.prefix + str(address or "unknown")[:64]

    def check(self, address):
        """``TooManyRequests`` if this client address is over its limit."""
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.get(self.key(address))
            pipe.ttl(self.key(address))
            count, ttl = pipe.execute()
        except redis.RedisError:
            return
        if count is not None and int(count) >= self.limit:
            raise TooManyRequests("Too many failed booking lookups. Try again later.",
                                  details={"retry_after": max(1, ttl)})

    def record_failure(self, address):
        try:
            pipe = self.client.pipeline(transaction=True)
            # SET NX EX then INCR in one MULTI: the counter always has its expiry
            pipe.set(self.key(address), 0, ex=self.window, nx=True)
            pipe.incr(self.key(address))
            pipe.execute()
        except redis.RedisError:
            pass


class BookingLookupThrottle(DependencyProvider):
    def setup(self):
        settings = Settings.from_config(self.container.config)
        self.client = redis_client(settings)
        self.throttle = LookupThrottle(self.client, settings)

    def stop(self):
        self.client.close()

    def get_dependency(self, worker_ctx):
        return self.throttle
