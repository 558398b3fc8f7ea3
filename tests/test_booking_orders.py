"""Placing, reading and cancelling orders through the gateway: validation,
ownership, idempotency keys, and that a failed order creates nothing."""
import uuid

import pytest

from tests.helpers import assert_error, wait_until
from tests.helpers.booking import customer, get_order, place, schedule_flight, store
from tests.helpers.tickets import BUSINESS_FARE, ECONOMY_FARE, seat_statuses


@pytest.fixture(scope="module")
def flight(system):
    return schedule_flight(system, economy_rows=range(2, 8))


def orders_of(system, user_id):
    client, db = store(system, "order")
    try:
        return list(db.orders.find({"user_id": user_id}))
    finally:
        client.close()


def test_order_holds_named_and_assigned_seats(system, flight):
    client, user_id = customer(system)
    order = place(client, flight, {"name": "Ann", "seat": "1b"}, {"name": "Bob", "seat": "1A"})
    assert order["status"] == "PENDING_PAYMENT"
    assert order["user_id"] == user_id and order["flight_id"] == flight
    assert [(p["name"], p["seat"], p["class"]) for p in order["passengers"]] == [
        ("Ann", "1B", "business"), ("Bob", "1A", "business"),
    ]
    assert order["amount"] == 2 * BUSINESS_FARE and order["currency"] == "IDR"
    assert len(order["booking_ref"]) == 6 and not set(order["booking_ref"]) & set("0O1IL")
    assert order["expires_at"].endswith("+00:00")
    assert [h["status"] for h in order["history"]] == ["PENDING_PAYMENT"]
    assert order["tickets"] == []
    statuses = seat_statuses(system, flight)
    assert statuses["1A"] == statuses["1B"] == "held"

    auto = place(client, flight, {"name": "Cy"}, {"name": "Di"}, {"name": "Ed"})
    assert [p["class"] for p in auto["passengers"]] == ["economy"] * 3
    assert auto["amount"] == 3 * ECONOMY_FARE
    assert len({p["seat"] for p in auto["passengers"]}) == 3


def test_owner_sees_orders_others_get_404(system, flight):
    owner, _ = customer(system)
    stranger, _ = customer(system)
    order = place(owner, flight)
    assert get_order(owner, order["id"]) == order
    assert_error(stranger.get(f"/orders/{order['id']}"), 404, "NOT_FOUND")
    assert_error(stranger.post(f"/orders/{order['id']}/cancel"), 404, "NOT_FOUND")
    assert_error(stranger.post(f"/orders/{order['id']}/pay", json={
        "card_number": "4242424242424242", "expiry": "12/39", "cvc": "123", "holder": "X"}), 404, "NOT_FOUND")
    assert_error(owner.get("/orders/000000000000000000000000"), 404, "NOT_FOUND")
    assert_error(owner.get("/orders/not-an-id"), 404, "NOT_FOUND")
    assert stranger.get("/orders").json() == {"items": [], "next_cursor": None}
    assert_error(system.http.get("/orders"), 401)
    assert_error(system.http.post("/orders", json={}), 401)


