"""The demo data: created through the services, searchable and bookable, idempotent."""
from datetime import UTC, datetime, timedelta

from ops.seed import MODELS, ROTATIONS, seed
from tests.helpers import wait_until


def fleet(system):
    """(model names, registrations) the airplane service knows."""
    registrations, cursor = set(), None
    with system.rpc() as rpc:
        models = {(m["manufacturer"], m["model"]) for m in rpc.airplane.list_models()}
        while True:
            page = rpc.airplane.list_airplanes(200, cursor)
            registrations |= {a["registration"] for a in page["items"]}
            cursor = page["next_cursor"]
            if not cursor:
                return models, registrations


def test_seed_creates_searchable_flights_once(system):
    models_before, registrations_before = fleet(system)
    seeded_models = {(spec["manufacturer"], spec["model"]) for spec in MODELS.values()}
    seeded_registrations = {rotation[0] for rotation in ROTATIONS}
    daily = sum(2 for rotation in ROTATIONS if rotation[7] == 1)
    every_other_day = sum(2 for rotation in ROTATIONS if rotation[7] == 2)

    first = seed(system.config, days=2)
    # exactly what was missing is created, and every planned flight is there (none skipped)
    assert first["models"] == len(seeded_models - models_before)
    assert first["airplanes"] == len(seeded_registrations - registrations_before)
    assert first["flights"] + first["existing_flights"] == 2 * daily + every_other_day
    if not seeded_registrations & registrations_before:  # a fresh fleet: all of its flights are new
        assert first["existing_flights"] == 0
    models_after, registrations_after = fleet(system)
    assert seeded_models <= models_after and seeded_registrations <= registrations_after

    again = seed(system.config, days=2)
    assert (again["models"], again["airplanes"], again["flights"], again["delayed"]) == (0, 0, 0, 0)
    assert again["existing_flights"] == first["flights"] + first["existing_flights"]
    assert fleet(system) == (models_after, registrations_after)

    # tomorrow's CGK-DPS morning flight (00:00Z = 07:00 in Jakarta) can be found and has seats
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()

    def ga400():
        items = system.http.get("/flights", params={"origin": "CGK", "destination": "DPS", "date": tomorrow}).json()
        return [f for f in items["items"] if f["flight_number"] == "GA400"]

    found = wait_until(ga400, timeout=20, what=f"GA400 on {tomorrow} in the search")
    assert len(found) == 1
    assert found[0]["seats_available"]["economy"] > 0 and found[0]["lowest_fare"]["currency"] == "IDR"


def test_the_demo_prices_fare_families_and_offers_a_connection(system):
    seed(system.config, days=2)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()

    def via_bali():
        found = system.http.get("/itineraries", params={"origin": "CGK", "destination": "LOP", "date": tomorrow})
        return [item for item in found.json()["items"]
                if [leg["flight_number"] for leg in item["legs"]] == ["GA400", "IW1830"]]

    trip, = wait_until(via_bali, timeout=20, what=f"GA400 + IW1830 on {tomorrow} in the trip search")
    assert trip["stops"] == 1 and trip["connection_minutes"] == [70]
    assert [fare["family"] for fare in trip["fares"]] == ["light", "standard", "flex"]
    ga400 = next(f for f in system.http.get("/flights", params={
        "origin": "CGK", "destination": "DPS", "date": tomorrow}).json()["items"] if f["flight_number"] == "GA400")
    assert set(ga400["fares_by_family"]["economy"]) == {"light", "standard", "flex"}
    assert set(ga400["fares_by_family"]["business"]) == {"standard", "flex"}


def test_the_seed_delays_one_flight_for_the_boards(system):
    seed(system.config, days=2)
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).date().isoformat()
    status = system.http.get("/flights/status", params={"flight_number": "GA401", "date": tomorrow})
    assert status.status_code == 200, status.text
    # the seeded leg (DPS to CGK); a test's own flight may share the number on another route
    leg, = [item for item in status.json()["items"] if (item["origin"], item["destination"]) == ("DPS", "CGK")]
    assert (leg["status"], leg["delay_minutes"]) == ("delayed", 50)
    board = system.http.get("/airports/DPS/departures", params={"date": tomorrow, "limit": 100}).json()
    assert leg["id"] in {item["id"] for item in board["items"] if item["delay_minutes"] == 50}
