"""Recording the events the services publish, with a small listener service of the test's own.

The listener's handlers are broadcast and unreliable: each gets an exclusive queue that
disappears with the listener, so the real consumers of the same events are not disturbed.
"""
import contextlib
import uuid

from nameko.containers import ServiceContainer
from nameko.events import BROADCAST, EventHandler, event_handler
from nameko.testing.services import entrypoint_waiter

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


@contextlib.contextmanager
def all_handled(system, events, timeout=30):
    """On leaving the block, wait until every event handler of ``system`` that consumes one of
    ``events`` (``[(source, event_type, payload)]``, one entry per dispatch made in the block)
    has finished a worker for each of them: the observable end of their effects."""
    with contextlib.ExitStack() as waiters:
        for container in system.runner.containers:
            for entrypoint in container.entrypoints:
                if not isinstance(entrypoint, EventHandler):
                    continue
                payloads = [payload for source, kind, payload in events
                            if (source, kind) == (entrypoint.source_service, entrypoint.event_type)]
                if payloads:
                    waiters.enter_context(entrypoint_waiter(
                        container, entrypoint.method_name, timeout, callback=_counting(payloads)))
        yield


def _counting(payloads):
    """An entrypoint_waiter callback: true once a worker has finished for each of ``payloads``."""
    pending = list(payloads)

    def seen(worker_ctx, result, exc_info):
        payload = worker_ctx.args[0] if worker_ctx.args else None
        if payload in pending:
            pending.remove(payload)
            return not pending
        return False
    return seen
