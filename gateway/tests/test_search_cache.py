"""The search cache: SEARCH_CACHE_TTL seconds in Redis, keyed by the query; 0 turns it off."""
from common.cache import key_prefix, redis_client
from gateway.routes.fleet import search_cache_key

QUERY = {"origin": "CGK", "destination": "DPS", "date": "2031-03-04"}


def cache_key(config):
    params = [QUERY["origin"], QUERY["destination"], QUERY["date"], None, None, None, None]
    return search_cache_key(key_prefix(config), params)


def test_search_answer_is_cached_for_the_ttl(system):
    client = redis_client(system.config)
    key = cache_key(system.config)
    client.delete(key)
    first = system.http.get("/flights", params=QUERY)
    assert first.status_code == 200, first.text
    assert 0 < client.ttl(key) <= int(system.config["SEARCH_CACHE_TTL"])
    client.set(key, '{"items": ["from the cache"], "next_cursor": null}', ex=5)
    second = system.http.get("/flights", params=QUERY)
    assert second.json() == {"items": ["from the cache"], "next_cursor": None}
    client.delete(key)


def test_invalid_search_is_not_cached(system):
    client = redis_client(system.config)
    response = system.http.get("/flights", params={"origin": "CGK", "destination": "DPS", "date": "not-a-date"})
    assert response.status_code == 400
    params = ["CGK", "DPS", "not-a-date", None, None, None, None]
    assert client.exists(search_cache_key(key_prefix(system.config), params)) == 0


def test_ttl_zero_turns_the_cache_off(make_system):
    with make_system(services=["gateway", "track", "ticket"], SEARCH_CACHE_TTL=0) as uncached:
        client = redis_client(uncached.config)
        key = cache_key(uncached.config)
        client.delete(key)
        assert uncached.http.get("/flights", params=QUERY).status_code == 200
        assert client.exists(key) == 0
