"""Every handler is idempotent: replaying all the events of a finished booking,
in order and then backwards, changes nothing anywhere."""
import time

import pytest

from order.tests.booking_helpers import (
    customer, events_of, flight_money, pay, place, saga_events, schedule_flight, snapshot, wait_for_status, wait_until,
)

SETTLE_SECONDS = 2.0


def replay(system, events):
    for source, kind, payload in events:
        system.dispatch(source, kind, payload)


def unchanged_after_replay(system, order_id, events):
    before = snapshot(system, order_id)
    replay(system, events)
    replay(system, reversed(events))
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:  # any change shows up within the settle time
        assert snapshot(system, order_id) == before
        time.sleep(0.2)
    return before


@pytest.mark.parametrize("cancel", [False, True], ids=["ticketed", "refunded"])
def test_replaying_a_finished_booking_changes_nothing(system, cancel):
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
        events = events_of(seen, order["id"])
        state = unchanged_after_replay(system, order["id"], events)
    assert state["order"]["status"] == final
    money = flight_money(system, flight)
    assert money["captured"] == money["ticketed"] + money["refunded"] == order["amount"]
