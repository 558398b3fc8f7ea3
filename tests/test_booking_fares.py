"""Fare families sold and their rules honoured (issue 14 item 4), through the gateway: an
order at light, standard or flex keeps the fare and rules it was sold under, and cancelling
refunds what they say (light nothing, standard less its fee, flex all of it); a flight the
airline cancels, or a disrupted booking, is refunded in full whatever the fare."""
import pytest

from tests.helpers import assert_error, wait_until
from tests.helpers.accounts import admin_client, customer_client
from tests.helpers.booking import pay, wait_for_status
from tests.helpers.fleet import create_airplane, schedule_flight, utc_in
from tests.helpers.tickets import seat_statuses

SMALL = [{"class": "business", "rows": [1, 1], "layout": "AC"}, {"class": "economy", "rows": [2, 4], "layout": "AB-CD"}]
PRICES = {"light": 990_000, "standard": 1_250_000, "flex": 1_900_000}
# business sells standard only
FARES = {"economy": PRICES, "business": 4_500_000}


@pytest.fixture
def flight(system):
    admin = admin_client(system)
    made = schedule_flight(admin, create_airplane(admin, cabins=SMALL), utc_in(days=20), fares=FARES)
    wait_until(lambda: system.http.get(f"/flights/{made['id']}/seats").status_code == 200,
               what="the flight's seat inventory")
    return made


def body(flight, fare, seat=None, cabin="economy", child=False):
    passengers = [{"given_name": "Ana", "family_name": "Putri", "birth_date": "1990-04-01", "type": "adult",
                   "seats": [seat]}]
    if child:
        passengers.append({"given_name": "Budi", "family_name": "Putri", "birth_date": "2018-02-01",
                           "type": "child"})
    return {"segments": [{"flight_id": flight["id"], "class": cabin, "fare": fare}], "passengers": passengers}


def ticketed(client, flight, fare, **extra):
    placed = client.post("/orders", json=body(flight, fare, **extra))
    assert placed.status_code == 201, placed.text
    pay(client, placed.json()["id"])
    return wait_for_status(client, placed.json()["id"], "TICKETED", timeout=30)


def payment_refund(system, order_id):
    with system.rpc() as rpc:
        (payment,) = rpc.payment.payments_for_order(order_id)
    return payment["status"], payment["refund"]["amount"]


def test_each_family_is_sold_at_its_price_keeps_its_rules_and_refunds_what_they_say(system, flight):
    client = customer_client(system)
    orders = {fare: ticketed(client, flight, fare, child=True) for fare in ("light", "standard", "flex")}

    for fare, order in orders.items():
        child_share = PRICES[fare] * 75 // 100
        assert order["amount"] == PRICES[fare] + child_share
        assert sum(t["fare"] for t in order["tickets"]) == order["amount"]
        (sold,) = order["fares"]
        assert {key: sold[key] for key in ("segment", "flight_id", "class", "family", "amount", "currency")} == {
            "segment": 0, "flight_id": flight["id"], "class": "economy", "family": fare, "amount": PRICES[fare],
            "currency": "IDR"}
        assert order["segments"][0]["fare"] == fare and sold["family_name"] == fare.capitalize()
    assert orders["light"]["fares"][0]["rules"]["refundable"] is False
    assert orders["standard"]["fares"][0]["rules"]["refund_fee_percent"] == 25
    # what cancelling would give back is stated before the customer cancels
    standard = orders["standard"]["amount"]
    expected = {"light": 0, "standard": standard - standard * 25 // 100, "flex": orders["flex"]["amount"]}
    for fare, order in orders.items():
        assert order["refund_if_cancelled"]["amount"] == expected[fare]

    for fare, order in orders.items():
        cancelled = client.post(f"/orders/{order['id']}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["refund_due"] == {"amount": expected[fare], "kept": order["amount"] - expected[fare],
                                                  "reason": "order_cancelled"}
    for fare, order in orders.items():
        refunded = wait_for_status(client, order["id"], "REFUNDED", timeout=30)
        assert refunded["refund"]["amount"] == expected[fare]
        assert {t["status"] for t in refunded["tickets"]} == {"cancelled"}
        # the money adds up: captured = refunded + kept by the rules
        assert payment_refund(system, order["id"]) == ("refunded", expected[fare])
    # every seat is back on sale, light's too
    wait_until(lambda: set(seat_statuses(system, flight["id"]).values()) == {"available"},
               what="every seat back on sale")


def test_a_flight_the_airline_cancels_refunds_every_fare_in_full(system, flight):
    client = customer_client(system)
    light, standard = ticketed(client, flight, "light"), ticketed(client, flight, "standard")

    admin = admin_client(system)
    assert admin.patch(f"/flights/{flight['id']}/status", json={"status": "cancelled"}).status_code == 200

    for order in (light, standard):
        refunded = wait_for_status(client, order["id"], "REFUNDED", timeout=30)
        assert refunded["refund"]["amount"] == order["amount"] and refunded["refund"]["reason"] == "flight_cancelled"


def test_a_disrupted_booking_is_refunded_in_full_whatever_the_fare(system, flight):
    client = customer_client(system)
    light = ticketed(client, flight, "light")

    with system.rpc() as rpc:
        answer = rpc.order.cancel_order(light["id"], light["user_id"], "disruption")
    assert answer["refund_due"] == {"amount": light["amount"], "kept": 0, "reason": "disruption"}

    refunded = wait_for_status(client, light["id"], "REFUNDED", timeout=30)
    assert refunded["refund"]["amount"] == light["amount"]


def test_fares_that_cannot_be_sold_are_refused_and_nothing_is_held(system, flight):
    client = customer_client(system)

    unknown = assert_error(client.post("/orders", json=body(flight, "gold")), 400, "UNKNOWN_FARE_FAMILY")
    assert unknown["message"]
    not_offered = assert_error(client.post("/orders", json=body(flight, "light", cabin="business")), 409,
                               "FARE_NOT_OFFERED")
    assert not_offered["details"]["families"] == ["standard"]
    seat_refused = assert_error(client.post("/orders", json=body(flight, "light", seat="3A")), 409,
                                "SEAT_CHOICE_NOT_INCLUDED")
    assert "passengers.0.seats.0" in seat_refused["details"]["fields"]
    assert_error(client.post("/orders", json=body(flight, "Flex!")), 400)
    assert set(seat_statuses(system, flight["id"]).values()) == {"available"}
    assert client.get("/orders").json()["items"] == []

    # light with the seat left to the airline, and standard or flex with a chosen seat, are sold
    light = client.post("/orders", json=body(flight, "light"))
    assert light.status_code == 201, light.text
    assert light.json()["passengers"][0]["segments"][0]["seat"]
    for fare, seat in (("standard", "3A"), ("flex", "3B")):
        chosen = client.post("/orders", json=body(flight, fare, seat=seat))
        assert chosen.status_code == 201, chosen.text
        assert chosen.json()["passengers"][0]["segments"][0]["seat"] == seat
