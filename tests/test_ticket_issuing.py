"""E-tickets: issued on order_paid, cancelled with the order or the flight, once each."""
import contextlib
import uuid

import pytest

from common.errors import Conflict, NotFound
from tests.helpers import wait_until
from tests.helpers.tickets import (
    TicketDb,
    paid_event,
    recording_ticket_events,
    schedule_flight,
    seat_statuses,
)

ISSUED, CANCELLED = "tickets_issued", "tickets_cancelled"


@pytest.fixture(scope="module")
def ticket_events(system):
    with recording_ticket_events(system.config) as log:
        yield log


def new_order():
    return uuid.uuid4().hex


def hold(system, flight_id, seats, **kwargs):
    order_id = new_order()
    with system.rpc() as rpc:
        rpc.ticket.hold_seats(order_id, flight_id, seats, **kwargs)
    return order_id


def settle(system, ticket_events):
    """Publish a paid order on a fresh flight and wait for its tickets: the events
    dispatched before it have been handled by then (the proof a replay did nothing)."""
    flight = schedule_flight(system, business_rows=range(1, 2), economy_rows=range(3, 4))
    order_id = hold(system, flight["flight_id"], ["3A"])
    system.dispatch("order", "order_paid", paid_event(order_id, flight["flight_id"], ["3A"]))
    ticket_events.wait(ISSUED, order_id)



def test_payment_issues_one_ticket_per_passenger_once(system, ticket_events):
    flight = schedule_flight(system)
    order_id = hold(system, flight["flight_id"], ["4A", "4B"])
    event = paid_event(order_id, flight["flight_id"], ["4A", "4B"], user_id="user-42")
    system.dispatch("order", "order_paid", event)
    issued = ticket_events.wait(ISSUED, order_id)

    tickets = issued["tickets"]
    assert issued["flight_id"] == flight["flight_id"] and issued["user_id"] == "user-42"
    assert [t["seat"] for t in tickets] == ["4A", "4B"]
    assert {t["passenger_name"] for t in tickets} == {"Passenger 4A", "Passenger 4B"}
    for ticket in tickets:
        assert len(ticket["number"]) == 13 and ticket["number"].isdigit() and ticket["number"].startswith("999")
        assert ticket["status"] == "issued" and ticket["fare"] == 1_250_000 and ticket["currency"] == "IDR"
    assert len({t["number"] for t in tickets}) == 2

    system.dispatch("order", "order_paid", event)
    system.dispatch("order", "order_paid", event)
    settle(system, ticket_events)
    with system.rpc() as rpc:
        assert rpc.ticket.tickets_for_order(order_id) == sorted(tickets, key=lambda t: t["number"])
        assert rpc.ticket.get_ticket(tickets[0]["number"], "user-42") == tickets[0]
        assert {t["number"] for t in rpc.ticket.list_tickets("user-42")["items"]} >= {t["number"] for t in tickets}
        with pytest.raises(NotFound):
            rpc.ticket.get_ticket(tickets[0]["number"], "someone-else")
        with pytest.raises(NotFound):
            rpc.ticket.get_ticket("9990000000000", "user-42")
        # the sold seats are nobody else's, and the order's own retry still answers
        with pytest.raises(Conflict):
            rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["4A"])
    assert len(ticket_events.of(ISSUED, order_id)) == 1
    assert [seat_statuses(system, flight["flight_id"])[s] for s in ("4A", "4B")] == ["sold", "sold"]


def test_concurrent_deliveries_issue_one_set_of_tickets(system, ticket_events):
    flight = schedule_flight(system)
    order_id = hold(system, flight["flight_id"], ["5A", "5B", "5C"])
    event = paid_event(order_id, flight["flight_id"], ["5A", "5B", "5C"])
    for _ in range(5):
        system.dispatch("order", "order_paid", event)
    ticket_events.wait(ISSUED, order_id)
    settle(system, ticket_events)
    with system.rpc() as rpc:
        assert len(rpc.ticket.tickets_for_order(order_id)) == 3
    assert len(ticket_events.of(ISSUED, order_id)) == 1


@contextlib.contextmanager
def short_holds(make_system):
    """A ticket service whose holds lapse after a second, and what it publishes."""
    with make_system(services=["ticket"], HOLD_TTL_SECONDS=1) as short, \
            recording_ticket_events(short.config) as events:
        yield short, events


