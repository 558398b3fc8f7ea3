"""Flight tracking and discovery through the gateway: status by flight number, airport
boards (local days, delays, paging), typo-tolerant airport search, the fare calendar."""
import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from tests.helpers import assert_error, wait_until
from tests.helpers.fleet import create_airplane, schedule_flight

TINY_CABINS = [{"class": "economy", "rows": [1, 1], "layout": "A-B"}]  # two seats



def a_day(days_ahead):
    return (datetime.now(UTC) + timedelta(days=days_ahead)).date()


def at_utc(day, hour, minute=0):
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def local(moment, tz):
    """What a board shows of ``moment`` at a place (Sydney's offset depends on the season)."""
    return moment.astimezone(ZoneInfo(tz)).isoformat()


def unique_number():
    return f"ZT{random.randrange(1000, 10000)}"


def board(system, code, kind, day, limit=100):
    """Every item of a board, following next_cursor."""
    items, cursor = [], None
    while True:
        params = {"date": day.isoformat(), "limit": limit, **({"cursor": cursor} if cursor else {})}
        response = system.http.get(f"/airports/{code}/{kind}", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_status_lists_every_leg_of_a_number_departing_that_local_day(system, admin):
    day, number = a_day(33), unique_number()
    # CGK 10:00 local (UTC+7) -> DPS; DPS 14:00 local (UTC+8) -> SYD; CGK 00:30 local the next day
    first = schedule_flight(admin, create_airplane(admin), at_utc(day, 3), flight_number=number)
    second = schedule_flight(admin, create_airplane(admin), at_utc(day, 6), flight_number=number,
                             origin="DPS", destination="SYD", duration=timedelta(hours=6))
    schedule_flight(admin, create_airplane(admin), at_utc(day, 17, 30), flight_number=number)

    response = system.http.get("/flights/status", params={"flight_number": number.lower(), "date": day.isoformat()})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["flight_number"], answer["date"]) == (number, day.isoformat())
    assert [leg["id"] for leg in answer["items"]] == [first["id"], second["id"]]
    leg = answer["items"][1]
    assert (leg["origin"], leg["destination"], leg["status"], leg["delay_minutes"]) == ("DPS", "SYD", "scheduled", 0)
    assert leg["departure"]["scheduled_local"] == f"{day.isoformat()}T14:00:00+08:00"
    assert leg["departure"]["scheduled_at"] == f"{day.isoformat()}T06:00:00+00:00"
    assert leg["arrival"]["estimated_local"] == local(at_utc(day, 12), "Australia/Sydney")
    assert leg["arrival"]["city"] == "Sydney"

    next_day = system.http.get("/flights/status", params={"flight_number": number,
                                                          "date": (day + timedelta(days=1)).isoformat()})
    assert len(next_day.json()["items"]) == 1
    missing = system.http.get("/flights/status", params={"flight_number": number,
                                                         "date": (day + timedelta(days=2)).isoformat()})
    assert_error(missing, 404, "NOT_FOUND")
    # /flights/status is its own route, not a flight id: bad input is a 400, never "no such flight"
    assert_error(system.http.get("/flights/status"), 400)
    assert_error(system.http.get("/flights/status", params={"flight_number": "G", "date": day.isoformat()}), 400)
    assert_error(system.http.get("/flights/calendar"), 400)


def test_an_overnight_delayed_flight_is_on_both_boards_in_local_time(system, admin):
    day = a_day(34)
    # CGK 21:00 local (14:00Z) -> SYD 06:30 or 07:30 local the next day (20:30Z)
    flight = schedule_flight(admin, create_airplane(admin), at_utc(day, 14), origin="CGK", destination="SYD",
                             duration=timedelta(hours=6, minutes=30))
    delayed = admin.patch(f"/flights/{flight['id']}/status", json={
        "status": "delayed", "departure_at": at_utc(day, 15, 30).isoformat()})
    assert delayed.status_code == 200, delayed.text

    departures = {item["id"]: item for item in board(system, "CGK", "departures", day)}
    shown = departures[flight["id"]]
    assert (shown["status"], shown["delay_minutes"]) == ("delayed", 90)
    assert shown["departure"]["scheduled_local"] == f"{day.isoformat()}T21:00:00+07:00"
    assert shown["departure"]["estimated_local"] == f"{day.isoformat()}T22:30:00+07:00"

    next_day = day + timedelta(days=1)
    arrivals = {item["id"]: item for item in board(system, "syd", "arrivals", next_day)}
    landing = arrivals[flight["id"]]["arrival"]
    assert landing["scheduled_local"] == local(at_utc(day, 20, 30), "Australia/Sydney")
    assert landing["estimated_local"] == local(at_utc(day, 22), "Australia/Sydney")
    assert landing["scheduled_local"].startswith(next_day.isoformat())
    assert landing["delay_minutes"] == 90
    assert flight["id"] not in {item["id"] for item in board(system, "SYD", "arrivals", day)}
    assert flight["id"] not in {item["id"] for item in board(system, "CGK", "departures", next_day)}


