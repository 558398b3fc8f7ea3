"""Every handler is idempotent: replaying all the events of a finished booking,
in order and then backwards, changes nothing anywhere, with one process of each service
or two replicas of each (``any_system``)."""
import pytest

from tests.helpers import wait_until
from tests.helpers.booking import (
    assert_each_effect_once,
    customer,
    events_of,
    flight_money,
    pay,
    place,
    saga_events,
    schedule_flight,
    snapshot,
    wait_for_status,
)
from tests.helpers.events import watching_handlers


def unchanged_after_replay(system, seen, order_id):
    """Replay the order's events in order, then backwards. Once every handler has finished
    with every replayed event, and with every event published meanwhile (a handler may
    answer a duplicate again), nothing has changed."""
    events = events_of(seen, order_id)
    before = snapshot(system, order_id)
    replayed = events + list(reversed(events))
    with watching_handlers(system) as handled:
        for source, kind, payload in replayed:
            system.dispatch(source, kind, payload)

        def settled():
            heard = events_of(seen, order_id)[len(events):]  # the replay and whatever it caused
            return len(heard) >= len(replayed) and handled.covers(heard)

        wait_until(settled, timeout=30, what="every replayed event handled")
    assert snapshot(system, order_id) == before
    return before


@pytest.mark.parametrize("cancel", [False, True], ids=["ticketed", "refunded"])
def test_replaying_a_finished_booking_changes_nothing(any_system, cancel):
    system = any_system
    flight = schedule_flight(system)
    client, _ = customer(system)
    with saga_events(system.config) as seen:
        order = place(client, flight, {"name": "Ann"}, {"name": "Bob"})
        pay(client, order["id"])
        wait_for_status(client, order["id"], "TICKETED")
        final = "TICKETED"
        if cancel:
            assert client.post(f"/orders/{order['id']}/cancel").status_code == 200
            wait_for_status(client, order["id"], "REFUNDED")
            final = "REFUNDED"
        expected = {"order_created", "payment_succeeded", "order_paid", "tickets_issued"}
        if cancel:
            expected |= {"order_cancelled", "tickets_cancelled", "payment_refunded"}
        wait_until(lambda: expected <= {kind for _, kind, _ in events_of(seen, order["id"])}, what="all events")
        state = unchanged_after_replay(system, seen, order["id"])
    assert state["order"]["status"] == final
    money = flight_money(system, flight)
    assert money["captured"] == money["ticketed"] + money["refunded"] == order["amount"]
    assert_each_effect_once(system, order["id"])


def test_refund_seen_before_its_payment_never_makes_the_order_paid(any_system):
    system = any_system
    """Out of order: payment_refunded for a payment arrives before its payment_succeeded."""
    flight = schedule_flight(system)
    client, user_id = customer(system)
    order = place(client, flight)
    payment = {"payment_id": "f" * 24, "order_id": order["id"], "user_id": user_id,
               "amount": order["amount"], "currency": order["currency"]}
    with saga_events(system.config) as seen:
        system.dispatch("payment", "payment_refunded", dict(payment, refund_id="re_x", reason="test"))
        wait_until(lambda: "refunded_payments" in snapshot(system, order["id"])["order"], what="refund noted")
        system.dispatch("payment", "payment_succeeded", payment)
        rejected = wait_until(lambda: [p for _, kind, p in events_of(seen, order["id"]) if kind == "payment_rejected"],
                              what="payment_rejected")
    assert rejected[0]["payment_id"] == payment["payment_id"]
    assert snapshot(system, order["id"])["order"]["status"] == "PENDING_PAYMENT"
