"""Flight cancellation across bookings in every state, and a ticket service that
stops mid-saga: the messages wait in RabbitMQ and the booking still finishes; payments a
crash left half-done, settled by the sweep. Each with one process of each service and with
two replicas of each (every replica sweeps: still one effect)."""
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

from tests.helpers import assert_error, wait_until
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
    stop_service,
    store,
    wait_for_status,
)
from tests.helpers.harness import running_system
from tests.helpers.tickets import seat_statuses


def cancel_flight(system, flight_id):
    system.dispatch("track", "flight_status_changed", {"flight_id": flight_id, "old": "scheduled", "new": "cancelled"})
    system.dispatch("track", "flight_cancelled", {"flight_id": flight_id})


def test_flight_cancelled_cancels_unpaid_and_refunds_paid_bookings(make_system, replicas):
    with make_system(replicas=replicas) as system:
        flight = schedule_flight(system, economy_rows=range(2, 5))
        orders = {}
        for name in ("unpaid", "ticketed", "ticketed_too", "paid", "cancelled"):
            client, _ = customer(system)
            orders[name] = (client, place(client, flight, {"name": name.title()}, {"name": "Guest"}))
        for name in ("ticketed", "ticketed_too"):
            client, order = orders[name]
            pay(client, order["id"])
            wait_for_status(client, order["id"], "TICKETED")
        client, order = orders["cancelled"]
        assert client.post(f"/orders/{order['id']}/cancel").json()["status"] == "CANCELLED"
        # "paid": the money is captured but ticket has not issued yet when the flight is cancelled
        pause_event_handler(system, "ticket", "on_order_paid")
        client, order = orders["paid"]
        pay(client, order["id"])
        wait_for_status(client, order["id"], "PAID")

        cancel_flight(system, flight)
        with running_system(system.config, services=["ticket"]):  # the order_paid it missed arrives now
            expected = {"unpaid": "CANCELLED", "ticketed": "REFUNDED", "ticketed_too": "REFUNDED",
                        "paid": "REFUNDED", "cancelled": "CANCELLED"}
            for name, status in expected.items():
                client, order = orders[name]
                wait_for_status(client, order["id"], status, timeout=20)
            unpaid_client, unpaid = orders["unpaid"]
            assert get_order(unpaid_client, unpaid["id"])["cancel_reason"] == "flight_cancelled"
            paid_total = sum(orders[name][1]["amount"] for name in ("ticketed", "ticketed_too", "paid"))
            wait_until(lambda: flight_money(system, flight) == {
                "captured": paid_total, "refunded": paid_total, "ticketed": 0}, what="every payment refunded")
            assert "sold" not in Counter(seat_statuses(system, flight).values())
            assert "held" not in Counter(seat_statuses(system, flight).values())
            for _client, order in orders.values():
                assert_each_effect_once(system, order["id"])


def test_ticket_service_down_after_payment_still_ends_ticketed(make_system, replicas):
    with make_system(replicas=replicas) as system:
        flight = schedule_flight(system)
        client, _ = customer(system)
        order = place(client, flight, {"name": "Ann"})
        stop_service(system, "ticket")  # the ticket service goes away mid-saga (every replica)
        pay(client, order["id"])
        wait_for_status(client, order["id"], "PAID")
        assert get_order(client, order["id"])["tickets"] == []
        with running_system(system.config, services=["ticket"]):  # a fresh one, same databases and vhost
            ticketed = wait_for_status(client, order["id"], "TICKETED", timeout=20)
            assert len(ticketed["tickets"]) == 1 and len(ticketed["tickets"][0]["number"]) == 13
            money = flight_money(system, flight)
            assert_each_effect_once(system, order["id"])
        assert money == {"captured": order["amount"], "refunded": 0, "ticketed": order["amount"]}


def test_capture_never_announced_is_announced_by_the_sweep(make_system, replicas):
    """The payment service died after recording a capture and before publishing
    payment_succeeded: the document it left behind is all the sweep needs."""
    with make_system(replicas=replicas, EXPIRY_SWEEP_SECONDS=1, PAYMENT_ANNOUNCE_GRACE_SECONDS=1) as system:
        flight = schedule_flight(system)
        client, user_id = customer(system)
        order = place(client, flight, {"name": "Ann"})
        payment_id = _leave_payment(system, order, user_id, flight, "succeeded", processor_reference="ch_crashed")
        ticketed = wait_for_status(client, order["id"], "TICKETED", timeout=20)
        assert ticketed["payment_id"] == payment_id
        assert find_documents(system, "payment", "payments", {"_id": payment_id})[0]["announced"]
        assert flight_money(system, flight) == {"captured": order["amount"], "refunded": 0, "ticketed": order["amount"]}
        assert_each_effect_once(system, order["id"])