def test_a_board_pages_by_keyset_and_refuses_an_unknown_airport(system, admin):
    day = a_day(35)
    mine = [schedule_flight(admin, create_airplane(admin), at_utc(day, hour), origin="SUB", destination="UPG")["id"]
            for hour in (1, 2, 3)]
    response = system.http.get("/airports/SUB/departures", params={"date": day.isoformat(), "limit": 1})
    page = response.json()
    assert response.status_code == 200 and len(page["items"]) == 1 and page["next_cursor"]
    assert page["airport"]["code"] == "SUB" and page["board"] == "departures"
    listed = [item["id"] for item in board(system, "SUB", "departures", day, limit=1)]
    assert len(listed) == len(set(listed)) and [i for i in listed if i in mine] == mine
    assert_error(system.http.get("/airports/NOPE/departures", params={"date": day.isoformat()}), 404)
    assert_error(system.http.get("/airports/SUB/arrivals", params={"date": day.isoformat(), "cursor": "junk"}),
                 400, "INVALID_CURSOR")
    assert_error(system.http.get("/airports/SUB/arrivals"), 400)


def test_airport_search_tolerates_typos_and_accents(system):
    typo = system.http.get("/airports", params={"q": "jakrta"}).json()["items"]
    assert typo[0]["city"] == "Jakarta"
    assert system.http.get("/airports", params={"q": "Zürich"}).json()["items"][0]["code"] == "ZRH"
    assert system.http.get("/airports", params={"q": "dps"}).json()["items"][0]["code"] == "DPS"
    assert len(system.http.get("/airports").json()["items"]) == 20  # the picker's first call: no q


def calendar(system, **params):
    response = system.http.get("/flights/calendar", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_fare_calendar_shows_the_lowest_fare_that_seats_the_party_per_local_day(system, admin):
    first = a_day(36)
    cheap = {"economy": 900000, "business": 4000000}
    schedule_flight(admin, create_airplane(admin), at_utc(first, 2), origin="LOP", destination="BPN")
    schedule_flight(admin, create_airplane(admin), at_utc(first, 5), origin="LOP", destination="BPN", fares=cheap)
    # 17:30Z is already the next local day at LOP (UTC+8), on a two-seat airplane
    tiny = create_airplane(admin, cabins=TINY_CABINS)
    schedule_flight(admin, tiny, at_utc(first, 17, 30), origin="LOP", destination="BPN", fares={"economy": 500000})
    window = {"origin": "lop", "destination": "BPN", "from": first.isoformat(),
              "to": (first + timedelta(days=2)).isoformat()}

    def settled(passengers):
        answer = calendar(system, **window, passengers=passengers)
        counts = [day["bookable_flights"] for day in answer["days"]]
        expected = [2, 1, 0] if passengers == 1 else [2, 0, 0]
        return answer if counts == expected else None

    one = wait_until(lambda: settled(1), timeout=30, step=0.3, what="the calendar to show the new flights")
    assert (one["origin"], one["from"], one["passengers"]) == ("LOP", first.isoformat(), 1)
    assert [day["date"] for day in one["days"]] == [(first + timedelta(days=n)).isoformat() for n in range(3)]
    assert one["days"][0]["lowest_fare"] == {"class": "economy", "amount": 900000, "currency": "IDR"}
    assert one["days"][1]["lowest_fare"]["amount"] == 500000
    assert one["days"][2]["lowest_fare"] is None
    three = wait_until(lambda: settled(3), timeout=30, step=0.3, what="the calendar for three")
    assert three["days"][1]["lowest_fare"] is None  # the two-seat flight cannot take three

    too_long = dict(window, to=(first + timedelta(days=62)).isoformat())
    assert_error(system.http.get("/flights/calendar", params=too_long), 400, "WINDOW_TOO_LONG")
    assert_error(system.http.get("/flights/calendar", params=dict(window, origin="NOPE")), 400)
