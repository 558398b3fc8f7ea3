"""Flights as the ticket service learns about them (a ``track.flight_scheduled`` event),
seat maps, and direct reads of the ticket database."""
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from common.errors import NotFound
from common.sql import service_db_uri
from tests.helpers.events import recorded_events
from tests.helpers.harness import wait_until

ECONOMY_FARE, BUSINESS_FARE = 1_250_000, 4_500_000
TICKET_EVENTS = (("ticket", "tickets_issued"), ("ticket", "tickets_cancelled"))


def seats_of(rows, letters, cabin_class):
    return [{"seat": f"{row}{letter}", "class": cabin_class} for row in rows for letter in letters]


def flight_payload(flight_id=None, business_rows=range(1, 3), economy_rows=range(3, 11),
                   departure_in=timedelta(days=30), business_letters="ACDF", economy_letters="ABCDEF",
                   flight_number="FP101"):
    """A ``flight_scheduled`` payload; by default 8 business seats (1-2 ACDF), 48 economy (3-10 A-F)."""
    departure = (datetime.now(UTC) + departure_in).replace(microsecond=0)
    return {
        "flight_id": flight_id or uuid.uuid4().hex,
        "flight_number": flight_number,
        "airplane_id": "1",
        "origin": "CGK",
        "destination": "DPS",
        "departure_at": departure.isoformat(),
        "arrival_at": (departure + timedelta(hours=2)).isoformat(),
        "currency": "IDR",
        "fares": {"business": BUSINESS_FARE, "economy": ECONOMY_FARE},
        "seats": seats_of(business_rows, business_letters, "business")
        + seats_of(economy_rows, economy_letters, "economy"),
    }


def seat_map(system, flight_id):
    """The flight's seat map, or None while ticket does not know the flight."""
    with system.rpc() as rpc:
        try:
            return rpc.ticket.seat_map(flight_id)
        except NotFound:
            return None


def publish_flight(system, payload):
    """Publish ``flight_scheduled`` (as track does) and wait until ticket has the inventory."""
    system.dispatch("track", "flight_scheduled", payload)
    wait_until(lambda: seat_map(system, payload["flight_id"]), what=f"inventory of flight {payload['flight_id']}")
    return payload


def schedule_flight(system, **kwargs):
    """``publish_flight`` of ``flight_payload(**kwargs)``; the payload."""
    return publish_flight(system, flight_payload(**kwargs))


def statuses(seat_map):
    return {s["seat"]: s["status"] for s in seat_map["seats"]}


def seat_statuses(system, flight_id):
    """``{seat: status}`` of the flight, from ticket's seat map."""
    return statuses(seat_map(system, flight_id))


class TicketDb:
    """Direct reads of the ticket database, for what the RPCs do not show
    (the raw state the sweeper changes)."""

    def __init__(self, config):
        self.engine = sa.create_engine(service_db_uri(config, "ticket"), poolclass=sa.pool.NullPool)

    def rows(self, query, **params):
        with self.engine.connect() as conn:
            return conn.execute(sa.text(query), params).mappings().all()

    def execute(self, statement, **params):
        with self.engine.begin() as conn:
            conn.execute(sa.text(statement), params)


def paid_event(order_id, flight_id, seats, user_id="user-1"):
    return {
        "order_id": order_id, "user_id": user_id, "flight_id": flight_id, "payment_id": "pay-" + order_id,
        "amount": ECONOMY_FARE * len(seats), "currency": "IDR",
        "passengers": [{"name": f"Passenger {seat}", "seat": seat, "class": "economy", "price": ECONOMY_FARE}
                       for seat in seats],
    }


def recording_ticket_events(config):
    """An ``EventLog`` of ``tickets_issued`` and ``tickets_cancelled`` while the block runs."""
    return recorded_events(config, TICKET_EVENTS)
