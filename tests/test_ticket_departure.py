"""Holds end at departure at the latest, and no ticket is issued after it: a booking
paid too late is refunded. Issue 11."""
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from common.errors import Conflict
from tests.helpers import booking, wait_until
from tests.helpers.harness import running_system
from tests.helpers.tickets import (
    TicketDb,
    paid_event,
    recording_ticket_events,
    schedule_flight,
    seat_statuses,
    statuses,
)

ISSUED, CANCELLED = "tickets_issued", "tickets_cancelled"


def new_order():
    return uuid.uuid4().hex


def status_changed(system, flight, new, departure_at=None):
    departure = departure_at or datetime.fromisoformat(flight["departure_at"])
    system.dispatch("track", "flight_status_changed", {
        "flight_id": flight["flight_id"], "old": "scheduled", "new": new,
        "departure_at": departure.isoformat(), "arrival_at": (departure + timedelta(hours=2)).isoformat(),
    })


def refusal(system, flight_id, seats=("3A",), order_id=None):
    """The reason ``hold_seats`` gives for refusing the flight, or ``None`` if it held."""
    with system.rpc() as rpc:
        try:
            rpc.ticket.hold_seats(order_id or new_order(), flight_id, list(seats))
        except Conflict as exc:
            assert exc.code == "FLIGHT_NOT_BOOKABLE"
            return exc.details["reason"]
    return None


def raw_holds(db, flight_id):
    return {r["seat"]: r["hold_expires_at"] for r in db.rows(
        "SELECT seat, hold_expires_at FROM seats WHERE flight_id = :f AND status = 'held'", f=flight_id)}


def test_a_hold_lasts_no_longer_than_the_flight_is_on_the_ground(system):
    flight = schedule_flight(system, departure_in=timedelta(minutes=2))
    departure = datetime.fromisoformat(flight["departure_at"])
    with system.rpc() as rpc:
        hold = rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["3A"])
        later = schedule_flight(system, departure_in=timedelta(days=1))
        usual = rpc.ticket.hold_seats(new_order(), later["flight_id"], ["3A"])
    assert datetime.fromisoformat(hold["expires_at"]) == departure
    assert datetime.fromisoformat(usual["expires_at"]) < datetime.fromisoformat(later["departure_at"])


def test_boarding_stops_booking_and_ends_holds_until_the_flight_is_delayed(system):
    flight = schedule_flight(system)
    flight_id = flight["flight_id"]
    held = new_order()
    assert refusal(system, flight_id, ["3A"], order_id=held) is None

    status_changed(system, flight, "boarding")
    wait_until(lambda: refusal(system, flight_id, ["4A"]) == "boarding", what="boarding flight still bookable")
    with system.rpc() as rpc:
        assert statuses(rpc.ticket.seat_map(flight_id))["3A"] == "available"  # the hold ended with booking
        assert rpc.ticket.availability([flight_id])[flight_id]["economy"]["available"] == 0

    # boarding can go back to delayed: booking opens again, until the new departure
    delayed_to = datetime.now(UTC) + timedelta(hours=3)
    status_changed(system, flight, "delayed", departure_at=delayed_to)
    wait_until(lambda: refusal(system, flight_id, ["5A"]) is None, what="delayed flight not bookable again")


def test_an_earlier_departure_cuts_holds_short_and_the_sweep_ends_them(make_system):
    with make_system(services=["ticket"], EXPIRY_SWEEP_SECONDS=1) as quick:
        flight = schedule_flight(quick, departure_in=timedelta(days=1))
        flight_id = flight["flight_id"]
        db = TicketDb(quick.config)
        assert refusal(quick, flight_id, ["3A", "3B"]) is None
        # the airplane leaves in three seconds instead of tomorrow
        advanced = datetime.now(UTC) + timedelta(seconds=3)
        status_changed(quick, flight, "delayed", departure_at=advanced)
        wait_until(lambda: set(raw_holds(db, flight_id).values()) == {advanced}, what="holds not cut to departure")
        wait_until(lambda: raw_holds(db, flight_id) == {}, timeout=15, what="holds past departure not swept")
        assert refusal(quick, flight_id, ["3A"]) == "departed"

        # a hold left from before this rule (expiry after departure) is swept all the same
        past = schedule_flight(quick, departure_in=timedelta(seconds=-5))
        db.execute("UPDATE seats SET status = 'held', order_id = 'legacy', hold_expires_at = now() + interval '1 hour'"
                   " WHERE flight_id = :f AND seat = '3C'", f=past["flight_id"])
        wait_until(lambda: raw_holds(db, past["flight_id"]) == {}, timeout=15, what="legacy hold not swept")