def test_orders_are_listed_newest_first_in_pages(system, flight):
    client, _ = customer(system)
    placed = [place(client, flight)["id"] for _ in range(3)]
    first = client.get("/orders", params={"limit": 2}).json()
    assert [o["id"] for o in first["items"]] == placed[::-1][:2]
    second = client.get("/orders", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert [o["id"] for o in second["items"]] == placed[:1] and second["next_cursor"] is None
    assert_error(client.get("/orders", params={"limit": 0}), 400)
    assert_error(client.get("/orders", params={"cursor": "zzz"}), 400)


@pytest.mark.parametrize("body", [
    {"passengers": [{"name": "A"}]},
    {"flight_id": "FLIGHT", "passengers": []},
    {"flight_id": "FLIGHT", "passengers": [{"name": f"P{i}"} for i in range(10)]},
    {"flight_id": "FLIGHT", "passengers": [{"name": ""}]},
    {"flight_id": "FLIGHT", "passengers": [{"name": "   "}]},
    {"flight_id": "FLIGHT", "passengers": [{"name": "x" * 5000}]},
    {"flight_id": "FLIGHT", "passengers": [{}]},
    {"flight_id": "FLIGHT", "passengers": [{"name": "A", "seat": "2A"}, {"name": "B", "seat": "2A"}]},
    {"flight_id": "FLIGHT", "passengers": [{"name": "A", "passport": "X1"}]},
    {"flight_id": "FLIGHT", "passengers": [{"name": "A"}], "amount": 1},
    {"flight_id": "FLIGHT", "passengers": [{"name": 42}]},
    {"flight_id": "FLIGHT", "passengers": {"name": "A"}},
    {"flight_id": ["FLIGHT"], "passengers": [{"name": "A"}]},
    {"flight_id": "FLIGHT", "passengers": [{"name": "A", "seat": "99Z"}]},
    {"flight_id": "FLIGHT", "passengers": [{"name": "A", "seat": "1A"}], "class": "economy"},
])
def test_bad_input_is_400_and_creates_nothing(system, flight, body):
    client, user_id = customer(system)
    before = seat_statuses(system, flight)
    body = {k: (flight if v == "FLIGHT" else v) for k, v in body.items()}
    problem = assert_error(client.post("/orders", json=body), 400)
    assert problem["details"], problem
    assert orders_of(system, user_id) == []
    assert seat_statuses(system, flight) == before


@pytest.mark.parametrize("raw", [b"", b"not json", b"[1, 2]", b'"text"'])
def test_malformed_body_is_400(system, raw):
    client, _ = customer(system)
    assert_error(client.post("/orders", data=raw, headers={"Content-Type": "application/json"}), 400)


def test_taken_seat_is_409_naming_it_and_holds_nothing(system, flight):
    first, _ = customer(system)
    second, second_id = customer(system)
    place(first, flight, {"name": "A", "seat": "4A"})
    before = seat_statuses(system, flight)
    body = assert_error(second.post("/orders", json={"flight_id": flight, "passengers": [
        {"name": "B", "seat": "4B"}, {"name": "C", "seat": "4A"}]}), 409, "SEAT_UNAVAILABLE")
    assert body["details"]["seats"] == ["4A"]
    assert seat_statuses(system, flight) == before  # 4B was not held either
    assert orders_of(system, second_id) == []


def test_unknown_flight_is_404_and_closed_flight_409(system):
    client, user_id = customer(system)
    assert_error(client.post("/orders", json={"flight_id": "no-such-flight", "passengers": [{"name": "A"}]}), 404)
    cancelled = schedule_flight(system)
    system.dispatch("track", "flight_cancelled", {"flight_id": cancelled})
    system.dispatch("track", "flight_status_changed", {"flight_id": cancelled, "old": "scheduled", "new": "cancelled"})
    wait_until(lambda: client.post("/orders", json={"flight_id": cancelled, "passengers": [{"name": "A"}]})
               .status_code == 409, what="booking to close")
    assert orders_of(system, user_id) == []


def test_not_enough_seats_is_409(system):
    flight = schedule_flight(system, business_rows=range(1, 1), economy_rows=range(2, 3))
    client, user_id = customer(system)
    five = [{"name": f"P{i}"} for i in range(5)]
    assert_error(client.post("/orders", json={"flight_id": flight, "passengers": five}), 409)
    assert orders_of(system, user_id) == []
    assert set(seat_statuses(system, flight).values()) == {"available"}


def test_idempotency_key_returns_the_same_order(system, flight):
    client, user_id = customer(system)
    key = {"Idempotency-Key": uuid.uuid4().hex}
    body = {"flight_id": flight, "passengers": [{"name": "Ann"}]}
    first = client.post("/orders", json=body, headers=key)
    assert first.status_code == 201, first.text
    again = client.post("/orders", json={"passengers": [{"name": "Ann"}], "flight_id": flight}, headers=key)
    assert again.status_code in (200, 201) and again.json()["id"] == first.json()["id"]
    other_body = {"flight_id": flight, "passengers": [{"name": "Bo"}]}
    reused = assert_error(client.post("/orders", json=other_body, headers=key), 409, "IDEMPOTENCY_KEY_REUSED")
    assert reused["details"]["order_id"] == first.json()["id"]
    assert len(orders_of(system, user_id)) == 1
    # the same key from another user is another order
    other, _ = customer(system)
    assert other.post("/orders", json=body, headers=key).json()["id"] != first.json()["id"]


def test_concurrent_requests_with_one_key_make_one_order(system, flight):
    import eventlet

    client, user_id = customer(system)
    key = uuid.uuid4().hex
    body = {"flight_id": flight, "passengers": [{"name": "Ann"}, {"name": "Bo"}]}

    def attempt(_):
        session, _ = customer(system)
        session.headers.update(client.headers)
        return session.post("/orders", json=body, headers={"Idempotency-Key": key})

    responses = list(eventlet.GreenPool(8).imap(attempt, range(8)))
    assert {r.status_code for r in responses} <= {200, 201}, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert len(orders_of(system, user_id)) == 1
    held = [s for s, status in seat_statuses(system, flight).items() if status == "held"]
    assert set(p["seat"] for p in responses[0].json()["passengers"]) <= set(held)


def test_failed_order_frees_its_idempotency_key(system, flight):
    client, user_id = customer(system)
    key = {"Idempotency-Key": uuid.uuid4().hex}
    assert_error(client.post("/orders", json={"flight_id": "nope", "passengers": [{"name": "A"}]}, headers=key), 404)
    assert client.post("/orders", json={"flight_id": flight, "passengers": [{"name": "A"}]},
                       headers=key).status_code == 201
    assert len(orders_of(system, user_id)) == 1


def test_cancel_pending_order_releases_its_seats(system, flight):
    client, _ = customer(system)
    order = place(client, flight, {"name": "A", "seat": "5C"})
    assert seat_statuses(system, flight)["5C"] == "held"
    response = client.post(f"/orders/{order['id']}/cancel")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "CANCELLED"
    assert [h["status"] for h in response.json()["history"]] == ["PENDING_PAYMENT", "CANCELLED"]
    wait_until(lambda: seat_statuses(system, flight)["5C"] == "available", what="seat 5C released")
    # cancelling again changes nothing; paying is refused
    assert client.post(f"/orders/{order['id']}/cancel").json()["status"] == "CANCELLED"
    assert_error(client.post(f"/orders/{order['id']}/pay", json={
        "card_number": "4242424242424242", "expiry": "12/39", "cvc": "123", "holder": "A"}), 409, "ORDER_NOT_PAYABLE")


def test_openapi_lists_booking_routes_with_errors(system):
    paths = system.http.get("/openapi.json").json()["paths"]
    assert set(paths["/orders"]) == {"get", "post"}
    assert {"201", "400", "401", "404", "409"} <= set(paths["/orders"]["post"]["responses"])
    assert {"201", "400", "401", "402", "404", "409"} <= set(paths["/orders/{order_id}/pay"]["post"]["responses"])
    for path in ("/orders/{order_id}", "/orders/{order_id}/cancel", "/tickets", "/tickets/{ticket_number}"):
        assert path in paths
