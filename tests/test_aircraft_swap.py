"""Aircraft swap through the gateway (issue 15, item 3): ``PATCH /flights/{id}``
``{"airplane_id"}`` as an admin, checked as scheduling checks an airplane; ticket rebuilds
the seats (each passenger keeps a seat the new airplane has, the others are re-seated in
the same cabin, the last-booked bookings that do not fit are displaced and disrupted), never
two passengers on one seat nor more sold than seats, also while bookings race the swap."""
import concurrent.futures
import uuid
from datetime import timedelta

from ops.audit import audit_system
from tests.helpers import assert_error, wait_until
from tests.helpers.accounts import admin_client
from tests.helpers.booking import customer, get_order, pay, place, wait_for_status
from tests.helpers.fleet import create_airplane, schedule_flight, utc_in

SIXTEEN = [{"class": "economy", "rows": [1, 4], "layout": "AB-CD"}]  # 1A..4D
EIGHT = [{"class": "economy", "rows": [1, 2], "layout": "AB-CD"}]  # 1A..2D
THIRTY_SIX = [{"class": "economy", "rows": [1, 6], "layout": "ABC-DEF"}]


def flight_on(system, admin, cabins, departure=None):
    flight = schedule_flight(admin, create_airplane(admin, cabins=cabins), departure or utc_in(days=20))
    wait_until(lambda: system.http.get(f"/flights/{flight['id']}/seats").status_code == 200,
               what="the flight's seat inventory")
    return flight


def swap(admin, flight, airplane, expect=200):
    response = admin.patch(f"/flights/{flight['id']}", json={"airplane_id": airplane["id"]})
    assert response.status_code == expect, response.text
    return response.json()


def seat_map(system, flight_id):
    response = system.http.get(f"/flights/{flight_id}/seats")
    assert response.status_code == 200, response.text
    return response.json()


def seats_of(order):
    return [passenger["seat"] for passenger in order["passengers"]]


def booked(client, flight_id, *seats, paid=True):
    order = place(client, flight_id, *({"name": f"Passenger {seat}", "seat": seat} for seat in seats))
    if paid:
        pay(client, order["id"])
        order = wait_for_status(client, order["id"], "TICKETED", timeout=30)
    return order


def test_a_smaller_airplane_keeps_seats_reseats_and_displaces_the_last_booked(system):
    admin = admin_client(system)
    flight = flight_on(system, admin, SIXTEEN)
    client, _user_id = customer(system)
    kept = booked(client, flight["id"], "1A", "1B")
    moved = booked(client, flight["id"], "4A", "4B")
    also_moved = booked(client, flight["id"], "3A", "3B", "3C", "3D")
    displaced_ticketed = booked(client, flight["id"], "2C", "2D")
    displaced_unpaid = booked(client, flight["id"], "2A", "2B", paid=False)  # the last booked

    smaller = create_airplane(admin, cabins=EIGHT)
    answer = swap(admin, flight, smaller)
    assert answer["airplane_id"] == smaller["id"] and answer["seat_counts"] == {"economy": 8}

    def rebuilt():
        seats = seat_map(system, flight["id"])["seats"]
        return seats if len(seats) == 8 else None

    seats = wait_until(rebuilt, timeout=30, what="the seats rebuilt for the new airplane")
    assert sorted(s["seat"] for s in seats) == sorted(f"{r}{x}" for r in (1, 2) for x in "ABCD")
    assert all(s["status"] == "sold" for s in seats)  # 8 kept passengers, 8 seats, none sold twice

    # the passengers' seats, as ticket issued them and as the orders show them
    tickets = [t for t in client.get("/tickets").json()["items"] if t["flight_id"] == flight["id"]]
    issued = {}
    for ticket in tickets:
        seats_issued = issued.setdefault(ticket["order_id"], [])
        if ticket["status"] == "issued":
            seats_issued.append(ticket["seat"])
    issued = {order_id: sorted(found) for order_id, found in issued.items()}
    assert issued[kept["id"]] == ["1A", "1B"]
    every = issued[kept["id"]] + issued[moved["id"]] + issued[also_moved["id"]]
    assert sorted(every) == sorted(s["seat"] for s in seats)  # each seat once
    assert issued.get(displaced_ticketed["id"]) == []  # its tickets on this flight are cancelled
    wait_until(lambda: sorted(seats_of(get_order(client, moved["id"]))) == issued[moved["id"]],
               timeout=30, what="the re-seated order showing its new seats")

    for order in (displaced_ticketed, displaced_unpaid):
        disruption = wait_until(lambda order=order: get_order(client, order["id"]).get("disruption"), timeout=30,
                                what="the displaced booking disrupted")
        assert disruption["reason"] == "aircraft_change" and disruption["flight_id"] == flight["id"]
        assert [option["type"] for option in disruption["options"]] == ["refund", "move"]
    for order in (kept, moved, also_moved):
        assert "disruption" not in get_order(client, order["id"])
    # the books still balance: the displaced ticketed booking's money is owed until it chooses
    orders = {kept["id"], moved["id"], also_moved["id"], displaced_ticketed["id"], displaced_unpaid["id"]}
    found = [f for f in audit_system(system.config, recheck_seconds=1).discrepancies
             if f.ids.get("flight_id") == flight["id"] or f.ids.get("order_id") in orders]
    assert found == []
    # a displaced unpaid hold cannot be paid; a displaced ticketed booking takes its refund
    assert_error(client.post(f"/orders/{displaced_unpaid['id']}/pay", json={
        "card_number": "4242424242424242", "expiry": "12/39", "cvc": "123", "holder": "Ada Lovelace"}),
        409, "ORDER_NOT_PAYABLE")
    assert client.post(f"/orders/{displaced_ticketed['id']}/cancel").status_code == 200
    refunded = wait_for_status(client, displaced_ticketed["id"], "REFUNDED", timeout=30)
    assert refunded["refund"]["amount"] == refunded["amount"] and refunded["refund"]["reason"] == "disruption"
    # the seat map's layout is the new airplane's
    assert seat_map(system, flight["id"])["cabins"] == EIGHT


