"""Order on a bad day, through the gateway: free text with control characters, an event
written but never published (the outbox relay), a paid order ticket could not ticket,
the audit's answer from the real store."""
import pytest

from common.errors import InvalidInput
from common.mongo import mongo_client, service_db_name
from order.domain import TICKETED, closing_payload, iso, new_event, utcnow
from order.store import OrderStore
from tests.helpers import assert_error
from tests.helpers.booking import (
    GOOD_CARD,
    customer,
    find_documents,
    get_order,
    pause_event_handler,
    pay,
    place,
    schedule_flight,
    wait_for_status,
)
from tests.helpers.tickets import seat_statuses


@pytest.fixture(scope="module")
def flight_id(system):
    return schedule_flight(system)


# -- control characters ---------------------------------------------------------------------

@pytest.mark.parametrize("char", ["\x00", "\x07", "\u202e"])
def test_a_control_character_in_a_passenger_name_is_refused_and_nothing_is_held(system, flight_id, char):
    client, user_id = customer(system)
    seats_before = seat_statuses(system, flight_id)
    body = {"flight_id": flight_id, "passengers": [{"name": "Ada Lovelace"}, {"name": f"Bo{char}b"}]}

    refused = assert_error(client.post("/orders", json=body), 400)

    assert "passengers" in refused["details"]["fields"], refused
    assert find_documents(system, "order", "orders", {"user_id": user_id}) == []
    assert seat_statuses(system, flight_id) == seats_before


@pytest.mark.parametrize("char", ["\x00", "\x07", "\u202e"])
def test_an_rpc_caller_is_refused_a_control_character_too(system, flight_id, char):
    _, user_id = customer(system)
    seats_before = seat_statuses(system, flight_id)

    with system.rpc() as rpc, pytest.raises(InvalidInput) as refused:
        rpc.order.place_order(user_id, {"flight_id": flight_id, "passengers": [{"name": f"Ada{char}"}]})

    assert refused.value.details["fields"] == {"passengers": {"0": {"name": [
        f"Contains a control character (U+{ord(char):04X})."]}}}
    assert find_documents(system, "order", "orders", {"user_id": user_id}) == []
    assert seat_statuses(system, flight_id) == seats_before


# -- the outbox relay -----------------------------------------------------------------------------

def test_a_cancellation_written_but_never_published_is_published_by_the_relay(make_system):
    with make_system(ORDER_EVENT_RELAY_SECONDS=1, EXPIRY_SWEEP_SECONDS=0.5) as system:
        flight_id = schedule_flight(system)
        client, _ = customer(system)
        order = place(client, flight_id, {"name": "Ada Lovelace"})
        pay(client, order["id"], GOOD_CARD)
        wait_for_status(client, order["id"], TICKETED, timeout=30)
        # what a cancel writes, and then the process dies before it publishes
        mongo = mongo_client(system.config)
        try:
            store = OrderStore(mongo[service_db_name(system.config, "order")])
            document = store.find(order["id"])
            event = new_event("order_cancelled", closing_payload(document, paid=True, reason="order_cancelled"))
            assert store.add_events(order["id"], [event], status=TICKETED,
                                    set_fields={"cancellation_requested_at": iso(utcnow())}) is not None
        finally:
            mongo.close()

        refunded = wait_for_status(client, order["id"], "REFUNDED", timeout=30)

        assert refunded["refund"]["reason"] == "order_cancelled" and refunded["refund"]["amount"] == order["amount"]
        assert seat_statuses(system, flight_id)[order["passengers"][0]["seat"]] == "available"
        [stored] = find_documents(system, "order", "orders", {"_id": order["id"]})
        assert stored["outbox"] == {} and stored["outbox_pending"] == 0


# -- a paid order ticket could not ticket ----------------------------------------------------------

@pytest.mark.parametrize("reason", ["ticketing_failed", "flight_departed"])
def test_a_paid_order_that_could_not_be_ticketed_ends_refunded_with_the_reason(make_system, reason):
    with make_system() as system:
        flight_id = schedule_flight(system)
        # ticket's answer to an order_paid it cannot honour, without a ticket service that fails:
        # its handler is stopped and its answer published as ticket publishes it
        pause_event_handler(system, "ticket", "on_order_paid")
        client, _ = customer(system)
        order = place(client, flight_id, {"name": "Ada Lovelace"})
        pay(client, order["id"], GOOD_CARD)
        wait_for_status(client, order["id"], "PAID", timeout=30)

        system.dispatch("ticket", "tickets_cancelled", {
            "order_id": order["id"], "flight_id": flight_id, "tickets": [], "reason": reason,
        })

        refunded = wait_for_status(client, order["id"], "REFUNDED", timeout=30)
        assert refunded["refund"]["reason"] == reason and refunded["refund"]["amount"] == order["amount"]
        assert refunded["tickets"] == [] and [h["status"] for h in refunded["history"]] == [
            "PENDING_PAYMENT", "PAID", "REFUNDED"]
        with system.rpc() as rpc:
            [payment] = rpc.payment.payments_for_order(order["id"])
        assert payment["status"] == "refunded" and payment["refund"]["amount"] == order["amount"]


# -- the audit ---------------------------------------------------------------------------------------

def audited(system, wanted):
    found, after = {}, None
    with system.rpc() as rpc:
        while True:
            page = rpc.order.audit_orders(after=after, limit=1000)
            found.update({item["id"]: item for item in page["items"] if item["id"] in wanted})
            if page["next"] is None:
                return found
            after = page["next"]


def test_the_audit_answers_every_order_from_the_store(system, flight_id):
    client, _ = customer(system)
    pending = place(client, flight_id, {"name": "Ada Lovelace"})
    ticketed = place(client, flight_id, {"name": "Bo Babbage"})
    payment = pay(client, ticketed["id"], GOOD_CARD)
    ticketed = wait_for_status(client, ticketed["id"], TICKETED, timeout=30)

    found = audited(system, {pending["id"], ticketed["id"]})

    assert found[pending["id"]] == {
        "id": pending["id"], "status": "PENDING_PAYMENT", "flight_id": flight_id, "amount": pending["amount"],
        "currency": "IDR", "payment_id": None, "refund": None, "refund_due": None, "tickets": [],
        "expires_at": pending["expires_at"], "updated_at": found[pending["id"]]["updated_at"], "seats_lost": False,
        "change_payments": [], "change_kept": 0,
    }
    item = found[ticketed["id"]]
    assert (item["status"], item["payment_id"], item["refund"]) == (TICKETED, payment["id"], None)
    assert item["tickets"] == [ticket["number"] for ticket in get_order(client, ticketed["id"])["tickets"]]
    assert item["updated_at"] >= found[pending["id"]]["updated_at"]
    with system.rpc() as rpc:
        first = rpc.order.audit_orders(limit=1)
        assert len(first["items"]) == 1 and first["next"] == first["items"][0]["id"]
        with pytest.raises(InvalidInput):
            rpc.order.audit_orders(limit=1001)
