"""Recording the events the services publish, with a small listener service of the test's own.

The listener's handlers are broadcast and unreliable: each gets an exclusive queue that
disappears with the listener, so the real consumers of the same events are not disturbed.
"""
import contextlib
import uuid

from nameko.containers import ServiceContainer
from nameko.events import BROADCAST, event_handler

from tests.helpers.harness import wait_until


class EventLog:
    """``events``: ``(source, event_type, payload)`` in the order they arrived."""

    def __init__(self):
        self.events = []

    def record(self, source, event_type, payload):
        self.events.append((source, event_type, payload))

    def of(self, event_type, order_id=None, **match):
        """Payloads of ``event_type`` whose fields equal ``match`` (and ``order_id``, if given)."""
        if order_id is not None:
            match["order_id"] = order_id
        return [payload for _, kind, payload in self.events
                if kind == event_type and all(payload.get(k) == v for k, v in match.items())]

    def wait(self, event_type, order_id=None, timeout=15.0, **match):
        """The first payload ``of(event_type, order_id, **match)``, once there is one."""
        return wait_until(lambda: self.of(event_type, order_id, **match), timeout,
                          what=f"{event_type} {order_id or match}")[0]

    def wait_for(self, predicate, timeout=15.0):
        """``[(event_type, payload)]`` for which ``predicate(event_type, payload)``, once there are any."""
        return wait_until(lambda: [(kind, payload) for _, kind, payload in self.events if predicate(kind, payload)],
                          timeout, what=f"a matching event; seen: {self.events}")

    def for_order(self, order_id):
        """``(source, event_type, payload)`` of every event about ``order_id``, in arrival order."""
        return [event for event in self.events if event[2].get("order_id") == order_id]


def _listener(log, source, event_type):
    @event_handler(source, event_type, handler_type=BROADCAST, reliable_delivery=False)
    def listen(self, payload):
        log.record(source, event_type, payload)
    return listen


@contextlib.contextmanager
def recorded_events(config, events):
    """An ``EventLog`` of the ``events`` (``[(source, event_type)]``) published while the block runs."""
    log = EventLog()
    members = {"name": "event_recorder_" + uuid.uuid4().hex[:8]}
    members.update({f"on_{source}_{kind}": _listener(log, source, kind) for source, kind in events})
    container = ServiceContainer(type("EventRecorder", (), members), config)
    container.start()
    try:
        yield log
    finally:
        container.stop()