@pytest.fixture(scope="module")
def ticket_events(system):
    with recording_ticket_events(system.config) as log:
        yield log


@pytest.mark.parametrize("gone", ["departed", "boarding"])
def test_an_order_paid_after_departure_gets_no_tickets_and_its_money_back(system, ticket_events, gone):
    flight = schedule_flight(system)
    flight_id = flight["flight_id"]
    order_id = new_order()
    assert refusal(system, flight_id, ["6A", "6B"], order_id=order_id) is None
    status_changed(system, flight, gone)
    wait_until(lambda: refusal(system, flight_id, ["7A"]) == gone, what=f"flight not {gone}")

    event = paid_event(order_id, flight_id, ["6A", "6B"])
    system.dispatch("order", "order_paid", event)
    cancelled = ticket_events.wait(CANCELLED, order_id)
    assert cancelled == {"order_id": order_id, "flight_id": flight_id, "ticket_numbers": [],
                         "reason": "flight_departed", "paid": True}
    system.dispatch("order", "order_paid", event)  # a replay changes nothing
    with system.rpc() as rpc:
        assert rpc.ticket.tickets_for_order(order_id) == []
        seats = statuses(rpc.ticket.seat_map(flight_id))
    assert (seats["6A"], seats["6B"]) == ("available", "available")
    db = TicketDb(system.config)
    assert db.rows("SELECT status FROM seats WHERE flight_id = :f AND order_id = :o", f=flight_id, o=order_id) == []
    wait_until(lambda: db.rows("SELECT pending_event FROM orders WHERE order_id = :o", o=order_id)[0]["pending_event"]
             is None)
    assert ticket_events.of(ISSUED, order_id) == [] and len(ticket_events.of(CANCELLED, order_id)) == 1


# -- through the gateway ------------------------------------------------------------------

def test_a_booking_expires_at_departure_at_the_latest(system):
    flight_id = booking.schedule_flight(system, departure_in=timedelta(minutes=3))
    client, _ = booking.customer(system)
    order = booking.place(client, flight_id, {"name": "Ann"})
    departure = TicketDb(system.config).rows(
        "SELECT departure_at FROM flights WHERE flight_id = :f", f=flight_id)[0]["departure_at"]
    assert datetime.fromisoformat(order["expires_at"].replace("Z", "+00:00")) == departure


def test_a_booking_paid_as_boarding_starts_is_refunded_not_ticketed(make_system):
    with make_system() as system:
        flight_id = booking.schedule_flight(system)
        client, _ = booking.customer(system)
        order = booking.place(client, flight_id, {"name": "Ann"}, {"name": "Bob"})
        # the payment is captured, then boarding starts before ticket gets to it
        booking.pause_event_handler(system, "ticket", "on_order_paid")
        booking.pay(client, order["id"])
        booking.wait_for_status(client, order["id"], "PAID")
        system.dispatch("track", "flight_status_changed", {"flight_id": flight_id, "old": "scheduled",
                                                           "new": "boarding"})
        wait_until(lambda: refusal(system, flight_id, ["3D"]) == "boarding", what="flight not boarding")

        with running_system(system.config, services=["ticket"]):  # the order_paid it missed arrives now
            refunded = booking.wait_for_status(client, order["id"], "REFUNDED", timeout=20)
            assert refunded["tickets"] == [] and refunded["refund"]["reason"] == "flight_departed"
            wait_until(lambda: booking.flight_money(system, flight_id) == {
                "captured": order["amount"], "refunded": order["amount"], "ticketed": 0}, what="the refund")
            assert set(seat_statuses(system, flight_id).values()) == {"available"}
