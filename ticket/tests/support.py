"""Helpers for the ticket tests: flights made by publishing ``track.flight_scheduled``."""
import contextlib
import uuid
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from nameko.events import event_handler
from nameko.runners import ServiceRunner

from common.errors import NotFound
from common.sql import service_db_uri
from tests.helpers.harness import wait_until

ECONOMY_FARE, BUSINESS_FARE = 1_250_000, 4_500_000


def seats_of(rows, letters, cabin_class):
    return [{"seat": f"{row}{letter}", "class": cabin_class} for row in rows for letter in letters]


def flight_payload(flight_id=None, business_rows=range(1, 3), economy_rows=range(3, 11),
                   departure_in=timedelta(days=30)):
    departure = datetime.now(UTC) + departure_in
    return {
        "flight_id": flight_id or uuid.uuid4().hex,
        "flight_number": "FP101",
        "airplane_id": "1",
        "origin": "CGK",
        "destination": "DPS",
        "departure_at": departure.isoformat(),
        "arrival_at": (departure + timedelta(hours=2)).isoformat(),
        "currency": "IDR",
        "fares": {"business": BUSINESS_FARE, "economy": ECONOMY_FARE},
        "seats": seats_of(business_rows, "ACDF", "business") + seats_of(economy_rows, "ABCDEF", "economy"),
    }


def wait_for(check, timeout=10, interval=0.05, message="condition"):
    """Poll ``check()`` until it returns something truthy; that value is returned."""
    return wait_until(check, timeout, interval, message)


def schedule_flight(system, **kwargs):
    """Publish a flight_scheduled event and wait until the inventory answers."""
    payload = flight_payload(**kwargs)
    system.dispatch("track", "flight_scheduled", payload)
    with system.rpc() as rpc:
        def built():
            try:
                return rpc.ticket.seat_map(payload["flight_id"])
            except NotFound:
                return None
        wait_for(built, message="inventory not built")
    return payload


def statuses(seat_map):
    return {s["seat"]: s["status"] for s in seat_map["seats"]}


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


class EventLog:
    """What the ticket service published, caught by a small consumer service."""

    def __init__(self):
        self.events = []

    def of(self, event_type, order_id):
        return [p for t, p in self.events if t == event_type and p["order_id"] == order_id]

    def wait(self, event_type, order_id, timeout=10):
        return wait_for(lambda: self.of(event_type, order_id), timeout=timeout,
                        message=f"no {event_type} for {order_id}")[0]


@contextlib.contextmanager
def recording_ticket_events(config):
    """An ``EventLog`` filled by a consumer of the ticket events, running meanwhile."""
    log = EventLog()

    class TicketEventRecorder:
        name = "ticket_event_recorder_" + uuid.uuid4().hex[:8]

        @event_handler("ticket", "tickets_issued")
        def issued(self, payload):
            log.events.append(("tickets_issued", payload))

        @event_handler("ticket", "tickets_cancelled")
        def cancelled(self, payload):
            log.events.append(("tickets_cancelled", payload))

    runner = ServiceRunner(config)
    runner.add_service(TicketEventRecorder)
    runner.start()
    try:
        yield log
    finally:
        runner.stop()
