"""The search cache: memory in front of Redis, SEARCH_CACHE_TTL seconds from the
answer's making in either layer, keyed by the query; 0 turns it off."""
from common.cache import redis_client
from common.config import Settings
from gateway.cache import AnswerCache, SearchCache
from gateway.routes.fleet import search_cache_key

QUERY = {"origin": "CGK", "destination": "DPS", "date": "2031-03-04"}
PARAMS = [QUERY["origin"], QUERY["destination"], QUERY["date"], None, None, None, None]


def redis_key(settings, params=PARAMS):
    return settings.redis_key_prefix + "search:" + search_cache_key(params)


def gateway_cache(system):
    container = system.container("gateway")
    return next(ext for ext in container.extensions if isinstance(ext, SearchCache)).cache


class Clock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def test_search_answer_is_cached_in_redis_for_the_ttl(system):
    settings = Settings.from_config(system.config)
    client = redis_client(settings)
    key = redis_key(settings)
    client.delete(key)
    gateway_cache(system).local.clear()
    first = system.http.get("/flights", params=QUERY)
    assert first.status_code == 200, first.text
    assert 0 < client.ttl(key) <= settings.search_cache_ttl
    deadline, _, body = client.get(key).partition("\n")
    assert float(deadline) > 0 and body == first.text

    # another gateway replica (an empty memory layer) answers from Redis
    gateway_cache(system).local.clear()
    client.set(key, f"{deadline}\n" + '{"items": ["from redis"], "next_cursor": null}', ex=5)
    assert system.http.get("/flights", params=QUERY).json() == {"items": ["from redis"], "next_cursor": None}
    # and keeps it in memory: a hit no longer needs Redis
    client.delete(key)
    assert system.http.get("/flights", params=QUERY).json() == {"items": ["from redis"], "next_cursor": None}
    gateway_cache(system).local.clear()


def test_invalid_search_is_not_cached(system):
    settings = Settings.from_config(system.config)
    client = redis_client(settings)
    response = system.http.get("/flights", params={"origin": "CGK", "destination": "DPS", "date": "not-a-date"})
    assert response.status_code == 400
    assert client.exists(redis_key(settings, ["CGK", "DPS", "not-a-date", None, None, None, None])) == 0


def test_ttl_zero_turns_the_cache_off(make_system):
    with make_system(services=["gateway", "track", "ticket"], SEARCH_CACHE_TTL=0) as uncached:
        settings = Settings.from_config(uncached.config)
        client = redis_client(settings)
        key = redis_key(settings)
        client.delete(key)
        assert uncached.http.get("/flights", params=QUERY).status_code == 200
        assert client.exists(key) == 0
        assert gateway_cache(uncached).local == {}


def test_an_answer_never_outlives_its_ttl_in_either_layer(test_config):
    settings = Settings.from_config(test_config)
    client = redis_client(settings)
    prefix = settings.redis_key_prefix + "unit-search:"
    clock = Clock()
    writer = AnswerCache(client, prefix, ttl=5, clock=clock)
    reader = AnswerCache(client, prefix, ttl=5, clock=clock)  # another replica
    writer.put("k", "answer")

    clock.now += 4  # the reader first sees it late in its life...
    assert reader.get("k") == "answer"
    clock.now += 1.5  # ...and drops it at the writer's deadline, not 5 s after its own read
    assert reader.get("k") is None
    assert writer.get("k") is None
    client.delete(prefix + "k")


def test_redis_down_means_slower_not_wrong(test_config):
    import redis as redis_lib

    broken = redis_lib.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=0.2)
    cache = AnswerCache(broken, "x:", ttl=5)
    assert cache.get("k") is None
    cache.put("k", "answer")  # no error; this process still remembers it
    assert cache.get("k") == "answer"


def test_an_entry_in_another_format_is_a_miss(test_config):
    settings = Settings.from_config(test_config)
    client = redis_client(settings)
    prefix = settings.redis_key_prefix + "unit-search:"
    client.set(prefix + "old", '{"items": [], "next_cursor": null}', ex=5)  # e.g. left by an older gateway
    assert AnswerCache(client, prefix, ttl=5).get("old") is None
    client.delete(prefix + "old")
