"""In-memory stand-ins for what a nameko worker is given besides its store, for unit
tests of the use-case modules (``order.saga``, ``payment.ledger``): the RPC proxies
(``Services``) and the event dispatcher (``Dispatcher``)."""
import copy
import inspect
import uuid

from common.mongo import mongo_client


class Services:
    """``self.services`` of a worker: one attribute per service proxied."""

    def __init__(self, **proxies):
        self.__dict__.update(proxies)


class Dispatcher:
    """The event dispatcher: records ``(event_type, payload)`` in order."""

    def __init__(self):
        self.events = []

    def __call__(self, event_type, payload):
        self.events.append((event_type, copy.deepcopy(payload)))

    def of(self, event_type):
        return [payload for kind, payload in self.events if kind == event_type]


def public_methods(cls):
    return {name for name, _ in inspect.getmembers(cls, inspect.isfunction) if not name.startswith("_")}


def assert_same_interface(fake_cls, real_cls):
    """An in-memory fake stands in for a store only if it has the store's methods, with
    the same parameters (the store contract tests then run one set of checks on both)."""
    assert public_methods(fake_cls) == public_methods(real_cls)
    for name in public_methods(real_cls):
        real = [p for p in inspect.signature(getattr(real_cls, name)).parameters if p != "self"]
        fake = [p for p in inspect.signature(getattr(fake_cls, name)).parameters if p != "self"]
        assert fake == real, name


def store_under_contract(request, store_cls, fake_cls, create_indexes):
    """The ``store`` fixture of a store contract test (params ``mongo`` and ``memory``):
    the real store on a MongoDB database of its own, dropped afterwards, or the fake."""
    if request.param == "memory":
        yield fake_cls()
        return
    client = mongo_client({"MONGO_URI": request.getfixturevalue("mongo_uri")})
    name = f"{store_cls.__module__.partition('.')[0]}_contract_{uuid.uuid4().hex[:8]}"
    create_indexes(client[name])
    try:
        yield store_cls(client[name])
    finally:
        client.drop_database(name)
        client.close()