def test_payment_after_the_hold_lapsed_still_issues_if_the_seats_are_free(make_system):
    with short_holds(make_system) as (system, ticket_events):
        flight = schedule_flight(system)
        order_id = hold(system, flight["flight_id"], ["6A"])
        wait_until(lambda: seat_statuses(system, flight["flight_id"])["6A"] == "available", timeout=5)
        system.dispatch("order", "order_paid", paid_event(order_id, flight["flight_id"], ["6A"]))
        issued = ticket_events.wait(ISSUED, order_id)
        assert [t["seat"] for t in issued["tickets"]] == ["6A"]
        assert seat_statuses(system, flight["flight_id"])["6A"] == "sold"


def test_payment_after_the_seats_went_to_someone_else_is_refunded(system, make_system):
    with short_holds(make_system) as (short, ticket_events):
        flight = schedule_flight(short)
        late = hold(short, flight["flight_id"], ["7A", "7B"])
        wait_until(lambda: seat_statuses(short, flight["flight_id"])["7B"] == "available", timeout=5)
        # the same database, through the system whose holds last the usual time
        quick = hold(system, flight["flight_id"], ["7B"])
        short.dispatch("order", "order_paid", paid_event(late, flight["flight_id"], ["7A", "7B"]))
        cancelled = ticket_events.wait(CANCELLED, late)
        assert cancelled == {"order_id": late, "flight_id": flight["flight_id"], "ticket_numbers": [],
                             "reason": "hold_lost", "paid": True}
        with system.rpc() as rpc:
            assert rpc.ticket.tickets_for_order(late) == []
            assert rpc.ticket.hold_seats(quick, flight["flight_id"], ["7B"])["seats"][0]["seat"] == "7B"
        seats = seat_statuses(system, flight["flight_id"])
        assert (seats["7A"], seats["7B"]) == ("available", "held")
        assert ticket_events.of(ISSUED, late) == []


def test_payment_after_the_order_expired_issues_nothing(system, ticket_events):
    flight = schedule_flight(system)
    order_id = hold(system, flight["flight_id"], ["8A"])
    system.dispatch("order", "order_expired",
                    {"order_id": order_id, "flight_id": flight["flight_id"], "seats": ["8A"], "paid": False})
    wait_until(lambda: seat_statuses(system, flight["flight_id"])["8A"] == "available")
    system.dispatch("order", "order_paid", paid_event(order_id, flight["flight_id"], ["8A"]))
    cancelled = ticket_events.wait(CANCELLED, order_id)
    assert cancelled["reason"] == "hold_lost" and cancelled["ticket_numbers"] == []
    with system.rpc() as rpc:
        assert rpc.ticket.tickets_for_order(order_id) == []
        with pytest.raises(Conflict) as error:
            rpc.ticket.hold_seats(order_id, flight["flight_id"], ["8A"])
        assert error.value.code == "ORDER_CLOSED"
    assert seat_statuses(system, flight["flight_id"])["8A"] == "available"


def test_cancelling_a_ticketed_order_cancels_its_tickets_once(system, ticket_events):
    flight = schedule_flight(system)
    order_id = hold(system, flight["flight_id"], ["9A", "9B"])
    system.dispatch("order", "order_paid", paid_event(order_id, flight["flight_id"], ["9A", "9B"]))
    numbers = sorted(t["number"] for t in ticket_events.wait(ISSUED, order_id)["tickets"])
    closed = {"order_id": order_id, "flight_id": flight["flight_id"], "seats": ["9A", "9B"], "paid": True}
    system.dispatch("order", "order_cancelled", closed)
    cancelled = ticket_events.wait(CANCELLED, order_id)
    assert cancelled == {"order_id": order_id, "flight_id": flight["flight_id"], "ticket_numbers": numbers,
                         "reason": "order_cancelled", "paid": True}
    system.dispatch("order", "order_cancelled", closed)
    system.dispatch("order", "order_paid", paid_event(order_id, flight["flight_id"], ["9A", "9B"]))
    settle(system, ticket_events)
    assert len(ticket_events.of(CANCELLED, order_id)) == 1
    with system.rpc() as rpc:
        assert {t["status"] for t in rpc.ticket.tickets_for_order(order_id)} == {"cancelled"}
        rpc.ticket.hold_seats(new_order(), flight["flight_id"], ["9A", "9B"])


def test_cancelling_an_unpaid_order_releases_its_hold_quietly(system, ticket_events):
    flight = schedule_flight(system)
    order_id = hold(system, flight["flight_id"], ["10A"])
    system.dispatch("order", "order_cancelled",
                    {"order_id": order_id, "flight_id": flight["flight_id"], "seats": ["10A"], "paid": False})
    wait_until(lambda: seat_statuses(system, flight["flight_id"])["10A"] == "available")
    settle(system, ticket_events)
    assert ticket_events.of(CANCELLED, order_id) == []


