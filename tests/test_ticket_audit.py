"""ticket.audit_tickets and ticket.audit_seats (issue 11, ``make audit``): every
ticket and every seat not available, page by page, against the real store."""
import uuid
from datetime import datetime

import pytest

from common.errors import InvalidInput
from tests.helpers.tickets import ECONOMY_FARE, paid_event, recording_ticket_events, schedule_flight

TICKET_KEYS = {"number", "order_id", "flight_id", "seat", "status", "fare", "currency", "updated_at"}
SEAT_KEYS = {"flight_id", "seat", "status", "order_id", "hold_expires_at"}


def every_page(rpc_method, limit):
    items, after, pages = [], None, 0
    while True:
        page = rpc_method(after=after, limit=limit)
        assert set(page) == {"items", "next"} and len(page["items"]) <= limit
        items.extend(page["items"])
        pages += 1
        after = page["next"]
        if after is None:
            return items, pages


def test_the_audit_lists_every_ticket_and_every_seat_not_available(system):
    flight = schedule_flight(system)
    flight_id = flight["flight_id"]
    held, ticketed, cancelled = (uuid.uuid4().hex for _ in range(3))
    with recording_ticket_events(system.config) as events, system.rpc() as rpc:
        hold = rpc.ticket.hold_seats(held, flight_id, ["3A", "3B"])
        for order_id, seats in ((ticketed, ["4A", "4B"]), (cancelled, ["5A"])):
            rpc.ticket.hold_seats(order_id, flight_id, seats)
            system.dispatch("order", "order_paid", paid_event(order_id, flight_id, seats))
            events.wait("tickets_issued", order_id)
        system.dispatch("order", "order_cancelled",
                        {"order_id": cancelled, "flight_id": flight_id, "seats": ["5A"], "paid": True})
        events.wait("tickets_cancelled", cancelled)

        tickets, pages = every_page(rpc.ticket.audit_tickets, limit=2)
        seats, _ = every_page(rpc.ticket.audit_seats, limit=3)

    assert pages > 1
    numbers = [t["number"] for t in tickets]
    assert numbers == sorted(set(numbers))  # each once, in order, across the pages
    mine = [t for t in tickets if t["flight_id"] == flight_id]
    assert all(set(t) == TICKET_KEYS for t in mine)
    assert sorted((t["order_id"], t["seat"], t["status"]) for t in mine) == sorted([
        (ticketed, "4A", "issued"), (ticketed, "4B", "issued"), (cancelled, "5A", "cancelled")])
    assert {(t["fare"], t["currency"]) for t in mine} == {(ECONOMY_FARE, "IDR")}
    assert all(datetime.fromisoformat(t["updated_at"]).utcoffset().total_seconds() == 0 for t in mine)

    keys = [(s["flight_id"], s["seat"]) for s in seats]
    assert keys == sorted(set(keys))
    assert {s["status"] for s in seats} <= {"held", "sold"}
    mine = {s["seat"]: s for s in seats if s["flight_id"] == flight_id}
    assert set(mine) == {"3A", "3B", "4A", "4B"}  # 5A went back on sale with its cancelled ticket
    assert all(set(s) == SEAT_KEYS for s in mine.values())
    assert [(mine[s]["status"], mine[s]["order_id"]) for s in ("3A", "3B", "4A", "4B")] == [
        ("held", held), ("held", held), ("sold", ticketed), ("sold", ticketed)]
    assert datetime.fromisoformat(mine["3A"]["hold_expires_at"]) == datetime.fromisoformat(hold["expires_at"])
    assert mine["4A"]["hold_expires_at"] is None


@pytest.mark.parametrize("arguments", [
    {"limit": 0}, {"limit": 1001}, {"after": "nonsense!"}, {"after": "WyJ4Il0="},  # a tickets cursor to seats
])
def test_the_audit_refuses_bad_pages(system, arguments):
    with system.rpc() as rpc, pytest.raises(InvalidInput):
        rpc.ticket.audit_seats(**arguments)
