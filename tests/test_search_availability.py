"""Search answers from track's own copy of ticket's free seats (issue 13): the counts
follow holds, expiries and cancellations through ``availability_changed``; a change
track never heard of is mended by the repair timer; two ticket replicas publishing
never leave the counts wrong; every fare family is priced on the seats they show.
Search is advisory: every figure here is waited for."""
import uuid
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from tests.helpers import wait_until
from tests.helpers.accounts import admin_client
from tests.helpers.booking import customer, pause_event_handler, place
from tests.helpers.fleet import create_airplane, schedule_flight

SMALL_CABINS = [{"class": "economy", "rows": [1, 3], "layout": "AB-CD"}]  # 12 seats
DEADLINE = 30


def scheduled(system, admin, departure, airplane=None, **overrides):
    """A flight scheduled (CGK-DPS unless ``overrides`` say otherwise), once ticket has its seats."""
    flight = schedule_flight(admin, airplane or create_airplane(admin), departure,
                             **dict({"origin": "CGK", "destination": "DPS"}, **overrides))
    wait_until(lambda: system.http.get(f"/flights/{flight['id']}/seats").status_code == 200, DEADLINE,
               step=0.2, what="ticket's inventory")
    return flight


def new_flight(system, admin, days_ahead):
    departure = datetime.now(UTC).replace(hour=3, minute=0, second=0, microsecond=0) + timedelta(days=days_ahead)
    flight = scheduled(system, admin, departure, create_airplane(admin, cabins=SMALL_CABINS),
                       fares={"economy": 500000})
    return flight, departure.date().isoformat()


def offer_of(system, flight, day, origin="CGK", destination="DPS"):
    """``flight`` as search lists it that day, or None (a fresh query each time: the
    gateway's cache keys on the parameters, so a changing limit steps around it)."""
    offer_of.calls = getattr(offer_of, "calls", 0) + 1
    page = system.http.get("/flights", params={"origin": origin, "destination": destination, "date": day,
                                               "limit": 20 + offer_of.calls % 30}).json()
    listed = [item for item in page["items"] if item["id"] == flight["id"]]
    return listed[0] if listed else None


def seats_shown(system, flight, day):
    """Free economy seats search shows for ``flight``."""
    offer = offer_of(system, flight, day)
    return offer["seats_available"]["economy"] if offer else 0


def cabins_shown(system, flight, day):
    """Free seats per cabin search shows for ``flight``, or None while it is not listed."""
    offer = offer_of(system, flight, day)
    return offer["seats_available"] if offer else None


def shows(system, flight, day, expected):
    return wait_until(lambda: seats_shown(system, flight, day) == expected or None, DEADLINE, step=0.3,
                      what=f"search to show {expected} free seats")


def free_in_ticket(system, flight):
    answer = system.http.get(f"/flights/{flight['id']}/seats").json()
    return sum(seat["status"] == "available" for seat in answer["seats"])


def test_holds_expiries_and_cancellations_move_the_count(make_system):
    with make_system(HOLD_TTL_SECONDS=4, EXPIRY_SWEEP_SECONDS=1, AVAILABILITY_PUBLISH_SECONDS=0.5) as system:
        admin = admin_client(system)
        flight, day = new_flight(system, admin, 40)
        shows(system, flight, day, 12)
        client, _ = customer(system)
        held = place(client, flight["id"], {"name": "Ada Lovelace"}, {"name": "Alan Turing"})
        shows(system, flight, day, 10)
        assert client.post(f"/orders/{held['id']}/cancel").status_code == 200
        shows(system, flight, day, 12)
        place(client, flight["id"], {"name": "Grace Hopper"})
        shows(system, flight, day, 11)
        # the hold lapses (HOLD_TTL_SECONDS) and the sweeper puts the seat back on sale
        shows(system, flight, day, 12)


def test_a_change_track_never_heard_of_is_repaired(make_system):
    with make_system(AVAILABILITY_REPAIR_SECONDS=2, AVAILABILITY_PUBLISH_SECONDS=0.5) as system:
        admin = admin_client(system)
        flight, day = new_flight(system, admin, 41)
        shows(system, flight, day, 12)
        pause_event_handler(system, "track", "on_availability_changed")
        client, _ = customer(system)
        place(client, flight["id"], {"name": "Ada Lovelace"}, {"name": "Alan Turing"}, {"name": "Grace Hopper"})
        shows(system, flight, day, 9)


@pytest.mark.parametrize("holds", [6])
def test_two_ticket_replicas_publishing_never_make_counts_wrong(make_system, holds):
    with make_system(replicas=2, AVAILABILITY_PUBLISH_SECONDS=0.2) as system:
        admin = admin_client(system)
        flight, day = new_flight(system, admin, 42)
        shows(system, flight, day, 12)
        orders = []
        for _ in range(holds):
            client, _ = customer(system)
            orders.append((client, place(client, flight["id"], {"name": f"Passenger {uuid.uuid4().hex[:6]}"})))
        shows(system, flight, day, 12 - holds)
        assert free_in_ticket(system, flight) == 12 - holds
        for client, order in orders[:3]:
            assert client.post(f"/orders/{order['id']}/cancel").status_code == 200
        shows(system, flight, day, 12 - holds + 3)
        assert free_in_ticket(system, flight) == 12 - holds + 3


