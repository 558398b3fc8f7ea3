"""In-memory stand-ins for what a nameko worker is given besides its store, for unit
tests of the use-case modules (``order.saga``, ``payment.ledger``): the RPC proxies
(``Services``) and the event dispatcher (``Dispatcher``)."""
import copy


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
