"""Throttling wrong booking lookups per client address: a booking reference and a last name
given instead of a token (``GET /bookings/{ref}``, its cancel, the boarding pass by proof).

A fixed window in Redis (``common/ratelimit.py``), as auth's login throttle: every lookup
is counted before it is compared, so concurrent guesses cannot slip past the limit
together; a lookup that found its booking gives its count back, so only failures stay
counted. Once an address has ``BOOKING_LOOKUP_MAX_FAILURES`` in ``BOOKING_LOOKUP_WINDOW``
seconds, its lookups answer 429 (Retry-After: the window's rest), right guesses too, so a
reference cannot be guessed name by name. Shared by every gateway replica. A Redis
failure lets the lookup through (unthrottled, never wrong).
"""
import redis
from nameko.extensions import DependencyProvider

from common import ratelimit
from common.cache import redis_client
from common.config import Settings
from common.errors import NotFound, TooManyRequests


class LookupThrottle:
    def __init__(self, client, settings):
        self.client = client
        self.prefix = settings.redis_key_prefix + "booking-lookup-failures:"
        self.window = settings.booking_lookup_window
        self.limit = settings.booking_lookup_max_failures

    def key(self, address):
        return self.prefix + str(address or "unknown")[:64]

    def attempt(self, address):
        """Count this lookup; ``TooManyRequests`` if that puts the address over its limit
        (the refused lookup is not counted: it was never tried)."""
        try:
            counted = ratelimit.count(self.client, [(self.key(address), self.limit)], self.window)
        except redis.RedisError:
            return
        wait = ratelimit.retry_after(counted)
        if wait is not None:
            self.not_failed(address)
            raise TooManyRequests("Too many failed booking lookups. Try again later.",
                                  details={"retry_after": wait})

    def lookup(self, address, call, *args):
        """``call(*args)``, counted as one lookup of ``address``: a ``NotFound`` (a wrong
        reference or name) stays counted, anything else gives its count back."""
        self.attempt(address)
        try:
            answer = call(*args)
        except NotFound:
            raise
        except Exception:
            self.not_failed(address)
            raise
        self.not_failed(address)
        return answer

    def not_failed(self, address):
        """A lookup that found its booking (or was never answered) is no failure: its
        count goes back."""
        try:
            ratelimit.give_back(self.client, [self.key(address)])
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
