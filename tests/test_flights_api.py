"""Scheduling flights and changing their status through the gateway."""
from datetime import timedelta

import pytest

from tests.helpers import assert_error
from tests.helpers.accounts import customer_client
from tests.helpers.fleet import create_airplane, flight_body, recorded_fleet_events, schedule_flight, utc_in


@pytest.fixture
def airplane(admin):
    return create_airplane(admin)


def test_airports_search_by_code_city_or_name(system):
    by_code = system.http.get("/airports", params={"q": "dps"}).json()["items"]
    assert by_code[0]["code"] == "DPS"  # the exact code first
    assert (by_code[0]["country"], by_code[0]["tz"]) == ("ID", "Asia/Makassar")
    assert "Bali" in by_code[0]["name"]
    by_city = system.http.get("/airports", params={"q": "Jakarta"}).json()["items"]
    assert {"CGK", "HLP"} <= {a["code"] for a in by_city}
    by_name = system.http.get("/airports", params={"q": "Changi"}).json()["items"]
    assert "SIN" in {a["code"] for a in by_name}
    assert len(system.http.get("/airports", params={"limit": 5}).json()["items"]) == 5
    assert_error(system.http.get("/airports", params={"limit": 0}), 400)


def test_scheduled_flight_publishes_seats_and_fares(system, admin, airplane):
    departure = utc_in(days=3)
    with recorded_fleet_events(system.config) as events:
        flight = schedule_flight(admin, airplane, departure, flight_number="ga 408".replace(" ", ""),
                                 origin="cgk", currency="idr")
        (_, payload), = events.wait_for(lambda kind, p: kind == "flight_scheduled" and p["flight_id"] == flight["id"])
    assert flight["flight_number"] == "GA408" and flight["origin"] == "CGK" and flight["currency"] == "IDR"
    assert flight["status"] == "scheduled" and flight["departure_at"] == departure.isoformat()
    assert payload["fares"] == {"economy": 1250000, "business": 4500000}
    assert payload["airplane_id"] == airplane["id"] and payload["currency"] == "IDR"
    assert len(payload["seats"]) == 162
    assert payload["seats"][0] == {"seat": "1A", "class": "business"}
    assert system.http.get(f"/flights/{flight['id']}").json() == flight


@pytest.mark.parametrize("overrides, field", [
    ({"destination": "CGK"}, "destination"),
    ({"origin": "XQZ"}, "origin"),
    ({"destination": "ZZ1"}, "destination"),
    ({"flight_number": "GA12345"}, "flight_number"),
    ({"flight_number": "G"}, "flight_number"),
    ({"currency": "XYZ"}, "currency"),
    ({"currency": "rupiah"}, "currency"),
    ({"departure_at": "2030-01-01T10:00:00"}, "departure_at"),
    ({"fares": {"economy": -5, "business": 10}}, "fares"),
    ({"fares": {}}, "fares"),
    ({"airplane_id": "no-such-airplane"}, "airplane_id"),
])
def test_bad_flight_input_is_400_naming_the_field(admin, airplane, overrides, field):
    body = assert_error(admin.post("/flights", json=flight_body(airplane, utc_in(days=2), **overrides)), 400)
    assert field in body["details"]["fields"], body


def test_unknown_airport_code_is_named(admin, airplane):
    body = assert_error(admin.post("/flights", json=flight_body(airplane, utc_in(days=2), origin="QQQ")), 400,
                   "UNKNOWN_AIRPORT")
    assert body["details"]["fields"] == {"origin": ["Unknown airport."]}


def test_time_rules(admin, airplane):
    departure = utc_in(days=2)
    landing_at_take_off = flight_body(airplane, departure, arrival_at=departure.isoformat())
    body = assert_error(admin.post("/flights", json=landing_at_take_off), 400)
    assert "arrival_at" in body["details"]["fields"]
    body = assert_error(admin.post("/flights", json=flight_body(airplane, utc_in(hours=-1))), 400)
    assert "departure_at" in body["details"]["fields"]


def test_fares_must_cover_exactly_the_airplane_cabins(admin, airplane):
    extra = flight_body(airplane, utc_in(days=2), fares={"economy": 1, "business": 2, "first": 3})
    body = assert_error(admin.post("/flights", json=extra), 400, "FARES_MISMATCH")
    assert set(body["details"]["fields"]["fares"]) == {"first"}
    missing = flight_body(airplane, utc_in(days=2), fares={"economy": 1})
    body = assert_error(admin.post("/flights", json=missing), 400, "FARES_MISMATCH")
    assert set(body["details"]["fields"]["fares"]) == {"business"}


def test_an_airplane_cannot_fly_twice_at_once_or_without_turnaround(admin, airplane):
    first = schedule_flight(admin, airplane, utc_in(days=5))  # 1h50 in the air
    overlapping = flight_body(airplane, utc_in(days=5, hours=1), origin="DPS", destination="CGK")
    body = assert_error(admin.post("/flights", json=overlapping), 409, "AIRPLANE_BUSY")
    assert body["details"]["flight"]["id"] == first["id"]
    too_soon = flight_body(airplane, utc_in(days=5, hours=2, minutes=20), origin="DPS", destination="CGK")
    assert_error(admin.post("/flights", json=too_soon), 409, "AIRPLANE_BUSY")  # 30 minutes after landing
    schedule_flight(admin, airplane, utc_in(days=5, hours=2, minutes=35), origin="DPS", destination="CGK")


