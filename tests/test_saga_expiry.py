"""Expiry with a short hold, and a payment that lands after its order expired; each with
one process of each service and with two replicas of each (both sweep)."""
from tests.helpers import wait_until
from tests.helpers.booking import (
    GOOD_CARD,
    assert_each_effect_once,
    customer,
    find_documents,
    flight_money,
    get_order,
    pause_event_handler,
    pay,
    place,
    schedule_flight,
    wait_for_status,
)
from tests.helpers.harness import running_system
from tests.helpers.tickets import seat_statuses


def test_unpaid_order_expires_frees_its_seats_and_cannot_be_paid(make_system, replicas):
    with make_system(replicas=replicas, HOLD_TTL_SECONDS=2, EXPIRY_SWEEP_SECONDS=1) as system:
        flight = schedule_flight(system)
        client, _ = customer(system)
        order = place(client, flight, {"name": "Ann", "seat": "2A"})
        assert seat_statuses(system, flight)["2A"] == "held"
        expired = wait_for_status(client, order["id"], "EXPIRED", timeout=10)
        assert [h["status"] for h in expired["history"]] == ["PENDING_PAYMENT", "EXPIRED"]
        wait_until(lambda: seat_statuses(system, flight)["2A"] == "available", what="seat 2A released")
        response = client.post(f"/orders/{order['id']}/pay", json=GOOD_CARD)
        assert response.status_code == 409 and response.json()["error"] == "ORDER_NOT_PAYABLE"
        assert client.post(f"/orders/{order['id']}/cancel").json()["status"] == "EXPIRED"
        other, _ = customer(system)
        assert place(other, flight, {"name": "Bo", "seat": "2A"})["status"] == "PENDING_PAYMENT"
        assert_each_effect_once(system, order["id"])


def test_payment_that_lands_after_expiry_is_refunded(make_system, replicas):
    with make_system(replicas=replicas, HOLD_TTL_SECONDS=3, EXPIRY_SWEEP_SECONDS=1) as system:
        flight = schedule_flight(system)
        client, _ = customer(system)
        order = place(client, flight)
        # the order service stops consuming payment_succeeded (it stays queued)...
        pause_event_handler(system, "order", "handle_payment_succeeded")
        payment = pay(client, order["id"])
        # ...until after the order expired; a fresh order service then gets the event
        wait_for_status(client, order["id"], "EXPIRED", timeout=10)
        with running_system(system.config, services=["order"]):
            refunded = wait_until(
                lambda: find_documents(system, "payment", "payments", {"_id": payment["id"], "status": "refunded"}),
                what="the late payment to be refunded",
            )
            assert refunded[0]["refund"]["amount"] == order["amount"]
            assert refunded[0]["refund"]["reason"] == "order_expired"
            noted = {"_id": order["id"], "refunded_payments": {"$exists": True}}
            wait_until(lambda: find_documents(system, "order", "orders", noted), what="the order to note the refund")
        final = get_order(client, order["id"])
        assert final["status"] == "EXPIRED" and final["tickets"] == []
        assert flight_money(system, flight) == {"captured": order["amount"], "refunded": order["amount"], "ticketed": 0}
        assert_each_effect_once(system, order["id"])
