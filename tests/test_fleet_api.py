"""Airplane models, airplanes and maintenance through the gateway (admin only)."""
from datetime import timedelta

import eventlet
import pytest

from tests.helpers import assert_error
from tests.helpers.accounts import admin_client, customer_client
from tests.helpers.fleet import (
    A320_CABINS,
    create_airplane,
    create_model,
    flight_body,
    recorded_fleet_events,
    schedule_flight,
    unique_registration,
    utc_in,
)


@pytest.mark.parametrize("method, path", [
    ("GET", "/airplane-models"), ("POST", "/airplane-models"), ("GET", "/airplane-models/x/seats"),
    ("GET", "/airplanes"), ("POST", "/airplanes"), ("GET", "/airplanes/x"), ("PATCH", "/airplanes/x"),
    ("POST", "/airplanes/x/maintenance"), ("POST", "/flights"), ("PATCH", "/flights/x/status"),
])
def test_admin_endpoints_refuse_customers_and_strangers(system, method, path):
    assert_error(customer_client(system).request(method, path, json={}), 403, "FORBIDDEN")
    assert_error(system.http.request(method, path, json={}), 401)


def test_model_answers_seat_counts_and_seat_list(admin):
    model = create_model(admin, manufacturer="Airbus")
    assert model["seat_counts"] == {"business": 12, "economy": 150}
    assert model["cabins"] == A320_CABINS
    seats = admin.get(f"/airplane-models/{model['id']}/seats").json()["items"]
    assert len(seats) == 162
    assert seats[0] == {"seat": "1A", "class": "business", "row": 1, "letter": "A", "position": "window"}
    assert seats[-1]["seat"] == "30F"
    assert model["id"] in [m["id"] for m in admin.get("/airplane-models").json()["items"]]
    assert admin.get(f"/airplane-models/{model['id']}").json() == model


@pytest.mark.parametrize("cabins, where", [
    ([{"class": "business", "rows": [1, 5], "layout": "AC-DF"},
      {"class": "economy", "rows": [4, 30], "layout": "ABC-DEF"}], "rows"),
    ([{"class": "luxury", "rows": [1, 5], "layout": "AB"}], "0"),
    ([], None),
    ([{"class": "economy", "rows": [1, 5], "layout": ""}], "0"),
    ([{"class": "economy", "rows": [1, 5], "layout": "AB-C$"}], "0"),
    ([{"class": "economy", "rows": [1, 5], "layout": "ABC-CDE"}], "0"),
    ([{"class": "economy", "rows": [9, 5], "layout": "ABC"}], "0"),
])
def test_invalid_layouts_are_400_with_details(admin, cabins, where):
    body = assert_error(
        admin.post("/airplane-models", json={"manufacturer": "Boeing", "model": "737-X", "cabins": cabins}), 400)
    problems = body["details"]["fields"]["cabins"]
    if where:
        assert where in problems, problems


def test_model_missing_fields_and_duplicates(admin):
    body = assert_error(admin.post("/airplane-models", json={"cabins": A320_CABINS}), 400)
    assert set(body["details"]["fields"]) == {"manufacturer", "model"}
    assert_error(admin.post("/airplane-models", data="not json"), 400, "MALFORMED_JSON")
    model = create_model(admin)
    again = admin.post("/airplane-models",
                       json={"manufacturer": "Airbus", "model": model["model"], "cabins": A320_CABINS})
    assert_error(again, 409, "MODEL_EXISTS")
    assert_error(admin.get("/airplane-models/nope/seats"), 404)


def test_registration_is_upper_cased_and_unique(admin):
    model = create_model(admin)
    registration = unique_registration()
    created = admin.post("/airplanes", json={"registration": f" {registration.lower()} ", "model_id": model["id"]})
    assert created.status_code == 201, created.text
    airplane = created.json()
    assert airplane["registration"] == registration
    assert airplane["status"] == "active"
    assert airplane["model"]["seat_counts"] == {"business": 12, "economy": 150}
    assert_error(admin.post("/airplanes", json={"registration": registration, "model_id": model["id"]}), 409,
          "REGISTRATION_TAKEN")
    assert admin.get(f"/airplanes/{airplane['id']}").json() == airplane


def test_airplane_input_errors(admin):
    model = create_model(admin)
    body = assert_error(admin.post("/airplanes", json={"registration": "PK GLA!", "model_id": model["id"]}), 400)
    assert "registration" in body["details"]["fields"]
    body = assert_error(admin.post("/airplanes", json={"registration": unique_registration(), "model_id": "nope"}), 400)
    assert "model_id" in body["details"]["fields"]
    assert_error(admin.get("/airplanes/does-not-exist"), 404, "NOT_FOUND")


