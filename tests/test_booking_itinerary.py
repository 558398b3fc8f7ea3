"""Itineraries through the gateway (issue 14): multi-segment orders with typed
passengers, one hold for every seat on every flight, one payment, a ticket per
passenger per flight; manage my booking without login; the staff views."""
import uuid
from datetime import timedelta

import pytest

from tests.helpers import assert_error, wait_until
from tests.helpers.accounts import customer_client
from tests.helpers.booking import GOOD_CARD, get_order, pay, wait_for_status
from tests.helpers.fleet import create_airplane, schedule_flight, utc_in
from tests.helpers.tickets import seat_statuses

SMALL = [{"class": "business", "rows": [1, 1], "layout": "AC"}, {"class": "economy", "rows": [2, 3], "layout": "AB-CD"}]
ECONOMY = 1_250_000


def ready(system, flight):
    wait_until(lambda: system.http.get(f"/flights/{flight['id']}/seats").status_code == 200,
               what=f"the inventory of {flight['id']}")
    return flight


def flights(system, admin, *legs, cabins=SMALL):
    """One flight per ``(origin, destination, departure)``, each on its own airplane."""
    made = []
    for origin, destination, departure in legs:
        airplane = create_airplane(admin, cabins=cabins)
        made.append(schedule_flight(admin, airplane, departure, origin=origin, destination=destination,
                                    duration=timedelta(hours=2)))
    return [ready(system, flight) for flight in made]



@pytest.fixture
def round_trip(system, admin):
    return flights(system, admin, ("CGK", "DPS", utc_in(days=30)), ("DPS", "CGK", utc_in(days=35)))


def adult(given="Ana", family="Putri", seats=(), born="1990-04-01", **extra):
    return {"given_name": given, "family_name": family, "birth_date": born, "type": "adult", "seats": list(seats),
            **extra}


def infant(given="Sari", family="Putri", born=None):
    born = born or (utc_in(days=-100)).date().isoformat()
    return {"given_name": given, "family_name": family, "birth_date": born, "type": "infant"}


def itinerary(*flight_list, passengers, cabin="economy"):
    return {"segments": [{"flight_id": f["id"], "class": cabin} for f in flight_list], "passengers": passengers}


