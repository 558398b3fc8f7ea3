"""Flight search (local dates, seats, paging) and seat maps, with the ticket service
answering ``availability`` and ``seat_map`` as the contract says."""
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import assert_error, wait_until
from tests.helpers.fleet import create_airplane, schedule_flight, utc_in

TINY_CABINS = [{"class": "economy", "rows": [1, 1], "layout": "A-B"}]  # two seats



def local_day(days_ahead):
    return (datetime.now(UTC) + timedelta(days=days_ahead)).date()


def at_utc(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def search(system, **params):
    response = system.http.get("/flights", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def search_until(system, expected_ids, timeout=20, listed=True, **params):
    """Search until every expected flight is listed (or, ``listed=False``, none is).

    Ticket builds inventories from events, and the gateway may answer from its
    search cache for SEARCH_CACHE_TTL seconds, so the answer settles within a deadline.
    """
    def settled():
        page = search(system, **params)
        ids = {f["id"] for f in page["items"]}
        return page if ((set(expected_ids) <= ids) if listed else not (set(expected_ids) & ids)) else None

    return wait_until(settled, timeout, step=0.2, what=f"{expected_ids} {'' if listed else 'not '}listed")


def test_local_date_at_the_origin_decides_the_day(system, admin):
    day = local_day(4)
    airplane = create_airplane(admin)
    # 16:30Z is 23:30 in Jakarta (UTC+7): still `day` there; 17:30Z is already the next day
    late = schedule_flight(admin, airplane, at_utc(day, 16, 30), origin="CGK", destination="KNO")
    after_midnight = schedule_flight(admin, create_airplane(admin), at_utc(day, 17, 30),
                                     origin="CGK", destination="KNO")
    # 16:00Z the day before is 23:00 local on the day before
    day_before = schedule_flight(admin, create_airplane(admin), at_utc(day - timedelta(days=1), 16, 0),
                                 origin="CGK", destination="KNO")
    listed = search_until(system, [late["id"]], origin="CGK", destination="KNO", date=day.isoformat())
    ids = [f["id"] for f in listed["items"]]
    assert late["id"] in ids and after_midnight["id"] not in ids and day_before["id"] not in ids
    next_day = search_until(system, [after_midnight["id"]], origin="cgk", destination="kno",
                            date=(day + timedelta(days=1)).isoformat())
    assert late["id"] not in [f["id"] for f in next_day["items"]]


def test_results_carry_seats_and_lowest_fare_sorted_by_departure(system, admin):
    day = local_day(5)
    later = schedule_flight(admin, create_airplane(admin), at_utc(day, 6), origin="SUB", destination="UPG")
    earlier = schedule_flight(admin, create_airplane(admin), at_utc(day, 2), origin="SUB", destination="UPG")
    page = search_until(system, [earlier["id"], later["id"]], origin="SUB", destination="UPG", date=day.isoformat())
    assert [f["id"] for f in page["items"]] == [earlier["id"], later["id"]]
    offer = page["items"][0]
    assert offer["seats_available"] == {"business": 12, "economy": 150}
    assert offer["lowest_fare"] == {"class": "economy", "amount": 1250000, "currency": "IDR"}
    assert offer["flight_number"] == earlier["flight_number"] and offer["status"] == "scheduled"
    business = search(system, origin="SUB", destination="UPG", date=day.isoformat(), **{"class": "business"})
    assert business["items"][0]["lowest_fare"] == {"class": "business", "amount": 4500000, "currency": "IDR"}
    assert page["next_cursor"] is None


def test_passengers_filter_hides_flights_without_enough_seats(system, admin):
    day = local_day(6)
    tiny = schedule_flight(admin, create_airplane(admin, cabins=TINY_CABINS), at_utc(day, 3),
                           origin="PLM", destination="PDG", fares={"economy": 300000})
    big = schedule_flight(admin, create_airplane(admin), at_utc(day, 5), origin="PLM", destination="PDG")
    both = search_until(system, [tiny["id"], big["id"]], origin="PLM", destination="PDG", date=day.isoformat(),
                        passengers=2)
    assert both["items"][0]["seats_available"] == {"economy": 2}
    three = search(system, origin="PLM", destination="PDG", date=day.isoformat(), passengers=3)
    assert [f["id"] for f in three["items"]] == [big["id"]]
    business_for_9 = search(system, origin="PLM", destination="PDG", date=day.isoformat(), passengers=9,
                             **{"class": "business"})
    assert [f["id"] for f in business_for_9["items"]] == [big["id"]]


def test_paging_walks_every_flight_once_in_order(system, admin):
    day = local_day(7)
    flights = [schedule_flight(admin, create_airplane(admin), at_utc(day, 1 + hour), origin="KNO", destination="BTH")
               for hour in range(5)]
    search_until(system, [f["id"] for f in flights], origin="KNO", destination="BTH", date=day.isoformat(), limit=10)
    seen, cursor, pages = [], None, 0
    while True:
        params = {"origin": "KNO", "destination": "BTH", "date": day.isoformat(), "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = search(system, **params)
        pages += 1
        assert len(page["items"]) <= 2
        seen += [f["id"] for f in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == 3
    assert seen == [f["id"] for f in flights]


def test_cancelled_flights_are_not_listed(system, admin):
    day = local_day(8)
    flight = schedule_flight(admin, create_airplane(admin), at_utc(day, 4), origin="UPG", destination="DJJ")
    search_until(system, [flight["id"]], origin="UPG", destination="DJJ", date=day.isoformat())
    assert admin.patch(f"/flights/{flight['id']}/status", json={"status": "cancelled"}).status_code == 200
    assert search_until(system, [flight["id"]], listed=False, origin="UPG", destination="DJJ",
                        date=day.isoformat())["items"] == []


@pytest.mark.parametrize("params, field", [
    ({"destination": "DPS", "date": "2030-01-01"}, "origin"),
    ({"origin": "CGK", "destination": "DPS"}, "date"),
    ({"origin": "CGK", "destination": "DPS", "date": "01/02/2030"}, "date"),
    ({"origin": "CGK", "destination": "DPS", "date": "2030-01-01", "passengers": "0"}, "passengers"),
    ({"origin": "CGK", "destination": "DPS", "date": "2030-01-01", "passengers": "lots"}, "passengers"),
    ({"origin": "CGK", "destination": "DPS", "date": "2030-01-01", "class": "cargo"}, "class"),
    ({"origin": "CGK", "destination": "DPS", "date": "2030-01-01", "limit": "1000"}, "limit"),
    ({"origin": "CGK", "destination": "DPS", "date": "2030-01-01", "cursor": "garbage"}, "cursor"),
    ({"origin": "QQQ", "destination": "DPS", "date": "2030-01-01"}, "origin"),
])
def test_bad_search_is_400_naming_the_parameter(system, params, field):
    body = assert_error(system.http.get("/flights", params=params), 400)
    assert field in body["details"]["fields"]


def test_seat_map_shows_every_seat_with_price_and_status(system, admin):
    flight = schedule_flight(admin, create_airplane(admin), utc_in(days=9), origin="CGK", destination="SIN",
                             currency="USD", fares={"economy": 12000, "business": 45000})

    def seat_map_answer():  # ticket builds the seat map from the flight_scheduled event: 404 until then
        response = system.http.get(f"/flights/{flight['id']}/seats")
        return (response,) if response.status_code != 404 else None  # a Response of an error is falsy

    (response,) = wait_until(seat_map_answer, 15, step=0.1, what="the seat map")
    assert response.status_code == 200, response.text
    seat_map = response.json()
    assert seat_map["flight_id"] == flight["id"] and seat_map["currency"] == "USD"
    seats = {s["seat"]: s for s in seat_map["seats"]}
    assert len(seats) == 162
    assert seats["1A"] == {"seat": "1A", "class": "business", "price": 45000, "status": "available"}
    assert seats["30F"]["class"] == "economy" and seats["30F"]["price"] == 12000
    assert_error(system.http.get("/flights/6f1c5a1e-0000-4000-8000-000000000000/seats"), 404, "NOT_FOUND")
