"""Helpers shared by the fleet and flight tests (airplane/, track/ and tests/)."""
import contextlib
import itertools
import time
import uuid
from datetime import UTC, datetime, timedelta

import eventlet
from nameko.containers import ServiceContainer
from nameko.events import event_handler

A320_CABINS = [
    {"class": "business", "rows": [1, 3], "layout": "AC-DF"},
    {"class": "economy", "rows": [6, 30], "layout": "ABC-DEF"},
]
_registrations = itertools.count(1)


def refused(response, status, code=None):
    """Assert a JSON error answer; return its body."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error", "message", "details"}, body
    if code:
        assert body["error"] == code, body
    return body


def login(system, email, password):
    response = system.http.post("/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def admin_client(system):
    """Signed in as the first admin (ADMIN_EMAIL / ADMIN_PASSWORD of the test config)."""
    return system.http.as_user(login(system, system.config["ADMIN_EMAIL"], system.config["ADMIN_PASSWORD"]))


def customer_client(system):
    """A freshly registered customer, signed in."""
    email, password = f"flyer-{uuid.uuid4().hex[:10]}@example.com", "a-long-customer-password"
    response = system.http.post("/auth/register", json={"email": email, "password": password, "full_name": "Fay Flyer"})
    assert response.status_code == 201, response.text
    return system.http.as_user(login(system, email, password))


def unique_registration():
    # registrations must be unique across the whole session database
    return f"PK-{uuid.uuid4().hex[:4].upper()}{next(_registrations)}"[:10]


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


def flight_body(airplane, departure, duration=timedelta(hours=1, minutes=50), **overrides):
    fares = {"economy": 1250000, "business": 4500000}
    fares = {cls: amount for cls, amount in fares.items() if cls in airplane["model"]["seat_counts"]}
    body = {
        "flight_number": f"GA{uuid.uuid4().int % 9000 + 100}", "airplane_id": airplane["id"],
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

class EventLog:
    """Events seen by the recorder service, with a polling wait."""

    def __init__(self):
        self.events = []

    def record(self, source, event_type, payload):
        self.events.append((source, event_type, payload))

    def wait_for(self, predicate, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [(kind, payload) for _, kind, payload in self.events if predicate(kind, payload)]
            if found:
                return found
            eventlet.sleep(0.05)
        raise AssertionError(f"no matching event within {timeout}s; seen: {self.events}")

    def of(self, event_type, **match):
        return [payload for _, kind, payload in self.events
                if kind == event_type and all(payload.get(k) == v for k, v in match.items())]


def _recorder_class(log):
    def handler(source, event_type):
        @event_handler(source, event_type)
        def handle(self, payload):
            log.record(source, event_type, payload)
        return handle

    members = {"name": f"fleet_event_recorder_{uuid.uuid4().hex[:8]}"}
    for source, event_type in (("track", "flight_scheduled"), ("track", "flight_status_changed"),
                               ("track", "flight_cancelled"), ("airplane", "maintenance_scheduled")):
        members[f"on_{event_type}"] = handler(source, event_type)
    return type("FleetEventRecorder", (), members)


@contextlib.contextmanager
def recorded_events(config):
    """Run a small nameko service that records the fleet's events while the block runs."""
    log = EventLog()
    container = ServiceContainer(_recorder_class(log), config)
    container.start()
    try:
        yield log
    finally:
        container.stop()