def test_a_round_trip_for_an_adult_and_an_infant_is_one_order_one_payment_four_tickets(system, round_trip):
    out, back = round_trip
    client = customer_client(system)
    passport = {"type": "passport", "number": "A1234567", "country": "ID", "expires": "2031-01-01"}
    body = itinerary(out, back, passengers=[adult(seats=["2A", None], document=passport), infant()])
    body["segments"][0]["fare"] = "standard"
    placed = client.post("/orders", json=body)
    assert placed.status_code == 201, placed.text
    order = placed.json()
    assert [s["flight_id"] for s in order["segments"]] == [out["id"], back["id"]]
    assert order["segments"][0]["origin"] == "CGK" and order["segments"][1]["origin"] == "DPS"
    ana, sari = order["passengers"]
    assert ana["segments"][0]["seat"] == "2A" and ana["segments"][1]["seat"]
    assert [s["seat"] for s in sari["segments"]] == [None, None] and sari["on_lap_of"] == 0
    assert ana["price"] == 2 * ECONOMY and sari["price"] == 2 * ECONOMY // 10
    assert order["amount"] == 2 * ECONOMY + 2 * ECONOMY // 10
    assert ana["document"]["number"] == "A1234567" and ana["birth_date"] == "1990-04-01"
    assert seat_statuses(system, out["id"])["2A"] == "held"
    assert seat_statuses(system, back["id"])[ana["segments"][1]["seat"]] == "held"

    pay(client, order["id"])
    ticketed = wait_for_status(client, order["id"], "TICKETED")
    tickets = ticketed["tickets"]
    assert len(tickets) == 4
    assert {(t["flight_id"], t["passenger_type"], t["seat"]) for t in tickets} == {
        (out["id"], "adult", "2A"), (out["id"], "infant", None),
        (back["id"], "adult", ana["segments"][1]["seat"]), (back["id"], "infant", None)}
    assert sum(t["fare"] for t in tickets) == order["amount"]
    assert seat_statuses(system, out["id"])["2A"] == "sold"
    mine = client.get("/tickets").json()["items"]
    assert {t["number"] for t in mine} == {t["number"] for t in tickets}

    # cancelled whole: every ticket on both flights, one refund of what the standard fares give back
    cancelled = client.post(f"/orders/{order['id']}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    refunded = wait_for_status(client, order["id"], "REFUNDED")
    due = refunded["refund_due"]
    assert refunded["refund"]["amount"] == due["amount"] and due["amount"] + due["kept"] == order["amount"]
    assert {t["status"] for t in refunded["tickets"]} == {"cancelled"}
    wait_until(lambda: seat_statuses(system, back["id"])[ana["segments"][1]["seat"]] == "available",
               what="the return seat back on sale")
    assert seat_statuses(system, out["id"])["2A"] == "available"


def test_the_one_flight_shorthand_answers_as_before(system, round_trip):
    client = customer_client(system)
    placed = client.post("/orders", json={"flight_id": round_trip[0]["id"], "passengers": [{"name": "Ada Lovelace"}]})
    assert placed.status_code == 201, placed.text
    # as before, plus the standard fare it is sold at and what cancelling would refund (fare families)
    assert set(placed.json()) == {"id", "booking_ref", "user_id", "flight_id", "status", "amount", "currency",
                                  "expires_at", "passengers", "tickets", "history", "created_at", "fares",
                                  "refund_if_cancelled"}
    assert [fare["family"] for fare in placed.json()["fares"]] == ["standard"]
    assert set(placed.json()["passengers"][0]) == {"name", "seat", "class", "price"}


def test_connections_and_parties_that_break_a_rule_are_refused_naming_the_field(system, admin, round_trip):
    out, back = round_trip
    client = customer_client(system)
    tight = flights(system, admin, ("DPS", "SUB", utc_in(days=30, hours=2, minutes=30)))[0]  # 30 min after arrival
    elsewhere = flights(system, admin, ("SUB", "CGK", utc_in(days=31)))[0]
    cases = [
        (itinerary(out, tight, passengers=[adult()]), "segments.1.flight_id"),
        (itinerary(out, elsewhere, passengers=[adult()]), "segments.1.flight_id"),
        (itinerary(back, out, passengers=[adult()]), "segments.1.flight_id"),  # not in time order
        (itinerary(out, passengers=[infant()]), "passengers"),
        (itinerary(out, passengers=[adult(), infant(), infant(given="Dewi")]), "passengers"),
        (itinerary(out, passengers=[adult(), adult(given="Budi", born="2020-01-01")]), "passengers.1.type"),
        (itinerary(out, passengers=[adult(given="R2D2")]), "passengers"),
        (itinerary(out, out, passengers=[adult()]), "segments"),
        # a passport that runs out before the flight home
        (itinerary(out, back, passengers=[adult(document={"type": "passport", "number": "A1234567", "country": "ID",
                                                         "expires": out["departure_at"][:10]})]),
         "passengers.0.document.expires"),
    ]
    for body, field in cases:
        response = client.post("/orders", json=body)
        assert_error(response, 400)
        fields = response.json()["details"]["fields"]
        assert field in fields or any(key.startswith(field) for key in fields), (field, response.text)
    assert set(seat_statuses(system, out["id"]).values()) == {"available"}
    ok = client.post("/orders", json=itinerary(out, passengers=[adult(given="Zoë", family="O'Brien-Núñez")]))
    assert ok.status_code == 201, ok.text


def test_a_seat_taken_on_the_second_flight_leaves_nothing_held_on_the_first(system, round_trip):
    out, back = round_trip
    first, second = customer_client(system), customer_client(system)
    taken = second.post("/orders", json=itinerary(back, passengers=[adult(seats=["3D"])]))
    assert taken.status_code == 201, taken.text
    refused = first.post("/orders", json=itinerary(out, back, passengers=[adult(seats=["2A", "3D"])]))
    assert_error(refused, 409, "SEAT_UNAVAILABLE")
    assert seat_statuses(system, out["id"])["2A"] == "available"


def test_manage_my_booking_with_the_reference_and_a_last_name(system, round_trip):
    out, back = round_trip
    client = customer_client(system)
    order = client.post("/orders", json=itinerary(out, back, passengers=[
        adult(family="Pütri"), adult(given="Budi", family="Santoso")])).json()
    ref, http = order["booking_ref"], system.http
    found = http.get(f"/bookings/{ref}", params={"last_name": "PUTRI"})
    assert found.status_code == 200, found.text
    assert found.json()["id"] == order["id"] and "user_id" not in found.json()
    assert http.get(f"/bookings/{ref.lower()}", params={"last_name": "santoso"}).status_code == 200
    wrong = http.get(f"/bookings/{ref}", params={"last_name": "Lovelace"})
    unknown = http.get("/bookings/ZZZZZZ", params={"last_name": "Putri"})
    assert_error(wrong, 404, "BOOKING_NOT_FOUND")
    assert_error(unknown, 404, "BOOKING_NOT_FOUND")
    assert wrong.json() == unknown.json()
    assert_error(http.get(f"/bookings/{ref}"), 400)

    cancelled = http.post(f"/bookings/{ref}/cancel", json={"last_name": "Nobody"})
    assert_error(cancelled, 404, "BOOKING_NOT_FOUND")
    cancelled = http.post(f"/bookings/{ref}/cancel", json={"last_name": "putri"})
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "CANCELLED"
    assert get_order(client, order["id"])["status"] == "CANCELLED"


def test_wrong_booking_lookups_are_throttled_per_client(make_system):
    with make_system(services=["gateway", "order"], REDIS_KEY_SCOPE=f"b{uuid.uuid4().hex[:8]}_",
                     BOOKING_LOOKUP_MAX_FAILURES=3, BOOKING_LOOKUP_WINDOW=60) as system:
        http = system.http
        for _ in range(3):
            assert_error(http.get("/bookings/ABCDEF", params={"last_name": "Guess"}), 404)
        throttled = http.get("/bookings/ABCDEF", params={"last_name": "Guess"})
        assert_error(throttled, 429, "TOO_MANY_REQUESTS")
        assert 0 < int(throttled.headers["Retry-After"]) <= 60
        assert_error(http.post("/bookings/ABCDEF/cancel", json={"last_name": "Guess"}), 429)



def test_concurrent_wrong_lookups_cannot_pass_the_limit_together(make_system):
    """Each lookup is counted before it is compared: of 12 guesses at once, 3 are tried."""
    from concurrent.futures import ThreadPoolExecutor

    with make_system(services=["gateway", "order"], REDIS_KEY_SCOPE=f"c{uuid.uuid4().hex[:8]}_",
                     BOOKING_LOOKUP_MAX_FAILURES=3, BOOKING_LOOKUP_WINDOW=60) as system:
        def guess(n):
            return system.http.get("/bookings/ABCDEF", params={"last_name": f"Guess{n}"}).status_code

        with ThreadPoolExecutor(12) as pool:
            statuses = sorted(pool.map(guess, range(12)))
        assert statuses == [404] * 3 + [429] * 9

def test_staff_find_orders_and_see_a_flights_manifest(system, admin, round_trip):
    out, back = round_trip
    email = f"itinerary-{uuid.uuid4().hex[:8]}@example.com"
    registered = system.http.post("/auth/register", json={"email": email, "password": "a-long-password-1",
                                                           "full_name": "Ana Putri"})
    assert registered.status_code == 201, registered.text
    token = system.http.post("/auth/login", json={"email": email, "password": "a-long-password-1"}).json()
    client = system.http.as_user(token["access_token"])
    order = client.post("/orders", json=itinerary(out, back, passengers=[adult(seats=["2B", "2B"]), infant()])).json()
    pay(client, order["id"], GOOD_CARD)
    ticketed = wait_for_status(client, order["id"], "TICKETED")

    by_ref = admin.get("/admin/orders", params={"booking_ref": order["booking_ref"]})
    assert by_ref.status_code == 200, by_ref.text
    assert [o["id"] for o in by_ref.json()["items"]] == [order["id"]]
    by_email = admin.get("/admin/orders", params={"email": email.upper()}).json()["items"]
    assert [o["id"] for o in by_email] == [order["id"]]
    by_flight = admin.get("/admin/orders", params={"flight_id": back["id"]}).json()["items"]
    assert order["id"] in [o["id"] for o in by_flight]
    assert_error(admin.get("/admin/orders", params={"booking_ref": "X", "flight_id": back["id"]}), 400)
    assert_error(client.get("/admin/orders", params={"flight_id": back["id"]}), 403)

    manifest = admin.get(f"/flights/{back['id']}/manifest")
    assert manifest.status_code == 200, manifest.text
    numbers = {t["number"] for t in ticketed["tickets"] if t["flight_id"] == back["id"]}
    entries = [e for e in manifest.json()["passengers"] if e["order_id"] == order["id"]]
    assert [(e["name"], e["type"], e["seat"]) for e in entries] == [("Ana Putri", "adult", "2B"),
                                                                     ("Sari Putri", "infant", None)]
    assert {e["ticket_number"] for e in entries} == numbers
    assert_error(client.get(f"/flights/{back['id']}/manifest"), 403)
    assert_error(admin.get("/flights/no-such-flight/manifest"), 404)
