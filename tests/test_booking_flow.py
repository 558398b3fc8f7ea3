"""The whole booking saga through the gateway, and the payment rules around it. The saga
and the races run on one process of each service and on two replicas of each (``any_system``)."""
import json

import eventlet
import pytest

from tests.helpers import wait_until
from tests.helpers.booking import (
    DECLINED_CARD,
    GOOD_CARD,
    assert_each_effect_once,
    customer,
    events_of,
    flight_money,
    get_order,
    pay,
    place,
    saga_events,
    schedule_flight,
    store,
    wait_for_status,
)
from tests.helpers.tickets import ECONOMY_FARE, seat_statuses


@pytest.fixture(scope="module")
def flight(system):
    return schedule_flight(system, economy_rows=range(2, 10))


def error(response, status, code=None):
    assert response.status_code == status, response.text
    body = response.json()
    if code:
        assert body["error"] == code, body
    return body


def stored_payments(system, order_id):
    client, db = store(system, "payment")
    try:
        return list(db.payments.find({"order_id": order_id}).sort("created_at", 1))  # oldest first
    finally:
        client.close()


def test_book_decline_pay_ticket_cancel_refund(any_system):
    system = any_system
    flight = schedule_flight(system)
    client, user_id = customer(system)
    stranger, _ = customer(system)
    with saga_events(system.config) as seen:
        order = place(client, flight, {"name": "Ann Lee", "seat": "2A"}, {"name": "Bob Lee"})
        seats = [p["seat"] for p in order["passengers"]]

        declined = error(client.post(f"/orders/{order['id']}/pay", json=DECLINED_CARD), 402, "PAYMENT_DECLINED")
        assert declined["details"]["reason"] == "card_declined"
        assert get_order(client, order["id"])["status"] == "PENDING_PAYMENT"

        payment = pay(client, order["id"])
        assert payment["status"] == "succeeded" and payment["amount"] == order["amount"] == 2 * ECONOMY_FARE
        assert payment["card"] == {"brand": "visa", "last4": "4242", "holder": "Ada Lovelace"}

        ticketed = wait_for_status(client, order["id"], "TICKETED")
        assert ticketed["payment_id"] == payment["id"]
        tickets = ticketed["tickets"]
        assert sorted(t["seat"] for t in tickets) == sorted(seats)
        assert all(len(t["number"]) == 13 and t["number"].isdigit() for t in tickets)
        assert {t["passenger_name"] for t in tickets} == {"Ann Lee", "Bob Lee"}
        assert all(seat_statuses(system, flight)[seat] == "sold" for seat in seats)

        number = tickets[0]["number"]
        one = client.get(f"/tickets/{number}")
        assert one.status_code == 200, one.text
        assert one.json()["number"] == number and one.json()["status"] == "issued"
        error(stranger.get(f"/tickets/{number}"), 404)
        error(client.get("/tickets/0000000000000"), 404)
        listed = client.get("/tickets").json()["items"]
        assert {t["number"] for t in listed} == {t["number"] for t in tickets}
        assert stranger.get("/tickets").json()["items"] == []

        cancelled = client.post(f"/orders/{order['id']}/cancel")
        assert cancelled.status_code == 200, cancelled.text
        refunded = wait_for_status(client, order["id"], "REFUNDED")
        assert refunded["refund"]["amount"] == order["amount"]
        assert {t["status"] for t in refunded["tickets"]} == {"cancelled"}
        assert [h["status"] for h in refunded["history"]] == ["PENDING_PAYMENT", "PAID", "TICKETED", "REFUNDED"]
        wait_until(lambda: all(seat_statuses(system, flight)[seat] == "available" for seat in seats),
                   what="seats back on sale")
        assert client.get(f"/tickets/{number}").json()["status"] == "cancelled"
        wait_until(lambda: ("payment", "payment_refunded") in [(s, k) for s, k, _ in events_of(seen, order["id"])],
                   what="payment_refunded seen")

    kinds = [kind for _, kind, _ in events_of(seen, order["id"])]
    for expected in ("order_created", "payment_failed", "payment_succeeded", "order_paid", "tickets_issued",
                     "order_cancelled", "tickets_cancelled", "payment_refunded"):
        assert expected in kinds, kinds
    assert flight_money(system, flight) == {"captured": order["amount"], "refunded": order["amount"], "ticketed": 0}
    assert_each_effect_once(system, order["id"])
    # a refunded order cannot be paid again
    error(client.post(f"/orders/{order['id']}/pay", json=GOOD_CARD), 409, "ORDER_NOT_PAYABLE")


