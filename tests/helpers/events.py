"""Recording the events the services publish, with a small listener service of the test's own.

The listener's handlers are broadcast and unreliable: each gets an exclusive queue that
disappears with the listener, so the real consumers of the same events are not disturbed.
"""
import contextlib
import json
import uuid
from collections import Counter
from unittest.mock import patch

from kombu import Connection, Exchange, Queue
from nameko.containers import ServiceContainer
from nameko.events import BROADCAST, EventHandler, event_handler

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


class HandledEvents:
    """Which events the event handlers of a running system have finished handling."""

    def __init__(self):
        self.consumers = {}  # (source, event_type) -> [(service, method)]
        self.finished = Counter()  # (service, method, payload) -> workers torn down

    def record(self, service, worker_ctx):
        entrypoint = worker_ctx.entrypoint
        if isinstance(entrypoint, EventHandler) and worker_ctx.args:
            self.finished[(service, entrypoint.method_name, _key(worker_ctx.args[0]))] += 1

    def covers(self, events):
        """Every consumer of each of ``events`` (``[(source, event_type, payload)]``, one
        entry per dispatch) has finished a worker for it."""
        wanted = Counter((service, method, _key(payload)) for source, kind, payload in events
                         for service, method in self.consumers.get((source, kind), ()))
        return all(self.finished[handler] >= count for handler, count in wanted.items())


def _key(payload):
    return json.dumps(payload, sort_keys=True, default=str)


@contextlib.contextmanager
def watching_handlers(system):
    """``HandledEvents`` of the event handlers of ``system`` (every replica) while the block
    runs: a worker counts once it is torn down (its transaction committed, its events published)."""
    handled = HandledEvents()
    with contextlib.ExitStack() as patches:
        # replicas share their service's event queues: an event is handled by one of them
        for container in (c for runner in system.runners for c in runner.containers):
            for entrypoint in container.entrypoints:
                if isinstance(entrypoint, EventHandler):
                    consumers = handled.consumers.setdefault((entrypoint.source_service, entrypoint.event_type), [])
                    if (container.service_name, entrypoint.method_name) not in consumers:
                        consumers.append((container.service_name, entrypoint.method_name))

            def teardown(worker_ctx, original=container._worker_teardown, service=container.service_name):
                try:
                    return original(worker_ctx)
                finally:
                    handled.record(service, worker_ctx)

            patches.enter_context(patch.object(container, "_worker_teardown", teardown))
        yield handled


class QueuedEvents:
    """Every ``event_type`` published by ``source`` since the queue was bound, read from a
    queue of the test's own that keeps them until read (a listener that reconnects, as one
    may on a loaded machine, loses nothing)."""

    def __init__(self, connection, queue):
        self.queue = queue.bind(connection)
        self.payloads = []

    def read(self):
        """All payloads so far, in the order they were published."""
        while (message := self.queue.get(accept=["json"])) is not None:
            self.payloads.append(message.payload)
            message.ack()
        return self.payloads


@contextlib.contextmanager
def queued_events(config, source, event_type):
    """``QueuedEvents`` of ``source``'s ``event_type`` while the block runs (nameko's event
    exchange ``<source>.events``, routed by the event type)."""
    exchange = Exchange(f"{source}.events", type="topic", durable=True)
    queue = Queue(f"test-{event_type}-{uuid.uuid4().hex[:8]}", exchange, routing_key=event_type,
                  durable=False, auto_delete=False)
    with Connection(config["AMQP_URI"]) as connection:
        queue.bind(connection).declare()
        try:
            yield QueuedEvents(connection, queue)
        finally:
            queue.bind(connection).delete()
