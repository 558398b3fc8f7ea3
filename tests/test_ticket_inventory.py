"""The seat inventory: built once from track.flight_scheduled, read by seat_map and availability."""
import uuid

import pytest
import sqlalchemy as sa

from common.errors import NotFound
from tests.helpers.tickets import BUSINESS_FARE, ECONOMY_FARE, TicketDb, schedule_flight, statuses


def test_inventory_is_built_from_the_schedule_with_fares(system):
    flight = schedule_flight(system)
    with system.rpc() as rpc:
        seat_map = rpc.ticket.seat_map(flight["flight_id"])
    assert seat_map["flight_id"] == flight["flight_id"]
    assert seat_map["currency"] == "IDR"
    assert len(seat_map["seats"]) == len(flight["seats"]) == 8 + 48
    first, last = seat_map["seats"][0], seat_map["seats"][-1]
    assert first == {"seat": "1A", "class": "business", "price": BUSINESS_FARE, "status": "available"}
    assert last == {"seat": "10F", "class": "economy", "price": ECONOMY_FARE, "status": "available"}


def test_a_replayed_schedule_changes_nothing(system):
    flight = schedule_flight(system)
    with system.rpc() as rpc:
        rpc.ticket.hold_seats(uuid.uuid4().hex, flight["flight_id"], ["3A"])
        before = rpc.ticket.seat_map(flight["flight_id"])
        changed = dict(flight, fares={"business": 1, "economy": 1}, currency="USD")
        system.dispatch("track", "flight_scheduled", changed)
        system.dispatch("track", "flight_scheduled", flight)
        # a later flight's inventory appearing proves the replays were consumed
        schedule_flight(system)
        after = rpc.ticket.seat_map(flight["flight_id"])
    assert after == before
    assert statuses(after)["3A"] == "held"
    rows = TicketDb(system.config).rows("SELECT count(*) AS n FROM seats WHERE flight_id = :f", f=flight["flight_id"])
    assert rows[0]["n"] == 56


def test_availability_counts_free_seats_per_class_for_a_page_of_flights(system):
    first, second = schedule_flight(system), schedule_flight(system)
    with system.rpc() as rpc:
        rpc.ticket.hold_seats(uuid.uuid4().hex, first["flight_id"], ["1A", "3A", "3B"])
        answer = rpc.ticket.availability([first["flight_id"], second["flight_id"], "no-such-flight"])
    assert answer == {
        first["flight_id"]: {"business": {"available": 7, "price": BUSINESS_FARE},
                             "economy": {"available": 46, "price": ECONOMY_FARE}},
        second["flight_id"]: {"business": {"available": 8, "price": BUSINESS_FARE},
                              "economy": {"available": 48, "price": ECONOMY_FARE}},
    }


def test_availability_is_served_by_an_index(system):
    # small test tables make a sequential scan cheapest; forbid it to see which index serves the query
    with TicketDb(system.config).engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL enable_seqscan = off"))
        plan = conn.execute(sa.text(
            "EXPLAIN SELECT flight_id, cabin_class, count(*) FROM seats"
            " WHERE flight_id = ANY(:ids) GROUP BY flight_id, cabin_class"
        ), {"ids": ["a", "b"]}).scalars().all()
    text = "\n".join(plan)
    assert "ix_seats_flight_class_status" in text, text


def test_unknown_flight_has_no_seat_map(system):
    with system.rpc() as rpc:
        with pytest.raises(NotFound):
            rpc.ticket.seat_map("no-such-flight")
        assert rpc.ticket.availability([]) == {}