def _leave_payment(system, order, user_id, flight, status, captured_by_processor=False, age=timedelta(seconds=5),
                   **fields):
    """The payment document a payment worker that died mid-way leaves behind, begun ``age``
    ago (and, if the processor had already captured, the processor's own record of the charge)."""
    payment_id = uuid.uuid4().hex[:24]
    mongo, db = store(system, "payment")
    try:
        db.payments.insert_one({
            "_id": payment_id, "order_id": order["id"], "user_id": user_id, "flight_id": flight,
            "amount": order["amount"], "currency": order["currency"], "status": status,
            "charge_key": order["id"], "card": {"brand": "visa", "last4": "4242", "holder": "Ann"},
            "created_at": datetime.now(UTC) - age, **fields,
        })
        if captured_by_processor:
            db.processor_charges.insert_one({
                "_id": payment_id, "approved": True, "reference": "ch_before_the_crash", "decline_reason": None,
                "amount": order["amount"], "currency": order["currency"],
            })
    finally:
        mongo.close()
    return payment_id


def _age_payment(system, payment_id, age):
    """Let ``age`` pass for the payment, as far as the sweep can tell (it judges by ``created_at``)."""
    mongo, db = store(system, "payment")
    try:
        # written whole, as _leave_payment wrote it: the test's Mongo stand-in stores a
        # datetime given to $set as a string
        payment = db.payments.find_one({"_id": payment_id})
        db.payments.delete_one({"_id": payment_id})
        db.payments.insert_one(dict(payment, created_at=datetime.now(UTC) - age))
    finally:
        mongo.close()


def test_crash_after_the_processor_captured_is_settled_and_ticketed(make_system, replicas):
    """Died after the processor took the money, before recording its answer: the sweep
    reads the processor's books, records the capture and the booking completes."""
    with make_system(replicas=replicas, EXPIRY_SWEEP_SECONDS=1, PAYMENT_ANNOUNCE_GRACE_SECONDS=1) as system:
        flight = schedule_flight(system)
        client, user_id = customer(system)
        order = place(client, flight, {"name": "Ann"})
        payment_id = _leave_payment(system, order, user_id, flight, "pending", captured_by_processor=True)

        ticketed = wait_for_status(client, order["id"], "TICKETED", timeout=20)
        assert ticketed["payment_id"] == payment_id
        payment = find_documents(system, "payment", "payments", {"_id": payment_id})[0]
        assert payment["status"] == "succeeded" and payment["processor_reference"] == "ch_before_the_crash"
        assert flight_money(system, flight) == {"captured": order["amount"], "refunded": 0, "ticketed": order["amount"]}
        assert_each_effect_once(system, order["id"])


def test_crash_before_the_processor_answered_frees_the_order_to_be_paid(make_system, replicas):
    """Died before the processor received the charge: no money moved, so the payment
    fails and the customer can pay again (no second charge is possible meanwhile).

    The sweep runs every second but only judges payments older than the grace period (an
    hour here): the payment is left well within it, so the second attempt meets it pending
    whatever the timing; then it is aged past the grace period, and the sweep settles it."""
    grace = timedelta(hours=1)
    with make_system(replicas=replicas, EXPIRY_SWEEP_SECONDS=1,
                     PAYMENT_ANNOUNCE_GRACE_SECONDS=grace.total_seconds()) as system:
        flight = schedule_flight(system)
        client, user_id = customer(system)
        order = place(client, flight, {"name": "Ann"})
        payment_id = _leave_payment(system, order, user_id, flight, "pending", age=timedelta(0))
        # still pending, its outcome being settled: never a second charge
        assert_error(client.post(f"/orders/{order['id']}/pay", json=GOOD_CARD), 409, "PAYMENT_BEING_SETTLED")
        assert find_documents(system, "payment", "payments", {"order_id": order["id"]}) == [
            find_documents(system, "payment", "payments", {"_id": payment_id})[0]]

        _age_payment(system, payment_id, grace + timedelta(minutes=1))
        wait_until(lambda: find_documents(system, "payment", "payments", {"_id": payment_id})[0]["status"] == "failed",
                   timeout=20, what="the abandoned payment to be failed")
        pay(client, order["id"])
        ticketed = wait_for_status(client, order["id"], "TICKETED", timeout=20)
        assert ticketed["payment_id"] != payment_id
        assert flight_money(system, flight) == {"captured": order["amount"], "refunded": 0, "ticketed": order["amount"]}
        assert_each_effect_once(system, order["id"])
