"""The project's event_handler: at least once, and a poison event ends in the dead-letter
queue after bounded retries without holding up the events behind it."""
import pytest
from kombu import Connection
from nameko.standalone.events import event_dispatcher

from common import deadletters, entrypoints
from common.config import load_config
from common.entrypoints import event_handler
from common.errors import Conflict
from tests.helpers import wait_until


@pytest.fixture
def config(rabbit_config, monkeypatch):
    monkeypatch.setattr(entrypoints, "REDELIVERY_PAUSE_SECONDS", 0.1)
    return {**load_config(), **rabbit_config, "EVENT_MAX_ATTEMPTS": 3, "EVENT_RETRY_PAUSE_SECONDS": 0.05}


def dead_letters(config):
    """Every dead letter in the vhost, left in the queue."""
    with Connection(config["AMQP_URI"]) as connection:
        channel = connection.channel()
        queue = deadletters.QUEUE(channel)
        queue.declare()
        letters = []
        while (message := queue.get(no_ack=False)) is not None:
            letters.append(message)
        for message in letters:
            message.requeue()
        return [(message.headers, message.payload) for message in letters]


class FlakyConsumer:
    name = "flaky_consumer"
    calls = []

    @event_handler("publisher", "thing_happened")
    def on_thing(self, payload):
        FlakyConsumer.calls.append(payload)
        if len(FlakyConsumer.calls) == 1:
            raise ConnectionError("store briefly unavailable")


def test_a_handler_failing_on_a_store_that_is_away_gets_the_event_again(config, container_factory):
    FlakyConsumer.calls = []
    container_factory(FlakyConsumer, config).start()

    event_dispatcher(config)("publisher", "thing_happened", {"n": 1})

    wait_until(lambda: len(FlakyConsumer.calls) >= 2, what="the event handled again")
    assert FlakyConsumer.calls == [{"n": 1}, {"n": 1}]
    assert dead_letters(config) == []


class RefusingConsumer:
    name = "refusing_consumer"
    calls = []

    @event_handler("publisher", "thing_refused")
    def on_thing(self, payload):
        RefusingConsumer.calls.append(payload)
        raise Conflict("not in this state")

    @event_handler("publisher", "marker")
    def on_marker(self, payload):
        RefusingConsumer.calls.append(payload)


def test_a_domain_refusal_is_final(config, container_factory):
    RefusingConsumer.calls = []
    container_factory(RefusingConsumer, config).start()
    dispatch = event_dispatcher(config)

    dispatch("publisher", "thing_refused", {"n": 2})
    wait_until(lambda: RefusingConsumer.calls, what="the refusal")
    # a later event on the same consumer has been handled: a retry would have come by now
    dispatch("publisher", "thing_refused", {"n": 3})
    wait_until(lambda: len(RefusingConsumer.calls) >= 2, what="the second refusal")
    assert RefusingConsumer.calls == [{"n": 2}, {"n": 3}]
    assert dead_letters(config) == []


class PoisonedConsumer:
    name = "poisoned_consumer"
    calls = []
    compensated = []

    @event_handler("publisher", "order_paid", on_dead_letter="give_money_back")
    def on_order_paid(self, payload):
        PoisonedConsumer.calls.append(payload["n"])
        if payload.get("poison"):
            raise ValueError("A string literal cannot contain NUL (0x00) characters.")

    def give_money_back(self, payload, error):
        PoisonedConsumer.compensated.append((payload["n"], type(error).__name__))


def test_a_poison_event_is_retried_a_bounded_number_of_times_then_dead_lettered(config, container_factory):
    PoisonedConsumer.calls, PoisonedConsumer.compensated = [], []
    container_factory(PoisonedConsumer, config).start()
    dispatch = event_dispatcher(config)

    dispatch("publisher", "order_paid", {"n": 0, "poison": True})
    for n in range(1, 6):
        dispatch("publisher", "order_paid", {"n": n})

    letters = wait_until(lambda: dead_letters(config), what="the dead letter")
    assert len(letters) == 1
    headers, payload = letters[0]
    assert payload == {"n": 0, "poison": True}
    assert headers[deadletters.ATTEMPTS] == 3
    assert headers[deadletters.ORIGINAL_QUEUE] == "evt-publisher-order_paid--poisoned_consumer.on_order_paid"
    assert headers[deadletters.SERVICE] == "poisoned_consumer"
    assert headers[deadletters.ERROR].startswith("ValueError: A string literal cannot contain NUL")
    assert headers[deadletters.ID]
    # tried exactly three times, compensated once, and every good event was handled
    assert PoisonedConsumer.calls.count(0) == 3
    assert PoisonedConsumer.compensated == [(0, "ValueError")]
    assert sorted(n for n in PoisonedConsumer.calls if n) == [1, 2, 3, 4, 5]
    # the good events did not wait for the poison's retries
    assert PoisonedConsumer.calls.index(5) < len(PoisonedConsumer.calls) - 1


