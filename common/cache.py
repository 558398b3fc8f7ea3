"""Redis, shared by auth (revocation, throttling) and the gateway (revocation checks,
the search cache). ``settings`` is a ``common.config.Settings``; every key a
deployment writes starts with ``settings.redis_key_prefix`` (tests use a unique one)."""
import redis
from nameko.extensions import DependencyProvider

from common.config import Settings


def redis_client(settings):
    return redis.Redis.from_url(settings.redis_uri, decode_responses=True, socket_timeout=5)


class Redis(DependencyProvider):
    def setup(self):
        self.client = redis_client(Settings.from_config(self.container.config))

    def stop(self):
        self.client.close()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.client
