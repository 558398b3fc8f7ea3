"""The fleet through the gateway, as an admin: airplane models, airplanes, flights (tests/test_fleet_*,
test_flights_*)."""
import itertools
import uuid
from datetime import UTC, datetime, timedelta

from tests.helpers.events import recorded_events

A320_CABINS = [
    {"class": "business", "rows": [1, 3], "layout": "AC-DF"},
    {"class": "economy", "rows": [6, 30], "layout": "ABC-DEF"},
]
_registrations = itertools.count(1)


# a registration is up to 3 characters, a dash, up to 6 (airplane/schemas.py): a tag of this
# test process and a counter keep them unique across the session's database
_PROCESS_TAG = uuid.uuid4().hex[:3].upper()


def unique_registration():
    return f"{_PROCESS_TAG}-{next(_registrations):06d}"


def utc_in(hours=0, days=0, minutes=0):
    moment = datetime.now(UTC) + timedelta(days=days, hours=hours, minutes=minutes)
    return moment.replace(second=0, microsecond=0)


def create_model(admin, cabins=None, **extra):
    body = {"manufacturer": "Airbus", "model": f"A320-{uuid.uuid4().hex[:6]}", "cabins": cabins or A320_CABINS}
    body.update(extra)
    response = admin.post("/airplane-models", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def create_airplane(admin, model_id=None, cabins=None):
    model_id = model_id or create_model(admin, cabins)["id"]
    response = admin.post("/airplanes", json={"registration": unique_registration(), "model_id": model_id})
    assert response.status_code == 201, response.text
    return response.json()


def unique_flight_number():
    """GA2000-GA9999: the demo data (ops/seed.py) only uses three-digit numbers, so a test's
    flight never shares a number and a day with a seeded one."""
    return f"GA{uuid.uuid4().int % 8000 + 2000}"


def flight_body(airplane, departure, duration=timedelta(hours=1, minutes=50), **overrides):
    fares = {"economy": 1250000, "business": 4500000}
    fares = {cls: amount for cls, amount in fares.items() if cls in airplane["model"]["seat_counts"]}
    body = {
        "flight_number": unique_flight_number(), "airplane_id": airplane["id"],
        "origin": "CGK", "destination": "DPS",
        "departure_at": departure.isoformat(), "arrival_at": (departure + duration).isoformat(),
        "fares": fares, "currency": "IDR",
    }
    body.update(overrides)
    return body


def schedule_flight(admin, airplane, departure, **overrides):
    response = admin.post("/flights", json=flight_body(airplane, departure, **overrides))
    assert response.status_code == 201, response.text
    return response.json()


# -- events ------------------------------------------------------------------------------

FLEET_EVENTS = (("track", "flight_scheduled"), ("track", "flight_status_changed"),
                ("track", "flight_cancelled"), ("airplane", "maintenance_scheduled"))


def recorded_fleet_events(config):
    """An ``EventLog`` of the fleet's events published while the block runs."""
    return recorded_events(config, FLEET_EVENTS)
