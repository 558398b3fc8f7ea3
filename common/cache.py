"""Redis, shared by auth (revocation, throttling) and the gateway (revocation checks, cache)."""
import redis
from nameko.extensions import DependencyProvider


def redis_client(config):
    return redis.Redis.from_url(config["REDIS_URI"], decode_responses=True, socket_timeout=5)


def key_prefix(config):
    """Every key this deployment writes starts with this (tests use a unique one)."""
    return config.get("REDIS_KEY_PREFIX") or ""


class Redis(DependencyProvider):
    def setup(self):
        self.client = redis_client(self.container.config)

    def stop(self):
        self.client.close()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.client