def test_a_bigger_airplane_keeps_every_seat(system):
    admin = admin_client(system)
    flight = flight_on(system, admin, SIXTEEN)
    client, _user_id = customer(system)
    order = booked(client, flight["id"], "4D", "1A")

    swap(admin, flight, create_airplane(admin, cabins=THIRTY_SIX))

    seats = wait_until(lambda: (lambda s: s if len(s) == 36 else None)(seat_map(system, flight["id"])["seats"]),
                       timeout=30, what="the seats rebuilt")
    assert sorted(s["seat"] for s in seats if s["status"] != "available") == ["1A", "4D"]
    assert sorted(seats_of(get_order(client, order["id"]))) == ["1A", "4D"]
    assert "disruption" not in get_order(client, order["id"])
    assert seat_map(system, flight["id"])["cabins"] == THIRTY_SIX
    # a second swap to the airplane it already flies changes nothing
    now_flying = {"id": admin.get(f"/flights/{flight['id']}").json()["airplane_id"]}
    assert swap(admin, flight, now_flying)["airplane_id"] == now_flying["id"]


def test_an_airplane_that_cannot_fly_it_is_refused_and_bad_input_changes_nothing(system):
    admin = admin_client(system)
    departure = utc_in(days=22)
    flight = flight_on(system, admin, SIXTEEN, departure)

    busy = create_airplane(admin, cabins=EIGHT)
    schedule_flight(admin, busy, departure + timedelta(minutes=30))
    assert_error(admin.patch(f"/flights/{flight['id']}", json={"airplane_id": busy["id"]}), 409, "AIRPLANE_BUSY")

    in_maintenance = create_airplane(admin, cabins=EIGHT)
    response = admin.post(f"/airplanes/{in_maintenance['id']}/maintenance", json={
        "starts_at": (departure - timedelta(hours=2)).isoformat(),
        "ends_at": (departure + timedelta(hours=6)).isoformat(), "reason": "C-check"})
    assert response.status_code == 201, response.text
    assert_error(admin.patch(f"/flights/{flight['id']}", json={"airplane_id": in_maintenance["id"]}), 409,
                 "AIRPLANE_IN_MAINTENANCE")

    retired = create_airplane(admin, cabins=EIGHT)
    assert admin.patch(f"/airplanes/{retired['id']}", json={"status": "retired"}).status_code == 200
    assert_error(admin.patch(f"/flights/{flight['id']}", json={"airplane_id": retired["id"]}), 409,
                 "AIRPLANE_RETIRED")

    two_cabins = create_airplane(admin)  # business and economy: the flight has no business fare
    assert_error(admin.patch(f"/flights/{flight['id']}", json={"airplane_id": two_cabins["id"]}), 400,
                 "FARES_MISMATCH")
    assert_error(admin.patch(f"/flights/{flight['id']}", json={"airplane_id": str(uuid.uuid4())}), 400,
                 "UNKNOWN_AIRPLANE")
    assert_error(admin.patch(f"/flights/{flight['id']}", json={}), 400)
    assert_error(admin.patch(f"/flights/{flight['id']}", json={"airplane_id": 7}), 400)
    assert_error(admin.patch(f"/flights/{uuid.uuid4()}", json={"airplane_id": busy["id"]}), 404)
    client, _user_id = customer(system)
    assert_error(client.patch(f"/flights/{flight['id']}", json={"airplane_id": busy["id"]}), 403)

    unchanged = admin.get(f"/flights/{flight['id']}").json()
    assert unchanged["airplane_id"] == flight["airplane_id"] and unchanged["seat_counts"] == {"economy": 16}
    assert len(seat_map(system, flight["id"])["seats"]) == 16

    assert admin.patch(f"/flights/{flight['id']}/status", json={"status": "cancelled"}).status_code == 200
    assert_error(admin.patch(f"/flights/{flight['id']}", json={"airplane_id": create_airplane(
        admin, cabins=EIGHT)["id"]}), 409, "FLIGHT_NOT_CHANGEABLE")