def test_ticket_counts_equal_a_recount_of_the_seats(system):
    """The triggers' counts and a GROUP BY over ``seats`` agree for every flight."""
    engine = sa.create_engine(system.config["DB_URIS"]["ticket:Base"])
    with engine.connect() as connection:
        drift = connection.execute(sa.text("""
            SELECT c.flight_id, c.cabin_class FROM availability_counts c
            LEFT JOIN (SELECT flight_id, cabin_class, count(*) AS seats,
                              count(*) FILTER (WHERE status = 'available') AS free
                       FROM seats GROUP BY flight_id, cabin_class) s USING (flight_id, cabin_class)
            WHERE (c.seats, c.free) IS DISTINCT FROM (coalesce(s.seats, 0), coalesce(s.free, 0))""")).all()
    engine.dispose()
    assert drift == []


def test_a_change_in_one_cabin_keeps_the_others(make_system):
    """``availability_changed`` carries a flight whole: a hold in economy leaves business shown."""
    with make_system(AVAILABILITY_PUBLISH_SECONDS=0.5) as system:
        admin = admin_client(system)
        departure = datetime.now(UTC).replace(hour=5, minute=0, second=0, microsecond=0) + timedelta(days=43)
        flight = scheduled(system, admin, departure)
        day = departure.date().isoformat()
        client, _ = customer(system)
        place(client, flight["id"], {"name": "Ada Lovelace"}, **{"class": "economy"})

        assert wait_until(lambda: cabins_shown(system, flight, day) == {"business": 12, "economy": 149} or None,
                          DEADLINE, step=0.3, what="one economy seat fewer, business unchanged")


def test_fare_families_are_priced_on_the_seats_tracks_copy_shows(system):
    """Search, trip search and the calendar price every family from track's flight and seat
    the party from track's copy of the counts: seats sold at light are gone for every family,
    and no family's price moves with them."""
    admin = admin_client(system)
    families = {"economy": {"light": 400000, "standard": 500000, "flex": 800000}}
    departure = datetime.now(UTC).replace(hour=3, minute=0, second=0, microsecond=0) + timedelta(days=44)
    flight = scheduled(system, admin, departure, create_airplane(admin, cabins=SMALL_CABINS),
                       origin="TKG", destination="PNK", fares=families)  # both UTC+7: the same date
    day, currency = departure.date().isoformat(), flight["currency"]
    client, _ = customer(system)
    adults = [{"given_name": name, "family_name": "Putri", "birth_date": "1990-04-01", "type": "adult"}
              for name in ("Ana", "Dewi", "Sari", "Wati")]
    sold = client.post("/orders", json={"segments": [{"flight_id": flight["id"], "class": "economy",
                                                       "fare": "light"}], "passengers": adults})
    assert sold.status_code == 201, sold.text

    def listed():
        offer = offer_of(system, flight, day, "TKG", "PNK")
        return offer if offer and offer["seats_available"] == {"economy": 8} else None

    offer = wait_until(listed, DEADLINE, step=0.3, what="search to show 8 free seats")
    assert offer["fares_by_family"] == families
    assert offer["lowest_fare"] == {"class": "economy", "amount": 500000, "currency": currency}

    def trips(passengers):
        answer = system.http.get("/itineraries", params={"origin": "TKG", "destination": "PNK", "date": day,
                                                         "passengers": passengers})
        assert answer.status_code == 200, answer.text
        return [item for item in answer.json()["items"] if item["legs"][0]["flight_id"] == flight["id"]]

    (trip,) = trips(8)
    assert trip["seats_available"] == 8
    assert trip["fares"] == [{"family": family, "per_passenger": amount, "total": 8 * amount, "currency": currency}
                             for family, amount in families["economy"].items()]
    assert trips(9) == []

    def calendar(passengers):
        answer = system.http.get("/flights/calendar", params={"origin": "TKG", "destination": "PNK", "from": day,
                                                              "to": day, "passengers": passengers})
        assert answer.status_code == 200, answer.text
        return answer.json()["days"][0]["lowest_by_family"]

    assert calendar(8) == {family: {"class": "economy", "amount": amount, "currency": currency}
                           for family, amount in families["economy"].items()}
    assert calendar(9) == {}


def test_an_aircraft_swap_shows_the_new_airplanes_cabins(system):
    """Ticket rebuilds the seats for the new airplane (delete, then insert, one transaction):
    the counts follow, the holds it kept still counted."""
    admin = admin_client(system)
    departure = datetime.now(UTC).replace(hour=7, minute=0, second=0, microsecond=0) + timedelta(days=45)
    flight = scheduled(system, admin, departure)
    day = departure.date().isoformat()
    client, _ = customer(system)
    place(client, flight["id"], {"name": "Ada Lovelace"}, {"name": "Alan Turing"}, **{"class": "economy"})

    def cabins():
        return cabins_shown(system, flight, day)

    wait_until(lambda: cabins() == {"business": 12, "economy": 148} or None, DEADLINE, step=0.3,
               what="two economy seats held")
    smaller = create_airplane(admin, cabins=[{"class": "business", "rows": [1, 1], "layout": "AC"},
                                             {"class": "economy", "rows": [2, 4], "layout": "AB-CD"}])
    swapped = admin.patch(f"/flights/{flight['id']}", json={"airplane_id": smaller["id"]})
    assert swapped.status_code == 200, swapped.text
    assert wait_until(lambda: cabins() == {"business": 2, "economy": 10} or None, DEADLINE, step=0.3,
                      what="the new airplane's seats, the two held ones taken")
