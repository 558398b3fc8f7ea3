"""The business limits of booking through the gateway (issue 12): orders placed per user
(the gateway counts them in Redis) and declined payments per order and per user (payment
counts them in its store). One system with small limits and its own Redis scope; every
test has customers of its own.
"""
import uuid

import eventlet
import pytest

from tests.helpers import assert_error
from tests.helpers.booking import (
    DECLINED_CARD,
    GOOD_CARD,
    customer,
    find_documents,
    get_order,
    pay,
    place,
    schedule_flight,
    wait_for_status,
)
from tests.helpers.harness import build_config, create_vhost, delete_vhost, running_system

LIMITS = {"LIMIT_ORDERS_PER_USER": 3, "LIMIT_ORDERS_WINDOW": 120,
          "LIMIT_UNPAID_SEATS_PER_FLIGHT": 3, "LIMIT_UNPAID_SEATS_TOTAL": 3,
          "LIMIT_DECLINES_PER_ORDER": 2, "LIMIT_DECLINES_PER_USER": 3, "LIMIT_DECLINES_WINDOW": 120}


@pytest.fixture(scope="module")
def limited(run_prefix, mongo_uri, databases):
    vhost = f"{run_prefix}limits{uuid.uuid4().hex[:4]}"
    create_vhost(vhost)
    config = build_config(run_prefix, vhost, mongo_uri, REDIS_KEY_SCOPE=f"l{uuid.uuid4().hex[:8]}_", **LIMITS)
    with running_system(config) as running:
        yield running
    delete_vhost(vhost)


@pytest.fixture(scope="module")
def flight(limited):
    return schedule_flight(limited, economy_rows=range(2, 12))


def assert_retry_after(response, status, code, at_most):
    body = assert_error(response, status, code)
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= at_most and body["details"]["retry_after"] == retry_after, body
    return body


def order_ids(client):
    response = client.get("/orders", params={"limit": 50})
    assert response.status_code == 200, response.text
    return {order["id"] for order in response.json()["items"]}


def payments_of(system, order_id):
    return find_documents(system, "payment", "payments", {"order_id": order_id})


# -- LIMIT_ORDERS_PER_USER -------------------------------------------------------------------

def test_a_user_places_the_limit_of_orders_then_429_and_a_keyed_retry_is_not_counted_again(limited, flight):
    client, _ = customer(limited)
    other, _ = customer(limited)
    key = {"Idempotency-Key": uuid.uuid4().hex}
    first = client.post("/orders", json={"flight_id": flight, "passengers": [{"name": "Ann"}]}, headers=key)
    assert first.status_code == 201, first.text
    for _ in range(3):  # retries of the same request: the same order, counted once
        retry = client.post("/orders", json={"flight_id": flight, "passengers": [{"name": "Ann"}]}, headers=key)
        assert retry.status_code in (200, 201) and retry.json()["id"] == first.json()["id"], retry.text
    placed = [place(client, flight)["id"] for _ in range(2)]

    refused = client.post("/orders", json={"flight_id": flight, "passengers": [{"name": "Bo"}]})
    body = assert_retry_after(refused, 429, "TOO_MANY_ORDERS", at_most=LIMITS["LIMIT_ORDERS_WINDOW"])
    assert body["details"]["limit"] == LIMITS["LIMIT_ORDERS_PER_USER"]
    assert order_ids(client) == {first.json()["id"], *placed}  # the refused one made no order
    # a retry of the counted request still answers its order; a new key is refused
    retry = client.post("/orders", json={"flight_id": flight, "passengers": [{"name": "Ann"}]}, headers=key)
    assert retry.status_code in (200, 201) and retry.json()["id"] == first.json()["id"], retry.text
    assert_error(client.post("/orders", json={"flight_id": flight, "passengers": [{"name": "Bo"}]},
                             headers={"Idempotency-Key": uuid.uuid4().hex}), 429, "TOO_MANY_ORDERS")
    place(other, flight)  # per user


def test_concurrent_orders_of_one_user_never_pass_the_limit(limited, flight):
    client, _ = customer(limited)

    def attempt(_):
        session, _ = customer(limited)
        session.headers.update(client.headers)
        return session.post("/orders", json={"flight_id": flight, "passengers": [{"name": "Cy"}]}).status_code

    codes = list(eventlet.GreenPool(8).imap(attempt, range(8)))
    assert codes.count(201) == LIMITS["LIMIT_ORDERS_PER_USER"] and set(codes) == {201, 429}, codes
    assert len(order_ids(client)) == LIMITS["LIMIT_ORDERS_PER_USER"]