def test_same_flight_number_at_the_same_time_is_409(admin):
    departure = utc_in(days=6)
    flight = schedule_flight(admin, create_airplane(admin), departure)
    again = flight_body(create_airplane(admin), departure, flight_number=flight["flight_number"])
    assert_error(admin.post("/flights", json=again), 409, "FLIGHT_EXISTS")


def test_status_life_cycle_publishes_each_change(system, admin, airplane):
    flight = schedule_flight(admin, airplane, utc_in(days=2))
    path = f"/flights/{flight['id']}/status"
    new_departure = utc_in(days=2, hours=2)
    with recorded_fleet_events(system.config) as events:
        delayed = admin.patch(path, json={"status": "delayed", "departure_at": new_departure.isoformat()})
        assert delayed.status_code == 200, delayed.text
        assert delayed.json()["departure_at"] == new_departure.isoformat()
        assert delayed.json()["arrival_at"] == (new_departure + timedelta(hours=1, minutes=50)).isoformat()
        for status in ("boarding", "departed", "arrived"):
            answer = admin.patch(path, json={"status": status})
            assert answer.status_code == 200 and answer.json()["status"] == status, answer.text
        events.wait_for(lambda kind, p: kind == "flight_status_changed" and p["new"] == "arrived"
                        and p["flight_id"] == flight["id"])
    changes = [(p["old"], p["new"]) for p in events.of("flight_status_changed", flight_id=flight["id"])]
    assert changes == [("scheduled", "delayed"), ("delayed", "boarding"), ("boarding", "departed"),
                       ("departed", "arrived")]
    first = events.of("flight_status_changed", flight_id=flight["id"])[0]
    assert first["departure_at"] == new_departure.isoformat() and "arrival_at" in first
    body = assert_error(admin.patch(path, json={"status": "cancelled"}), 409, "ILLEGAL_TRANSITION")
    assert body["details"] == {"from": "arrived", "to": "cancelled", "allowed": []}
    assert events.of("flight_cancelled", flight_id=flight["id"]) == []


def test_cancellation_publishes_flight_cancelled(system, admin, airplane):
    flight = schedule_flight(admin, airplane, utc_in(days=2))
    with recorded_fleet_events(system.config) as events:
        answer = admin.patch(f"/flights/{flight['id']}/status", json={"status": "cancelled"})
        assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
        events.wait_for(lambda kind, p: kind == "flight_cancelled" and p["flight_id"] == flight["id"])
        events.wait_for(lambda kind, p: kind == "flight_status_changed" and p["flight_id"] == flight["id"]
                        and (p["old"], p["new"]) == ("scheduled", "cancelled"))
    assert_error(admin.patch(f"/flights/{flight['id']}/status", json={"status": "boarding"}), 409, "ILLEGAL_TRANSITION")
    # the airplane is free again at that time
    schedule_flight(admin, airplane, utc_in(days=2))


def test_status_input_errors(admin, airplane):
    flight = schedule_flight(admin, airplane, utc_in(days=2))
    path = f"/flights/{flight['id']}/status"
    assert_error(admin.patch(path, json={"status": "departed"}), 409, "ILLEGAL_TRANSITION")
    assert_error(admin.patch(path, json={"status": "teleported"}), 400)
    assert_error(admin.patch(path, json={"status": "scheduled"}), 400)
    body = assert_error(admin.patch(path, json={"status": "delayed"}), 400)
    assert "departure_at" in body["details"]["fields"]
    earlier = utc_in(days=1).isoformat()
    assert_error(admin.patch(path, json={"status": "delayed", "departure_at": earlier}), 400)
    assert_error(admin.patch(path, json={"status": "boarding", "departure_at": utc_in(days=3).isoformat()}), 400)
    assert_error(admin.patch("/flights/6f1c5a1e-0000-4000-8000-000000000000/status", json={"status": "boarding"}), 404)
    assert admin.get(f"/flights/{flight['id']}").json()["status"] == "scheduled"


def test_unknown_flights_are_404(system):
    assert_error(system.http.get("/flights/not-a-uuid"), 404, "NOT_FOUND")
    assert_error(system.http.get("/flights/6f1c5a1e-0000-4000-8000-000000000000"), 404, "NOT_FOUND")


def test_customers_cannot_schedule_or_change_flights(system, admin, airplane):
    flight = schedule_flight(admin, airplane, utc_in(days=2))
    customer = customer_client(system)
    assert_error(customer.post("/flights", json=flight_body(airplane, utc_in(days=9))), 403, "FORBIDDEN")
    assert_error(customer.patch(f"/flights/{flight['id']}/status", json={"status": "cancelled"}), 403, "FORBIDDEN")
    assert customer.get(f"/flights/{flight['id']}").json()["status"] == "scheduled"