def test_airplanes_are_listed_by_registration_in_pages(admin):
    for _ in range(3):
        create_airplane(admin)
    first = admin.get("/airplanes", params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = admin.get("/airplanes", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    registrations = [a["registration"] for a in first["items"] + second["items"]]
    assert registrations == sorted(registrations) and len(set(registrations)) == 4
    assert_error(admin.get("/airplanes", params={"limit": "many"}), 400)


def test_maintenance_window_rules_and_event(system, admin):
    airplane = create_airplane(admin)
    starts, ends = utc_in(days=5), utc_in(days=6)
    path = f"/airplanes/{airplane['id']}/maintenance"
    backwards = {"starts_at": ends.isoformat(), "ends_at": starts.isoformat(), "reason": "A-check"}
    body = assert_error(admin.post(path, json=backwards), 400)
    assert "ends_at" in body["details"]["fields"]
    assert_error(admin.post(path, json={"starts_at": "tomorrow", "ends_at": ends.isoformat(), "reason": "x"}), 400)
    a_check = {"starts_at": starts.isoformat(), "ends_at": ends.isoformat(), "reason": "A-check"}
    assert_error(admin.post("/airplanes/nope/maintenance", json=a_check), 404)
    with recorded_fleet_events(system.config) as events:
        created = admin.post(path, json=a_check)
        assert created.status_code == 201, created.text
        window = created.json()
        events.wait_for(lambda kind, p: kind == "maintenance_scheduled" and p["window_id"] == window["id"])
    assert window["starts_at"] == starts.isoformat() and window["reason"] == "A-check"
    assert admin.get(path).json()["items"] == [window]


def test_maintenance_over_a_scheduled_flight_is_409(admin):
    airplane = create_airplane(admin)
    flight = schedule_flight(admin, airplane, utc_in(days=4, hours=3))
    path = f"/airplanes/{airplane['id']}/maintenance"
    overlapping = {"starts_at": utc_in(days=4).isoformat(), "ends_at": utc_in(days=4, hours=4).isoformat(),
                   "reason": "wheels"}
    body = assert_error(admin.post(path, json=overlapping), 409, "AIRPLANE_HAS_FLIGHTS")
    assert body["details"]["airplane_id"] == airplane["id"]
    after = {"starts_at": utc_in(days=4, hours=6).isoformat(), "ends_at": utc_in(days=4, hours=9).isoformat(),
             "reason": "wheels"}
    assert admin.post(f"/airplanes/{airplane['id']}/maintenance", json=after).status_code == 201
    # once the flight is cancelled the airplane is free again
    assert admin.patch(f"/flights/{flight['id']}/status", json={"status": "cancelled"}).status_code == 200
    assert admin.post(f"/airplanes/{airplane['id']}/maintenance", json=overlapping).status_code == 201


def test_flight_inside_maintenance_is_409(admin):
    airplane = create_airplane(admin)
    window = {"starts_at": utc_in(days=7).isoformat(), "ends_at": utc_in(days=8).isoformat(), "reason": "C-check"}
    assert admin.post(f"/airplanes/{airplane['id']}/maintenance", json=window).status_code == 201
    body = assert_error(admin.post("/flights", json=flight_body(airplane, utc_in(days=7, hours=23))), 409,
                 "AIRPLANE_IN_MAINTENANCE")
    assert body["details"]["window"]["reason"] == "C-check"
    schedule_flight(admin, airplane, utc_in(days=8, hours=1))


def test_retiring_needs_no_future_flights(admin):
    busy = create_airplane(admin)
    flight = schedule_flight(admin, busy, utc_in(days=2))
    assert_error(admin.patch(f"/airplanes/{busy['id']}", json={"status": "retired"}), 409, "AIRPLANE_HAS_FLIGHTS")
    admin.patch(f"/flights/{flight['id']}/status", json={"status": "cancelled"})
    retired = admin.patch(f"/airplanes/{busy['id']}", json={"status": "retired"})
    assert retired.status_code == 200 and retired.json()["status"] == "retired"
    assert_error(admin.post("/flights", json=flight_body(busy, utc_in(days=3))), 409, "AIRPLANE_RETIRED")
    window = {"starts_at": utc_in(days=3).isoformat(), "ends_at": utc_in(days=4).isoformat(), "reason": "x"}
    assert_error(admin.post(f"/airplanes/{busy['id']}/maintenance", json=window), 409, "AIRPLANE_RETIRED")
    assert_error(admin.patch(f"/airplanes/{busy['id']}", json={"status": "flying"}), 400)
    assert_error(admin.patch("/airplanes/nope", json={"status": "retired"}), 404)


def test_a_flight_and_a_maintenance_window_racing_never_both_stand(system):
    """Each side checks the other after its own commit, so of a flight and a window
    written at the same moment for the same airplane, at most one is kept."""

    admin = admin_client(system)
    outcomes = []
    for round_ in range(8):
        airplane = create_airplane(admin)
        departure = utc_in(days=60 + round_, hours=2)
        window = {"starts_at": (departure - timedelta(hours=1)).isoformat(),
                  "ends_at": (departure + timedelta(hours=4)).isoformat(), "reason": "A-check"}
        pool = eventlet.GreenPool(2)
        flight_call = pool.spawn(admin.post, "/flights", json=flight_body(airplane, departure))
        window_call = pool.spawn(admin.post, f"/airplanes/{airplane['id']}/maintenance", json=window)
        flight, maintenance = flight_call.wait(), window_call.wait()
        assert {flight.status_code, maintenance.status_code} <= {201, 409}, (flight.text, maintenance.text)
        assert not (flight.status_code == 201 and maintenance.status_code == 201)
        windows = admin.get(f"/airplanes/{airplane['id']}/maintenance").json()["items"]
        assert len(windows) == (1 if maintenance.status_code == 201 else 0)
        if flight.status_code == 201:
            assert admin.get(f"/flights/{flight.json()['id']}").status_code == 200
        outcomes.append((flight.status_code, maintenance.status_code))
    assert any(201 in outcome for outcome in outcomes)
