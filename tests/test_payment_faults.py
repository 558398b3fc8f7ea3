"""The card processor failing for real, through the gateway: an answer lost after the
capture, an acquirer that cannot be reached, a refund it did not confirm. The simulated
processor's test cards (``payment.processor``) make it fail; its books (its own
collections) say what money moved. And the audit RPC, on the real store."""

import pytest

from common.errors import InvalidInput
from payment.processor import ANSWER_LOST_CARD, FIRST_REFUND_FAILS_CARD, UNREACHABLE_CARD
from tests.helpers import assert_error, wait_until
from tests.helpers.booking import (
    GOOD_CARD,
    customer,
    find_documents,
    flight_money,
    get_order,
    pay,
    place,
    schedule_flight,
    wait_for_status,
)

# the sweep runs every second; a payment is left to its own worker for GRACE seconds first,
# long enough to see it pending (or refunding) before the sweep settles it
SETTLE_FAST = {"EXPIRY_SWEEP_SECONDS": 1, "PAYMENT_ANNOUNCE_GRACE_SECONDS": 5}


def payments_of(system, order_id):
    return find_documents(system, "payment", "payments", {"order_id": order_id})


def captures_of(system, order_id):
    """The processor's own record of every charge it captured for the order."""
    ids = [payment["_id"] for payment in payments_of(system, order_id)]
    return [charge for charge in find_documents(system, "payment", "processor_charges", {"_id": {"$in": ids}})
            if charge["approved"]]


def refunds_of(system, order_id):
    """The processor's own record of every refund it applied to the order's charges."""
    references = [charge["reference"] for charge in captures_of(system, order_id)]
    return find_documents(system, "payment", "processor_refunds", {"charge": {"$in": references}})


def payment_status(system, payment_id):
    return find_documents(system, "payment", "payments", {"_id": payment_id})[0]["status"]


def test_an_answer_lost_after_capture_is_settled_once_and_ticketed(make_system):
    with make_system(**SETTLE_FAST) as system:
        flight = schedule_flight(system)
        client, _ = customer(system)
        order = place(client, flight, {"name": "Ann"})

        lost = assert_error(client.post(f"/orders/{order['id']}/pay", json=dict(GOOD_CARD,
                                                                                card_number=ANSWER_LOST_CARD)),
                            503, "PAYMENT_OUTCOME_UNKNOWN")
        payment_id = lost["details"]["payment_id"]
        assert payment_status(system, payment_id) == "pending"  # never failed while a capture may exist
        retried = assert_error(client.post(f"/orders/{order['id']}/pay", json=GOOD_CARD), 409,
                               "PAYMENT_BEING_SETTLED")
        assert retried["details"] == {"order_id": order["id"], "payment_id": payment_id}
        assert get_order(client, order["id"])["status"] == "PENDING_PAYMENT"

        ticketed = wait_for_status(client, order["id"], "TICKETED", timeout=30)
        assert ticketed["payment_id"] == payment_id and payment_status(system, payment_id) == "succeeded"
        assert_error(client.post(f"/orders/{order['id']}/pay", json=GOOD_CARD), 409, "ORDER_NOT_PAYABLE")
        assert len(payments_of(system, order["id"])) == 1 and len(captures_of(system, order["id"])) == 1
        assert flight_money(system, flight) == {"captured": order["amount"], "refunded": 0,
                                                "ticketed": order["amount"]}


def test_a_charge_the_acquirer_never_received_is_failed_by_the_sweep_and_the_order_paid_again(make_system):
    with make_system(**SETTLE_FAST) as system:
        flight = schedule_flight(system)
        client, _ = customer(system)
        order = place(client, flight, {"name": "Ann"})

        unknown = assert_error(client.post(f"/orders/{order['id']}/pay", json=dict(GOOD_CARD,
                                                                                   card_number=UNREACHABLE_CARD)),
                               503, "PAYMENT_OUTCOME_UNKNOWN")
        payment_id = unknown["details"]["payment_id"]
        assert payment_status(system, payment_id) == "pending"
        wait_until(lambda: payment_status(system, payment_id) == "failed", timeout=30,
                   what="the sweep to find the charge absent from the processor's books")

        paid = pay(client, order["id"])
        ticketed = wait_for_status(client, order["id"], "TICKETED", timeout=30)
        assert ticketed["payment_id"] == paid["id"] != payment_id
        assert len(captures_of(system, order["id"])) == 1


def test_a_refund_the_processor_did_not_confirm_is_finished_by_the_sweep(make_system):
    with make_system(**SETTLE_FAST) as system:
        flight = schedule_flight(system)
        client, _ = customer(system)
        order = place(client, flight, {"name": "Ann"})
        payment = pay(client, order["id"], card=dict(GOOD_CARD, card_number=FIRST_REFUND_FAILS_CARD))
        wait_for_status(client, order["id"], "TICKETED", timeout=30)

        cancelled = client.post(f"/orders/{order['id']}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        # the first ask failed: the refund is recorded, the money has not moved, the order says so
        wait_until(lambda: payment_status(system, payment["id"]) == "refunding", timeout=30,
                   what="the refund to be recorded")
        assert refunds_of(system, order["id"]) == []
        assert get_order(client, order["id"])["status"] != "REFUNDED"

        refunded = wait_for_status(client, order["id"], "REFUNDED", timeout=30)
        stored = payments_of(system, order["id"])[0]
        assert stored["status"] == "refunded"
        [refund] = refunds_of(system, order["id"])
        assert refund["_id"] == stored["refund"]["id"] == refunded["refund"]["refund_id"]
        assert refund["amount"] == order["amount"]
        assert flight_money(system, flight) == {"captured": order["amount"], "refunded": order["amount"],
                                                "ticketed": 0}


def audited(system, limit):
    """Every payment as ``payment.audit_payments`` pages them, by id."""
    items, after = {}, None
    with system.rpc() as rpc:
        while True:
            page = rpc.payment.audit_payments(after=after, limit=limit)
            items.update((item["id"], item) for item in page["items"])
            if page["next"] is None:
                return items
            after = page["next"]


def test_the_audit_answers_every_payment_as_the_contract_says(system):
    flight = schedule_flight(system)
    client, _ = customer(system)
    kept = place(client, flight, {"name": "Ann"})
    cancelled = place(client, flight, {"name": "Bob"})
    captured = pay(client, kept["id"])
    refunded = pay(client, cancelled["id"])
    wait_for_status(client, cancelled["id"], "TICKETED", timeout=30)
    assert client.post(f"/orders/{cancelled['id']}/cancel").status_code == 200
    wait_for_status(client, cancelled["id"], "REFUNDED", timeout=30)

    items = audited(system, limit=2)

    assert items == audited(system, limit=1000)
    assert items[captured["id"]] == {
        "id": captured["id"], "order_id": kept["id"], "status": "succeeded", "amount": kept["amount"],
        "currency": kept["currency"], "refund": None, "partial_refunds": [],
        "updated_at": items[captured["id"]]["updated_at"],
    }
    refund = payments_of(system, cancelled["id"])[0]["refund"]
    assert items[refunded["id"]]["status"] == "refunded"
    assert items[refunded["id"]]["refund"] == {"refund_id": refund["id"], "amount": cancelled["amount"],
                                               "status": "refunded", "reason": "order_cancelled"}
    assert items[refunded["id"]]["updated_at"].endswith("+00:00")
    with system.rpc() as rpc:
        for limit in (0, 1001):
            with pytest.raises(InvalidInput):
                rpc.payment.audit_payments(limit=limit)
