"""The search answer cache: this process's memory in front of Redis.

Redis is shared by every gateway replica; the memory layer saves the network
round trip on a hit, which is most of what a cached search costs. An answer
lives at most ``SEARCH_CACHE_TTL`` seconds from the moment track computed it,
in either layer: the deadline is stored with the answer, and the memory layer
never keeps an entry past it. A Redis failure makes search slower, never wrong.
"""
import time

import redis
from nameko.extensions import DependencyProvider

from common.cache import redis_client
from common.config import Settings

MAX_LOCAL_ENTRIES = 10_000


class AnswerCache:
    def __init__(self, client, prefix, ttl, clock=time.time, max_local=MAX_LOCAL_ENTRIES):
        self.client = client
        self.prefix = prefix
        self.ttl = float(ttl)
        self.clock = clock
        self.max_local = max_local
        self.local = {}

    @property
    def enabled(self):
        return self.ttl > 0

    def get(self, key):
        now = self.clock()
        entry = self.local.get(key)
        if entry is not None and entry[0] > now:
            return entry[1]
        try:
            stored = self.client.get(self.prefix + key)
        except redis.RedisError:
            return None
        if stored is None:
            return None
        deadline, _, body = stored.partition("\n")
        try:
            deadline = float(deadline)
        except ValueError:  # not written by this version of the cache: a miss
            return None
        if deadline <= now:
            return None
        self._remember(key, deadline, body)
        return body

    def answer(self, key, compute):
        """The cached answer for ``key``, or ``compute()``'s (then cached)."""
        if not self.enabled:
            return compute()
        body = self.get(key)
        if body is None:
            body = compute()
            self.put(key, body)
        return body

    def put(self, key, body):
        deadline = self.clock() + self.ttl
        try:
            self.client.set(self.prefix + key, f"{deadline}\n{body}", px=int(self.ttl * 1000))
        except redis.RedisError:
            pass
        self._remember(key, deadline, body)

    def _remember(self, key, deadline, body):
        if len(self.local) >= self.max_local:
            now = self.clock()
            self.local = {k: v for k, v in self.local.items() if v[0] > now}
            if len(self.local) >= self.max_local:
                self.local.clear()
        self.local[key] = (deadline, body)


class SearchCache(DependencyProvider):
    """One ``AnswerCache`` per gateway process, shared by its workers."""

    def setup(self):
        settings = Settings.from_config(self.container.config)
        self.client = redis_client(settings)
        self.cache = AnswerCache(self.client, settings.redis_key_prefix + "search:", settings.search_cache_ttl)

    def stop(self):
        self.client.close()

    def get_dependency(self, worker_ctx):
        return self.cache
