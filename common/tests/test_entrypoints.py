"""The project's event_handler is at least once: a failing handler gets the event again."""
import time

from nameko.standalone.events import event_dispatcher

from common import entrypoints
from common.entrypoints import event_handler
from common.errors import Conflict


class FlakyConsumer:
    name = "flaky_consumer"
    calls = []

    @event_handler("publisher", "thing_happened")
    def on_thing(self, payload):
        FlakyConsumer.calls.append(payload)
        if len(FlakyConsumer.calls) == 1:
            raise ConnectionError("store briefly unavailable")


def test_a_failed_handler_gets_the_event_again(rabbit_config, container_factory, monkeypatch):
    monkeypatch.setattr(entrypoints, "REDELIVERY_PAUSE_SECONDS", 0.1)
    FlakyConsumer.calls = []
    container = container_factory(FlakyConsumer, rabbit_config)
    container.start()

    event_dispatcher(rabbit_config)("publisher", "thing_happened", {"n": 1})

    deadline = time.monotonic() + 10
    while len(FlakyConsumer.calls) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert FlakyConsumer.calls == [{"n": 1}, {"n": 1}]
    time.sleep(0.5)
    assert len(FlakyConsumer.calls) == 2  # handled once it succeeded: no further redelivery


class RefusingConsumer:
    name = "refusing_consumer"
    calls = []

    @event_handler("publisher", "thing_refused")
    def on_thing(self, payload):
        RefusingConsumer.calls.append(payload)
        raise Conflict("not in this state")


def test_a_domain_refusal_is_not_retried(rabbit_config, container_factory):
    RefusingConsumer.calls = []
    container = container_factory(RefusingConsumer, rabbit_config)
    container.start()

    event_dispatcher(rabbit_config)("publisher", "thing_refused", {"n": 2})

    deadline = time.monotonic() + 5
    while not RefusingConsumer.calls and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.5)
    assert RefusingConsumer.calls == [{"n": 2}]
