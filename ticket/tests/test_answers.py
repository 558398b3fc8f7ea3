"""Ticket's answers are the documented schemas: tickets are dumps of ``TicketSchema``;
seat maps and availability, built by hand on hot paths, have exactly the schemas' keys."""
from collections import namedtuple
from datetime import UTC, datetime

from ticket.models import Flight, Ticket
from ticket.schemas import (
    ClassAvailabilitySchema,
    SeatMapSchema,
    SeatMapSeatSchema,
    TicketSchema,
    availability_answer,
    dump_ticket,
    dump_tickets,
    seat_map_answer,
)

ISSUED_AT = datetime(2030, 1, 1, 8, 30, 15, 123456, tzinfo=UTC)


def keys(schema):
    return {field.data_key or name for name, field in schema().dump_fields.items()}


def a_ticket(**changes):
    values = {"number": "9990000000042", "order_id": "o-1", "user_id": "u-1", "flight_id": "f-1",
              "passenger_name": "Ada", "passenger_type": "adult", "passenger_index": 0, "seat": "12A",
              "cabin_class": "economy", "fare": 1_250_000, "currency": "IDR", "status": "issued",
              "issued_at": ISSUED_AT, "cancelled_at": None}
    return Ticket(**dict(values, **changes))


def test_a_ticket_is_every_field_of_the_document():
    assert dump_ticket(a_ticket()) == {
        "number": "9990000000042", "order_id": "o-1", "user_id": "u-1", "flight_id": "f-1",
        "passenger_name": "Ada", "passenger_type": "adult", "passenger_index": 0, "seat": "12A", "class": "economy",
        "fare": 1_250_000, "currency": "IDR",
        "status": "issued", "issued_at": "2030-01-01T08:30:15.123456+00:00", "cancelled_at": None,
    }
    assert set(dump_ticket(a_ticket())) == keys(TicketSchema)


def test_a_cancelled_ticket_says_when():
    cancelled = dump_tickets([a_ticket(status="cancelled", cancelled_at=ISSUED_AT)])[0]
    assert cancelled["status"] == "cancelled" and cancelled["cancelled_at"] == "2030-01-01T08:30:15.123456+00:00"


def test_timestamps_already_in_iso_form_dump_unchanged():
    copy = dump_ticket(a_ticket())
    # as another service keeps it: the event's payload, its moments strings already
    assert TicketSchema().dump(dict(copy, cabin_class=copy["class"])) == copy


def test_the_seat_map_has_the_documents_keys():
    Row = namedtuple("Row", "seat cabin_class price status")
    flight = Flight(flight_id="f-1", currency="IDR", status="open")
    answer = seat_map_answer(flight, [Row("1A", "business", 4_500_000, "held"), Row("3A", "economy", 1, "sold")])
    assert set(answer) == keys(SeatMapSchema)
    assert all(set(seat) == keys(SeatMapSeatSchema) for seat in answer["seats"])
    as_rows = [dict(s, cabin_class=s["class"]) for s in answer["seats"]]
    assert answer == SeatMapSchema().dump(dict(answer, seats=as_rows))


def test_availability_has_the_documents_keys():
    Row = namedtuple("Row", "flight_id cabin_class available price")
    answer = availability_answer([Row("f-1", "economy", 3, 100), Row("f-1", "business", 0, 400),
                                  Row("f-2", "economy", 9, 90)])
    assert answer == {"f-1": {"economy": {"available": 3, "price": 100}, "business": {"available": 0, "price": 400}},
                      "f-2": {"economy": {"available": 9, "price": 90}}}
    assert all(set(cls) == keys(ClassAvailabilitySchema) for flight in answer.values() for cls in flight.values())