def test_transient_and_poison_failures_are_told_apart():
    import sqlalchemy.exc
    from pymongo.errors import AutoReconnect, DuplicateKeyError

    assert entrypoints.is_transient(ConnectionRefusedError())
    assert entrypoints.is_transient(AutoReconnect("primary stepped down"))
    assert entrypoints.is_transient(sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("terminated")))
    assert not entrypoints.is_transient(sqlalchemy.exc.IntegrityError("INSERT", {}, Exception("duplicate")))
    assert not entrypoints.is_transient(DuplicateKeyError("E11000"))
    assert not entrypoints.is_transient(ValueError("NUL"))
    assert not entrypoints.is_transient(KeyError("seat"))
    pauses = [entrypoints.retry_pause(n, 0.5) for n in (1, 2, 3, 6)]
    assert pauses == [0.5, 1.0, 2.0, entrypoints.MAX_RETRY_PAUSE_SECONDS]


class RepairedConsumer:
    """Fails until the operator has fixed what was wrong (``broken`` cleared)."""
    name = "repaired_consumer"
    broken = True
    handled = []

    @event_handler("publisher", "thing_happened")
    def on_thing(self, payload):
        if RepairedConsumer.broken:
            raise KeyError("seat")
        RepairedConsumer.handled.append(payload)


def test_an_operator_lists_replays_and_drops_dead_letters(config, container_factory):
    import io

    from ops import deadletters as operator

    RepairedConsumer.broken, RepairedConsumer.handled = True, []
    container_factory(RepairedConsumer, config).start()
    dispatch = event_dispatcher(config)
    dispatch("publisher", "thing_happened", {"n": 1})
    dispatch("publisher", "thing_happened", {"n": 2})
    letters = wait_until(lambda: len(dead_letters(config)) == 2 and dead_letters(config), what="two dead letters")
    first, second = (headers[deadletters.ID] for headers, payload in sorted(letters, key=lambda x: x[1]["n"]))

    listing = io.StringIO()
    assert operator.run("list", None, False, config["AMQP_URI"], out=listing) == 2
    assert first in listing.getvalue() and second in listing.getvalue()
    assert len(dead_letters(config)) == 2  # listing takes nothing away

    RepairedConsumer.broken = False
    assert operator.run("replay", first, False, config["AMQP_URI"], out=io.StringIO()) == 1
    wait_until(lambda: RepairedConsumer.handled, what="the replayed event handled")
    assert RepairedConsumer.handled == [{"n": 1}]

    assert operator.run("drop", second, False, config["AMQP_URI"], out=io.StringIO()) == 1
    assert operator.run("replay", "no-such-id", False, config["AMQP_URI"], out=io.StringIO()) == 0
    assert dead_letters(config) == []


class StoreAwayService:
    name = "store_away"

    @entrypoints.rpc
    def read(self):
        import sqlalchemy.exc
        raise sqlalchemy.exc.OperationalError("SELECT 1", {}, Exception("terminating connection"))

    @entrypoints.rpc
    def broken(self):
        raise KeyError("a bug stays a bug")


def test_an_rpc_whose_store_is_away_answers_service_unavailable(config, container_factory):
    from nameko.exceptions import RemoteError
    from nameko.standalone.rpc import ServiceRpcProxy

    from common.errors import ServiceUnavailable

    container_factory(StoreAwayService, config).start()
    with ServiceRpcProxy("store_away", config) as proxy:
        with pytest.raises(ServiceUnavailable) as away:
            proxy.read()
        assert away.value.details == {"service": "store_away"}
        with pytest.raises(RemoteError) as bug:
            proxy.broken()
        assert bug.value.exc_type == "KeyError"
