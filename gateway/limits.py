"""Per-user limits the gateway keeps before it asks a service: orders placed
(``LIMIT_ORDERS_PER_USER`` per ``LIMIT_ORDERS_WINDOW`` seconds).

Every ``POST /orders`` that passes the token check counts, taken or not (a fixed
window counted before it is compared, ``common.ratelimit``). A request with an
``Idempotency-Key`` is counted once per key and window: a marker per (user, key)
lives as long as the window, and a request that finds it is a retry, not counted.
Order makes at most one order per key (the same body answers the same order, another
body 409 ``IDEMPOTENCY_KEY_REUSED``), so skipping a retry never lets an uncounted
order through. A refused request removes the marker it set, so its retry counts.
Redis is needed: without it the caller gets 503, as for the token check.
"""
import hashlib

from nameko.extensions import DependencyProvider
from redis import RedisError

from common import ratelimit
from common.cache import redis_client
from common.config import Settings
from common.errors import ServiceUnavailable, TooManyRequests


class OrderLimit:
    def __init__(self, redis, settings):
        self.redis = redis
        self.prefix = settings.redis_key_prefix + "orders-placed:"
        self.limit = settings.limit_orders_per_user
        self.window = settings.limit_orders_window

    def _retry_key(self, user_id, idempotency_key):
        # hashed: a bounded key whatever the caller sent
        digest = hashlib.sha256(idempotency_key.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        return f"{self.prefix}key:{user_id}:{digest}"

    def attempt(self, user_id, idempotency_key=None):
        """Count one order placement of ``user_id``; TooManyRequests ``TOO_MANY_ORDERS``
        if that puts the user over the limit."""
        try:
            self._attempt(str(user_id), idempotency_key)
        except RedisError:
            raise ServiceUnavailable("Orders cannot be counted right now. Try again shortly.")

    def _attempt(self, user_id, idempotency_key):
        marker = None
        if idempotency_key is not None:
            marker = self._retry_key(user_id, idempotency_key)
            if not self.redis.set(marker, 1, nx=True, ex=self.window):
                return  # a retry of a request counted in this window
        counted = ratelimit.count(self.redis, [(self.prefix + "user:" + user_id, self.limit)], self.window)
        retry_after = ratelimit.retry_after(counted)
        if retry_after is not None:
            if marker is not None:
                self.redis.delete(marker)
            raise TooManyRequests(
                "Too many orders placed. Try again later.", code="TOO_MANY_ORDERS",
                details={"retry_after": retry_after, "limit": self.limit, "window_seconds": self.window},
            )


class OrderLimitProvider(DependencyProvider):
    """``self.order_limit.attempt(user_id, idempotency_key)`` in the gateway."""

    def setup(self):
        settings = Settings.from_config(self.container.config)
        self.redis = redis_client(settings)
        self.limit = OrderLimit(self.redis, settings)

    def stop(self):
        self.redis.close()

    def get_dependency(self, worker_ctx):
        return self.limit
