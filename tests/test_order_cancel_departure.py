"""No refund once the flight has left: cancelling a paid booking asks track, through the
gateway, on flights an admin scheduled and moved along (boarding, departed, arrived)."""
from tests.helpers import assert_error, wait_until
from tests.helpers.accounts import admin_client
from tests.helpers.booking import (
    GOOD_CARD,
    customer,
    find_documents,
    get_order,
    pay,
    place,
    schedule_flight,
    wait_for_status,
)
from tests.helpers.fleet import create_airplane, utc_in
from tests.helpers.fleet import schedule_flight as schedule_through_track
from tests.helpers.tickets import seat_map

PASSENGER = {"name": "Ada Lovelace"}


def ticketed(client, flight_id):
    order = place(client, flight_id, PASSENGER)
    pay(client, order["id"], GOOD_CARD)
    return wait_for_status(client, order["id"], "TICKETED", timeout=30)


def payments(system, order_id):
    with system.rpc() as rpc:
        return [(p["status"], p.get("refund")) for p in rpc.payment.payments_for_order(order_id)]


def test_a_booking_is_not_refunded_once_the_flight_is_boarding_departed_or_arrived(system):
    admin = admin_client(system)
    flight = schedule_through_track(admin, create_airplane(admin), utc_in(days=3))
    wait_until(lambda: seat_map(system, flight["id"]), timeout=30, what="the flight's seats in ticket")
    client, _ = customer(system)
    before_departure, after_departure = ticketed(client, flight["id"]), ticketed(client, flight["id"])

    # before departure a cancel refunds what the fare's rules give back (standard: less its fee)
    assert client.post(f"/orders/{before_departure['id']}/cancel").status_code == 200
    refunded = wait_for_status(client, before_departure["id"], "REFUNDED", timeout=30)
    assert 0 < refunded["refund"]["amount"] == refunded["refund_due"]["amount"] < refunded["amount"]

    for status in ("boarding", "departed", "arrived"):
        moved = admin.patch(f"/flights/{flight['id']}/status", json={"status": status})
        assert moved.status_code == 200, moved.text

        body = assert_error(client.post(f"/orders/{after_departure['id']}/cancel"), 409, "FLIGHT_DEPARTED")

        assert body["details"]["flight_status"] == status and "departed" in body["message"]
        order = get_order(client, after_departure["id"])
        assert order["status"] == "TICKETED" and order.get("cancellation_requested_at") is None
        assert [ticket["status"] for ticket in order["tickets"]] == ["issued"]
        assert payments(system, after_departure["id"]) == [("succeeded", None)]
    [stored] = find_documents(system, "order", "orders", {"_id": after_departure["id"]})
    assert stored["outbox_pending"] == 0 and "REFUNDED" not in stored["history"]


def test_without_track_a_paid_booking_is_not_cancelled(make_system):
    with make_system(services=["auth", "ticket", "order", "payment", "gateway"]) as system:
        flight_id = schedule_flight(system)
        client, _ = customer(system)
        order = ticketed(client, flight_id)

        assert_error(client.post(f"/orders/{order['id']}/cancel"), 503)

        shown = get_order(client, order["id"])
        assert shown["status"] == "TICKETED" and shown.get("cancellation_requested_at") is None
        assert payments(system, order["id"]) == [("succeeded", None)]
