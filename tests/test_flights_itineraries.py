"""Trip search through the gateway: direct flights and one-stop connections across time
zones (a connection shorter than MIN_CONNECTION_MINUTES is not offered), prices per fare
family for the party, sorting by price or duration, offset pages, a return date."""
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import assert_error, wait_until
from tests.helpers.fleet import create_airplane, schedule_flight

FIRST_LEG = {"economy": {"light": 1000000, "standard": 1200000, "flex": 1800000}, "business": 4000000}
SECOND_LEG = {"economy": {"standard": 1300000, "flex": 1900000}, "business": 4100000}
DIRECT = {"economy": 5000000, "business": 9000000}



@pytest.fixture(scope="module")
def network(system, admin):
    """Banda Aceh (UTC+7) to Jayapura (UTC+9), on a day nobody else flies it: via Makassar
    (UTC+8) with 50 minutes to connect, a 30-minute "connection" that must not be offered, a
    dearer but shorter direct flight, and a flight back three days later."""
    day = (datetime.now(UTC) + timedelta(days=130)).date()
    at = datetime(day.year, day.month, day.day, tzinfo=UTC)

    def fly(origin, destination, departs, hours, fares):
        return schedule_flight(admin, create_airplane(admin), departs, duration=timedelta(hours=hours),
                               origin=origin, destination=destination, fares=fares)

    flights = {
        # 07:00 WIB at BTJ, lands 11:00 WITA at UPG
        "first": fly("BTJ", "UPG", at, 3, FIRST_LEG),
        # 11:50 WITA: 50 minutes after landing
        "second": fly("UPG", "DJJ", at + timedelta(hours=3, minutes=50), 3, SECOND_LEG),
        # 11:30 WITA: 30 minutes, under MIN_CONNECTION_MINUTES
        "too_short": fly("UPG", "DJJ", at + timedelta(hours=3, minutes=30), 3, {"economy": 1, "business": 2}),
        "direct": fly("BTJ", "DJJ", at + timedelta(hours=2), 4, DIRECT),
        # 10:00 WIT at DJJ, three days later
        "back": fly("DJJ", "BTJ", at + timedelta(days=3, hours=1), 4, DIRECT),
    }
    return day, flights


def search(system, **params):
    response = system.http.get("/itineraries", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def legs(item):
    return [leg["flight_id"] for leg in item["legs"]]


def settled(system, day, flights, **params):
    """Search until ticket has every flight's seats (inventories come from events; answers are
    cached for SEARCH_CACHE_TTL seconds)."""
    def answer():
        found = search(system, origin="BTJ", destination="DJJ", date=day.isoformat(), **params)
        return found if len(found["items"]) == 2 else None

    return wait_until(answer, timeout=30, step=0.3, what="both options of the day")


def test_a_connection_across_time_zones_and_a_direct_flight_sorted_by_price(system, network):
    day, flights = network
    found = settled(system, day, flights)
    assert found["sort"] == "price" and found["return_items"] == [] and found["next_cursor"] is None
    connection, direct = found["items"]
    assert legs(connection) == [flights["first"]["id"], flights["second"]["id"]]
    assert connection["stops"] == 1 and connection["connection_minutes"] == [50]
    assert connection["duration_minutes"] == 6 * 60 + 50 and connection["class"] == "economy"
    assert connection["fares"] == [
        {"family": "standard", "per_passenger": 2500000, "total": 2500000, "currency": "IDR"},
        {"family": "flex", "per_passenger": 3700000, "total": 3700000, "currency": "IDR"}]
    assert connection["lowest_total"]["family"] == "standard"
    assert legs(direct) == [flights["direct"]["id"]] and direct["stops"] == 0 and direct["connection_minutes"] == []
    assert direct["fares"] == [{"family": "standard", "per_passenger": 5000000, "total": 5000000, "currency": "IDR"}]
    every_leg = {leg for item in found["items"] for leg in legs(item)}
    assert flights["too_short"]["id"] not in every_leg


def test_sorting_by_duration_puts_the_direct_flight_first_and_the_party_pays_per_seat(system, network):
    day, flights = network
    found = settled(system, day, flights, sort="duration", passengers=3)
    assert found["sort"] == "duration"
    assert [item["stops"] for item in found["items"]] == [0, 1]
    assert found["items"][1]["fares"][0] == {"family": "standard", "per_passenger": 2500000, "total": 7500000,
                                             "currency": "IDR"}
    assert all(item["passengers"] == 3 for item in found["items"])
    business = settled(system, day, flights, **{"class": "business"})
    assert [item["lowest_total"]["total"] for item in business["items"]] == [4000000 + 4100000, 9000000]


def test_pages_follow_the_offset_cursor(system, network):
    day, flights = network
    settled(system, day, flights)
    first = search(system, origin="BTJ", destination="DJJ", date=day.isoformat(), limit=1)
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = search(system, origin="BTJ", destination="DJJ", date=day.isoformat(), limit=1,
                    cursor=first["next_cursor"])
    assert legs(second["items"][0]) == [flights["direct"]["id"]] and second["next_cursor"] is None
    assert_error(system.http.get("/itineraries", params={"origin": "BTJ", "destination": "DJJ",
                                                         "date": day.isoformat(), "cursor": "forged"}),
                 400, "INVALID_CURSOR")


def test_a_return_date_adds_the_way_back_on_its_local_date(system, network):
    day, flights = network
    settled(system, day, flights)
    back_day = day + timedelta(days=3)

    def answer():
        found = search(system, origin="BTJ", destination="DJJ", date=day.isoformat(),
                       return_date=back_day.isoformat())
        return found if found["return_items"] else None

    found = wait_until(answer, timeout=30, step=0.3, what="the flight back")
    assert len(found["items"]) == 2
    assert [legs(item) for item in found["return_items"]] == [[flights["back"]["id"]]]
    assert found["return_items"][0]["legs"][0]["origin"] == "DJJ"


def test_a_trip_search_refuses_what_it_cannot_answer(system, network):
    day, _ = network
    base = {"origin": "BTJ", "destination": "DJJ", "date": day.isoformat()}
    early = assert_error(system.http.get("/itineraries", params=dict(
        base, return_date=(day - timedelta(days=1)).isoformat())), 400)
    assert "return_date" in early["details"]["fields"]
    assert "destination" in assert_error(system.http.get("/itineraries", params=dict(base, destination="BTJ")),
                                         400)["details"]["fields"]
    assert "sort" in assert_error(system.http.get("/itineraries", params=dict(base, sort="random")),
                                  400)["details"]["fields"]
    assert_error(system.http.get("/itineraries", params=dict(base, origin="ZZZ")), 400, "UNKNOWN_AIRPORT")