# -- LIMIT_DECLINES_PER_ORDER ----------------------------------------------------------------

def test_an_order_declined_its_limit_refuses_every_card_until_it_expires(limited, flight):
    client, _ = customer(limited)
    order = place(client, flight)
    for _ in range(LIMITS["LIMIT_DECLINES_PER_ORDER"]):
        assert_error(client.post(f"/orders/{order['id']}/pay", json=DECLINED_CARD), 402, "PAYMENT_DECLINED")

    for card in (DECLINED_CARD, GOOD_CARD):
        body = assert_error(client.post(f"/orders/{order['id']}/pay", json=card), 409, "TOO_MANY_DECLINES")
        assert body["details"] == {"order_id": order["id"], "expires_at": order["expires_at"]}
        assert f"declined payments ({LIMITS['LIMIT_DECLINES_PER_ORDER']})" in body["message"]
    # nothing more reached the processor, and the order waits to expire with its seats held
    assert sorted(p["status"] for p in payments_of(limited, order["id"])) == ["failed"] * 2
    assert get_order(client, order["id"])["status"] == "PENDING_PAYMENT"


def test_concurrent_declined_payments_of_one_order_never_pass_its_limit(limited, flight):
    client, _ = customer(limited)
    order = place(client, flight)

    def attempt(_):
        session, _ = customer(limited)
        session.headers.update(client.headers)
        return session.post(f"/orders/{order['id']}/pay", json=DECLINED_CARD)

    for _ in range(3):  # rounds, until the limit is reached whatever the interleaving
        responses = list(eventlet.GreenPool(8).imap(attempt, range(8)))
        assert {r.status_code for r in responses} <= {402, 409}, [r.text for r in responses]
    declined = [p for p in payments_of(limited, order["id"]) if p["status"] == "failed"]
    assert len(declined) == LIMITS["LIMIT_DECLINES_PER_ORDER"], declined
    assert_error(client.post(f"/orders/{order['id']}/pay", json=GOOD_CARD), 409, "TOO_MANY_DECLINES")
    assert [p["status"] for p in payments_of(limited, order["id"])] == ["failed"] * 2


# -- LIMIT_DECLINES_PER_USER -----------------------------------------------------------------

def test_a_user_declined_their_limit_across_orders_gets_429_on_every_order(limited, flight):
    client, _ = customer(limited)
    other, _ = customer(limited)
    first, second, third = (place(client, flight) for _ in range(3))
    for order in (first, first, second):
        assert_error(client.post(f"/orders/{order['id']}/pay", json=DECLINED_CARD), 402, "PAYMENT_DECLINED")

    for order in (second, third):
        refused = client.post(f"/orders/{order['id']}/pay", json=GOOD_CARD)
        assert_retry_after(refused, 429, "TOO_MANY_DECLINES_FOR_USER", at_most=LIMITS["LIMIT_DECLINES_WINDOW"])
    assert payments_of(limited, third["id"]) == []
    # another customer pays as usual
    paid = place(other, flight)
    pay(other, paid["id"])
    wait_for_status(other, paid["id"], "TICKETED")


def test_one_customer_cannot_squat_more_unpaid_seats_than_the_limit(limited, flight):
    # three requests: within LIMIT_ORDERS_PER_USER, so each answer is the seat limit's
    client, _ = customer(limited)
    other_flight = schedule_flight(limited, economy_rows=range(2, 6))
    place(client, flight, {"name": "Ann Lee"}, {"name": "Bob Lee"})
    before = limited.http.get(f"/flights/{flight}/seats").json()
    # two more on the same flight: over 3 per flight; nothing is held
    body = assert_error(client.post("/orders", json={"flight_id": flight, "passengers": [
        {"name": "Cy Lee"}, {"name": "Di Lee"}]}), 409, "TOO_MANY_UNPAID_SEATS")
    # (details cross RPC as text)
    assert body["details"]["held"] == {flight: "2"} and body["details"]["flights_over"] == [flight]
    assert limited.http.get(f"/flights/{flight}/seats").json() == before
    # two on another flight: within its own 3, but over 3 in total
    body = assert_error(client.post("/orders", json={"flight_id": other_flight, "passengers": [
        {"name": "Cy Lee"}, {"name": "Di Lee"}]}), 409, "TOO_MANY_UNPAID_SEATS")
    assert body["details"]["flights_over"] == []
    assert len(order_ids(client)) == 1
    # another customer books as usual
    someone_else, _ = customer(limited)
    place(someone_else, flight, {"name": "Fay Lim"})
