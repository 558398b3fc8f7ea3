"""The demo data: created through the services, searchable and bookable, idempotent."""
import time
from datetime import UTC, datetime, timedelta

import eventlet

from ops.seed import ROTATIONS, seed
from tests.helpers.accounts import admin_client


def test_seed_creates_searchable_flights_once(system):
    first = seed(system.config, days=2)
    assert first["models"] >= 0 and first["airplanes"] >= 0
    daily = sum(2 for rotation in ROTATIONS if rotation[7] == 1)
    every_other_day = sum(2 for rotation in ROTATIONS if rotation[7] == 2)
    assert first["flights"] + first["existing_flights"] == 2 * daily + every_other_day

    again = seed(system.config, days=2)
    assert (again["models"], again["airplanes"], again["flights"]) == (0, 0, 0)
    assert again["existing_flights"] == first["flights"] + first["existing_flights"]

    registrations = {a["registration"] for a in admin_client(system).get("/airplanes", params={"limit": 200}).json()["items"]}
    assert {rotation[0] for rotation in ROTATIONS} <= registrations

    # tomorrow's CGK-DPS morning flight (00:00Z = 07:00 in Jakarta) can be found and has seats
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    deadline = time.monotonic() + 20
    while True:
        items = system.http.get("/flights", params={"origin": "CGK", "destination": "DPS", "date": tomorrow}).json()["items"]
        ga400 = [f for f in items if f["flight_number"] == "GA400"]
        if ga400 or time.monotonic() > deadline:
            break
        eventlet.sleep(0.2)
    assert ga400, items
    assert ga400[0]["seats_available"]["economy"] > 0 and ga400[0]["lowest_fare"]["currency"] == "IDR"
