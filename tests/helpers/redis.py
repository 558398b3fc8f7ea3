"""Redis for unit tests of the limits and throttles: settings of a scope of their own,
and a client whose keys are removed afterwards."""
import contextlib
import uuid

from common.cache import redis_client
from common.config import Settings, load_config


def unit_settings(**values):
    """``Settings`` with a Redis key prefix no other test uses, and ``values`` set."""
    config = load_config(environ={"DB_PREFIX": f"unit_{uuid.uuid4().hex[:8]}_"})
    config.update(values)
    return Settings.from_config(config)


@contextlib.contextmanager
def scoped_redis(settings):
    """A client of the real Redis; every key of ``settings``' prefix is deleted at the end."""
    client = redis_client(settings)
    try:
        yield client
    finally:
        for key in client.scan_iter(settings.redis_key_prefix + "*"):
            client.delete(key)
        client.close()