@pytest.mark.parametrize("card, field", [
    (dict(GOOD_CARD, card_number="4242424242424241"), "card_number"),
    (dict(GOOD_CARD, card_number="4242"), "card_number"),
    (dict(GOOD_CARD, expiry="01/21"), "expiry"),
    (dict(GOOD_CARD, expiry="2039-12"), "expiry"),
    (dict(GOOD_CARD, cvc="12"), "cvc"),
    (dict(GOOD_CARD, cvc="12345"), "cvc"),
    (dict(GOOD_CARD, holder=" "), "holder"),
    ({k: v for k, v in GOOD_CARD.items() if k != "holder"}, "holder"),
    (dict(GOOD_CARD, amount=1), "amount"),
])
def test_invalid_card_is_400_and_charges_nothing(system, flight, card, field):
    client, _ = customer(system)
    order = place(client, flight)
    body = error(client.post(f"/orders/{order['id']}/pay", json=card), 400)
    assert field in body["details"]["fields"]
    assert "4242424242424241" not in json.dumps(body)
    assert stored_payments(system, order["id"]) == []
    assert get_order(client, order["id"])["status"] == "PENDING_PAYMENT"


def test_stored_payment_keeps_only_brand_and_last4(system, flight):
    client, _ = customer(system)
    order = place(client, flight)
    card = dict(GOOD_CARD, card_number="5555 5555 5555 4444", cvc="9731")
    error(client.post(f"/orders/{order['id']}/pay", json=dict(DECLINED_CARD, cvc="8642")), 402)
    pay(client, order["id"], card)
    documents = stored_payments(system, order["id"])
    assert [d["status"] for d in documents] == ["failed", "succeeded"]
    raw = json.dumps(documents, default=str)
    for secret in ("5555555555554444", "5555 5555 5555 4444", "4000000000000002", "9731", "8642"):
        assert secret not in raw
    assert documents[1]["card"] == {"brand": "mastercard", "last4": "4444", "holder": "Ada Lovelace"}
    assert documents[1]["amount"] == order["amount"]


def test_concurrent_payments_charge_once(any_system):
    system = any_system
    flight = schedule_flight(system)
    client, _ = customer(system)
    order = place(client, flight)

    def attempt(_):
        session, _ = customer(system)
        session.headers.update(client.headers)
        return session.post(f"/orders/{order['id']}/pay", json=GOOD_CARD).status_code

    codes = sorted(eventlet.GreenPool(10).imap(attempt, range(10)))
    assert codes.count(201) == 1 and set(codes) == {201, 409}, codes
    assert [d["status"] for d in stored_payments(system, order["id"])] == ["succeeded"]
    wait_for_status(client, order["id"], "TICKETED")
    error(client.post(f"/orders/{order['id']}/pay", json=GOOD_CARD), 409)
    money = flight_money(system, flight)
    assert money["captured"] == money["ticketed"] + money["refunded"]
    assert_each_effect_once(system, order["id"])


def test_cancelling_an_order_being_ticketed_is_409_or_refunds(any_system):
    system = any_system
    flight = schedule_flight(system)
    client, _ = customer(system)
    order = place(client, flight)
    pay(client, order["id"])
    response = client.post(f"/orders/{order['id']}/cancel")
    if response.status_code == 409:
        assert response.json()["error"] == "ORDER_BEING_TICKETED"
        wait_for_status(client, order["id"], "TICKETED")
        assert client.post(f"/orders/{order['id']}/cancel").status_code == 200
    else:
        assert response.status_code == 200, response.text
    wait_for_status(client, order["id"], "REFUNDED")
    _, payments, _ = assert_each_effect_once(system, order["id"])
    assert [p["status"] for p in payments] == ["refunded"]


def test_e_tickets_are_listed_newest_first_a_page_at_a_time(system, flight):
    client, _ = customer(system)
    numbers_of = {}
    for passengers in ([{"name": "Ann Lee"}, {"name": "Bob Lee"}], [{"name": "Cy Lee"}]):
        order = place(client, flight, *passengers)
        pay(client, order["id"])
        ticketed = wait_for_status(client, order["id"], "TICKETED")
        numbers_of[order["id"]] = sorted(t["number"] for t in ticketed["tickets"])
    first_order, second_order = numbers_of
    everything = client.get("/tickets").json()
    assert everything["next_cursor"] is None
    # newest booking first, a booking's tickets in number order
    assert [t["number"] for t in everything["items"]] == numbers_of[second_order] + numbers_of[first_order]

    paged, cursor = [], None
    for _ in range(3):
        page = client.get("/tickets", params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        paged += page.json()["items"]
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    assert [t["number"] for t in paged] == [t["number"] for t in everything["items"]]
    assert cursor is None

    for params in ({"limit": 0}, {"limit": 101}, {"cursor": "zzz"}, {"cursor": "WyJ4IiwgIjEiXQ"}):
        body = error(client.get("/tickets", params=params), 400)
        assert set(body["details"]["fields"]) <= {"limit", "cursor"}, body