def test_bookings_racing_a_swap_never_share_a_seat_nor_oversell(system):
    admin = admin_client(system)
    flight = flight_on(system, admin, SIXTEEN)
    smaller = create_airplane(admin, cabins=EIGHT)
    clients = [customer(system)[0] for _ in range(12)]

    def book(client):
        response = client.post("/orders", json={"flight_id": flight["id"], "passengers": [{"name": "Ada Lovelace"}]})
        return client, response

    with concurrent.futures.ThreadPoolExecutor(max_workers=13) as pool:
        bookings = [pool.submit(book, client) for client in clients[:6]]
        swapping = pool.submit(swap, admin, flight, smaller)
        bookings += [pool.submit(book, client) for client in clients[6:]]
        results = [future.result() for future in bookings]
        swapping.result()

    placed = [(client, response.json()) for client, response in results if response.status_code == 201]
    assert all(response.status_code in (201, 409) for _client, response in results)
    seats = wait_until(lambda: (lambda s: s if len(s) == 8 else None)(seat_map(system, flight["id"])["seats"]),
                       timeout=30, what="the seats rebuilt")
    new_seats = {s["seat"] for s in seats}

    def settled():
        views = [get_order(client, order["id"]) for client, order in placed]
        if all(view.get("disruption") or set(seats_of(view)) <= new_seats for view in views):
            return views
        return None

    views = wait_until(settled, timeout=30, what="every booking seated on the new airplane or displaced")
    seated = [seat for view in views if not view.get("disruption") for seat in seats_of(view)]
    assert len(seated) == len(set(seated)) <= 8  # never two on one seat, never more than the seats
    taken = [s for s in seats if s["status"] != "available"]
    assert len(taken) == len(seated)


def test_a_displaced_booking_takes_the_move_to_another_flight(system):
    admin = admin_client(system)
    departure = utc_in(days=31)
    flight = flight_on(system, admin, SIXTEEN, departure)
    later = flight_on(system, admin, SIXTEEN, departure + timedelta(hours=6))
    client, _user_id = customer(system)
    booked(client, flight["id"], "1A", "1B", "3A", "3B", "4A", "4B", "4C", "4D")
    displaced = booked(client, flight["id"], "2C", "2D")  # the last booked: no room on EIGHT
    swap(admin, flight, create_airplane(admin, cabins=EIGHT))
    wait_until(lambda: get_order(client, displaced["id"]).get("disruption"), timeout=30,
               what="the displaced booking disrupted")

    response = client.post(f"/orders/{displaced['id']}/changes", json={"segment": 0, "flight_id": later["id"]})
    assert response.status_code == 201, response.text
    quote = response.json()
    assert (quote["amount_due"], quote["refund_due"], quote["disruption_move"]) == (0, 0, True)
    confirmed = client.post(f"/orders/{displaced['id']}/changes/{quote['id']}/confirm", json={})
    assert confirmed.status_code == 200, confirmed.text

    moved = get_order(client, displaced["id"])
    assert moved["flight_id"] == later["id"] and "disruption" not in moved
    tickets = [t for t in client.get("/tickets").json()["items"] if t["order_id"] == displaced["id"]]
    on_later = [t for t in tickets if t["flight_id"] == later["id"]]
    assert len(on_later) == 2 and all(t["status"] == "issued" for t in on_later)
    assert sorted(t["fare"] for t in on_later) == sorted(p["price"] for p in displaced["passengers"])
    assert all(t["status"] == "exchanged" for t in tickets if t["flight_id"] == flight["id"])
    sold_on_later = [s for s in seat_map(system, later["id"])["seats"] if s["status"] == "sold"]
    assert sorted(s["seat"] for s in sold_on_later) == sorted(t["seat"] for t in on_later)
    # nothing owed any more, nothing given away: the books balance for the order
    found = [f for f in audit_system(system.config, recheck_seconds=1).discrepancies
             if f.ids.get("order_id") == displaced["id"]]
    assert found == []