def test_a_cancelled_flight_releases_everything_and_announces_each_paid_order(system, ticket_events):
    flight = schedule_flight(system)
    flight_id = flight["flight_id"]
    first = hold(system, flight_id, ["3A", "3B"])
    second = hold(system, flight_id, ["1A"])
    unpaid = hold(system, flight_id, ["4C"])
    system.dispatch("order", "order_paid", paid_event(first, flight_id, ["3A", "3B"]))
    system.dispatch("order", "order_paid", paid_event(second, flight_id, ["1A"]))
    first_numbers = sorted(t["number"] for t in ticket_events.wait(ISSUED, first)["tickets"])
    second_numbers = [t["number"] for t in ticket_events.wait(ISSUED, second)["tickets"]]

    system.dispatch("track", "flight_status_changed",
                    {"flight_id": flight_id, "old": "scheduled", "new": "cancelled"})
    system.dispatch("track", "flight_cancelled", {"flight_id": flight_id})
    assert ticket_events.wait(CANCELLED, first) == {
        "order_id": first, "flight_id": flight_id, "ticket_numbers": first_numbers, "reason": "flight_cancelled",
        "paid": True}
    assert ticket_events.wait(CANCELLED, second)["ticket_numbers"] == second_numbers

    system.dispatch("track", "flight_cancelled", {"flight_id": flight_id})
    system.dispatch("order", "order_paid", paid_event(unpaid, flight_id, ["4C"]))
    assert ticket_events.wait(CANCELLED, unpaid)["reason"] == "hold_lost"
    settle(system, ticket_events)
    assert len(ticket_events.of(CANCELLED, first)) == len(ticket_events.of(CANCELLED, second)) == 1
    with system.rpc() as rpc:
        seat_map = rpc.ticket.seat_map(flight_id)
        assert {s["status"] for s in seat_map["seats"]} == {"available"}
        assert seat_map["status"] == "closed"
        assert rpc.ticket.availability([flight_id])[flight_id]["economy"]["available"] == 0
        assert {t["status"] for t in rpc.ticket.tickets_for_order(first)} == {"cancelled"}
        assert rpc.ticket.tickets_for_order(unpaid) == []
        with pytest.raises(Conflict) as error:
            rpc.ticket.hold_seats(new_order(), flight_id, ["5A"])
        assert error.value.code == "FLIGHT_NOT_BOOKABLE"


def test_a_cancellation_before_the_schedule_keeps_the_flight_closed(system):
    flight_id = uuid.uuid4().hex
    system.dispatch("track", "flight_cancelled", {"flight_id": flight_id})
    with system.rpc() as rpc:
        wait_until(lambda: rpc.ticket.availability([flight_id]) == {} and _closed_row(system, flight_id))
        schedule_flight(system, flight_id=flight_id)
        with pytest.raises(Conflict) as error:
            rpc.ticket.hold_seats(new_order(), flight_id, ["3A"])
    assert error.value.code == "FLIGHT_NOT_BOOKABLE"


def _closed_row(system, flight_id):
    rows = TicketDb(system.config).rows("SELECT status FROM flights WHERE flight_id = :f", f=flight_id)
    return rows and rows[0]["status"] == "closed"


def test_an_event_left_unpublished_is_relayed_by_the_timer(make_system):
    with make_system(services=["ticket"], EXPIRY_SWEEP_SECONDS=1, TICKET_EVENT_RELAY_SECONDS=1) as quick, \
            recording_ticket_events(quick.config) as events:
        flight = schedule_flight(quick)
        order_id = new_order()
        db = TicketDb(quick.config)
        # what a crash between the commit and the publication leaves behind
        db.execute(
            "INSERT INTO orders (order_id, flight_id, state, paid, reason, pending_event, updated_at)"
            " VALUES (:o, :f, 'closed', true, 'hold_lost', 'tickets_cancelled', now() - interval '5 seconds')",
            o=order_id, f=flight["flight_id"],
        )
        cancelled = events.wait(CANCELLED, order_id, timeout=10)
        assert cancelled == {"order_id": order_id, "flight_id": flight["flight_id"], "ticket_numbers": [],
                             "reason": "hold_lost", "paid": True}
        wait_until(lambda: db.rows("SELECT pending_event FROM orders WHERE order_id = :o",
                                 o=order_id)[0]["pending_event"] is None)
        assert len(events.of(CANCELLED, order_id)) == 1
