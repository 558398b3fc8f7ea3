"""A paid order that cannot be ticketed: its order_paid fails every time, is retried
a bounded number of times, dead-lettered, and compensated (the money goes back),
while other bookings go on. Issue 11."""
import io
import random
import uuid

from common import deadletters
from ops.deadletters import DeadLetterQueue
from ops.deadletters import run as dead_letter_tool
from tests.helpers import booking, wait_until
from tests.helpers.tickets import (
    TicketDb,
    paid_event,
    recording_ticket_events,
    schedule_flight,
    seat_statuses,
    statuses,
)

ISSUED, CANCELLED = "tickets_issued", "tickets_cancelled"


def dead_letters(config):
    """``[(headers, payload)]`` of every dead letter, left in the queue."""
    queue = DeadLetterQueue(config["AMQP_URI"])
    try:
        taken = queue.take_all()
        letters = [(dict(m.headers), m.payload) for m in taken]
        for message in taken:
            message.requeue()
        return letters
    finally:
        queue.close()


def order_paid_letters(config, order_id):
    return [(headers, payload) for headers, payload in dead_letters(config)
            if headers[deadletters.ORIGINAL_ROUTING_KEY] == "order_paid" and payload["order_id"] == order_id]


def plant_conflicting_ticket(system, flight_id, seat):
    """An issued ticket of another order for ``seat``: the unique index on issued
    seats then refuses the order holding it its ticket, on every attempt."""
    TicketDb(system.config).execute(
        "INSERT INTO tickets (number, order_id, flight_id, passenger_name, seat, cabin_class, fare, currency)"
        " VALUES (:n, 'planted', :f, 'Planted', :s, 'economy', 1, 'IDR')",
        n=f"998{random.randrange(10**10):010d}", f=flight_id, s=seat,
    )


def test_a_paid_order_that_cannot_be_ticketed_is_refunded_and_others_go_on(make_system):
    with make_system(EVENT_MAX_ATTEMPTS=3, EVENT_RETRY_PAUSE_SECONDS=2) as system:
        flight_id = booking.schedule_flight(system)
        poisoned_client, _ = booking.customer(system)
        poisoned = booking.place(poisoned_client, flight_id, {"name": "Ann"})
        seat = poisoned["passengers"][0]["seat"]
        plant_conflicting_ticket(system, flight_id, seat)
        other_client, _ = booking.customer(system)
        other = booking.place(other_client, flight_id, {"name": "Bob"})

        booking.pay(poisoned_client, poisoned["id"])
        booking.pay(other_client, other["id"])
        booking.wait_for_status(other_client, other["id"], "TICKETED", timeout=20)
        # ticketed while the poisoned event still waits for its next attempt
        assert booking.get_order(poisoned_client, poisoned["id"])["status"] == "PAID"
        assert order_paid_letters(system.config, poisoned["id"]) == []

        refunded = booking.wait_for_status(poisoned_client, poisoned["id"], "REFUNDED", timeout=30)
        assert refunded["tickets"] == [] and refunded["refund"]["reason"] == "ticketing_failed"
        [(headers, payload)] = wait_until(lambda: order_paid_letters(system.config, poisoned["id"]),
                                        what="the dead letter")
        assert headers[deadletters.SERVICE] == "ticket" and headers[deadletters.ATTEMPTS] == 3
        assert "uq_tickets_issued_seat" in headers[deadletters.ERROR]
        assert payload["flight_id"] == flight_id
        wait_until(lambda: booking.flight_money(system, flight_id) == {
            "captured": poisoned["amount"] + other["amount"], "refunded": poisoned["amount"],
            "ticketed": other["amount"]}, what="the poisoned order's refund")
        assert seat_statuses(system, flight_id)[seat] == "available"


def nul_named(order_id, flight_id, seat):
    event = paid_event(order_id, flight_id, [seat])
    event["passengers"][0]["name"] = "Ann\x00Lee"  # PostgreSQL refuses NUL in text, every time
    return event


def test_a_nul_in_a_name_dead_letters_order_paid_and_refunds_it(make_system):
    with make_system(services=["ticket"], EVENT_MAX_ATTEMPTS=2, EVENT_RETRY_PAUSE_SECONDS=0.2) as quick, \
            recording_ticket_events(quick.config) as events:
        flight = schedule_flight(quick)
        flight_id = flight["flight_id"]
        poisoned, fine = uuid.uuid4().hex, uuid.uuid4().hex
        with quick.rpc() as rpc:
            rpc.ticket.hold_seats(poisoned, flight_id, ["3A"])
            rpc.ticket.hold_seats(fine, flight_id, ["3B"])
        quick.dispatch("order", "order_paid", nul_named(poisoned, flight_id, "3A"))
        quick.dispatch("order", "order_paid", paid_event(fine, flight_id, ["3B"]))

        assert [t["seat"] for t in events.wait(ISSUED, fine)["tickets"]] == ["3B"]
        assert events.wait(CANCELLED, poisoned) == {"order_id": poisoned, "flight_id": flight_id,
                                                    "ticket_numbers": [], "reason": "ticketing_failed",
                                                    "paid": True}
        [(headers, _payload)] = wait_until(lambda: order_paid_letters(quick.config, poisoned), what="no dead letter")
        assert headers[deadletters.ATTEMPTS] == 2 and "NUL" in headers[deadletters.ERROR]
        with quick.rpc() as rpc:
            assert statuses(rpc.ticket.seat_map(flight_id))["3A"] == "available"
            assert rpc.ticket.tickets_for_order(poisoned) == []

        # an operator replays it: the order is settled, so nothing happens twice
        out = io.StringIO()
        assert dead_letter_tool("replay", headers[deadletters.ID], False, quick.config["AMQP_URI"], out=out) == 1
        wait_until(lambda: order_paid_letters(quick.config, poisoned) == [], what="letter not replayed")
        again = uuid.uuid4().hex
        with quick.rpc() as rpc:
            rpc.ticket.hold_seats(again, flight_id, ["4A"])
        quick.dispatch("order", "order_paid", paid_event(again, flight_id, ["4A"]))
        events.wait(ISSUED, again)  # queued behind the replayed letter
        assert len(events.of(CANCELLED, poisoned)) == 1 and events.of(ISSUED, poisoned) == []
        assert order_paid_letters(quick.config, poisoned) == []
