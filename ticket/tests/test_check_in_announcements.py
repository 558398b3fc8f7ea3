"""Which bookings are told that check-in is open, once, on a PostgreSQL database of its
own (the sweep claims every due booking in the database): only ticketed bookings on an
open flight inside its window; sweeps racing each other claim each booking once; a claim
never published is claimed again after the relay's grace, a published one never."""
import itertools
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import eventlet
import pytest
from sqlalchemy.orm import Session

from tests.helpers.databases import migrated_database
from ticket import checkin, domain
from ticket.models import Flight, Order, OrderFlight, Ticket

pytestmark = pytest.mark.integration  # PostgreSQL, through its own engine fixture

ROWS = itertools.count(1)
SETTINGS = SimpleNamespace(check_in_opens_hours=48, check_in_closes_minutes=60, ticket_event_relay_seconds=30)


@pytest.fixture
def engine(run_prefix):
    with migrated_database("ticket", run_prefix + "announce_") as engine:
        yield engine


def flight(engine, departs_in, status=domain.OPEN, track_status=None):
    flight_id = uuid.uuid4().hex[:24]
    with Session(engine) as session, session.begin():
        session.add(Flight(flight_id=flight_id, status=status, track_status=track_status, currency="IDR",
                           departure_at=datetime.now(UTC) + departs_in))
    return flight_id


def booking(engine, *flight_ids, state=domain.ORDER_TICKETED):
    """An order on the flights, with one issued ticket on each."""
    order_id = uuid.uuid4().hex[:24]
    with Session(engine) as session, session.begin():
        session.add(Order(order_id=order_id, flight_id=flight_ids[0], user_id="user-1", state=state))
        for position, flight_id in enumerate(flight_ids):
            session.add(OrderFlight(order_id=order_id, flight_id=flight_id, position=position))
            session.add(Ticket(number=str(uuid.uuid4().int)[:13], order_id=order_id, user_id="user-1",
                               flight_id=flight_id, passenger_name="Ada Lovelace", seat=f"{next(ROWS)}A",
                               cabin_class="economy", fare=100, currency="IDR"))
    return order_id


def sweep(engine, settings=SETTINGS, hold=0):
    """One sweep's announcements, committed after ``hold`` seconds (a slow sweep)."""
    with Session(engine) as session, session.begin():
        announcements = checkin.announce_open_check_ins(session, settings)
        eventlet.sleep(hold)
    return announcements


def published(engine, announcements):
    with Session(engine) as session, session.begin():
        checkin.check_ins_announced(session, announcements)


def keys(announcements):
    return sorted((a.order_id, a.payload["flight_id"]) for a in announcements)


def test_only_ticketed_bookings_on_a_flight_whose_check_in_is_open_are_told(engine):
    soon = flight(engine, timedelta(hours=5))
    later = flight(engine, timedelta(days=3))
    closing = flight(engine, timedelta(minutes=30))
    boarding = flight(engine, timedelta(hours=2), track_status=domain.BOARDING)
    closed = flight(engine, timedelta(hours=6), status=domain.CLOSED)
    told = booking(engine, soon)
    trip = booking(engine, later, soon)  # an itinerary: told for the leg whose check-in is open
    for flight_id in (later, closing, boarding, closed):
        booking(engine, flight_id)
    booking(engine, soon, state=domain.ORDER_HELD)
    booking(engine, soon, state=domain.ORDER_CLOSED)

    announcements = sweep(engine)
    assert keys(announcements) == sorted([(told, soon), (trip, soon)])
    [payload] = [a.payload for a in announcements if a.order_id == told]
    assert set(payload) == {"order_id", "flight_id", "user_id", "ticket_numbers", "departure_at", "opens_at",
                            "closes_at"}
    assert payload["user_id"] == "user-1" and len(payload["ticket_numbers"]) == 1
    departure = datetime.fromisoformat(payload["departure_at"])
    assert datetime.fromisoformat(payload["opens_at"]) == departure - timedelta(hours=48)
    assert datetime.fromisoformat(payload["closes_at"]) == departure - timedelta(minutes=60)
    assert all(a.event_type == "check_in_opened" for a in announcements)


def test_racing_sweeps_tell_each_booking_once_and_a_lost_publication_is_retold(engine):
    flight_ids = [flight(engine, timedelta(hours=hours)) for hours in (3, 7, 20)]
    due = sorted((booking(engine, flight_id), flight_id) for flight_id in flight_ids for _ in range(4))

    pool = eventlet.GreenPool(4)
    sweeps = list(pool.imap(lambda hold: sweep(engine, hold=hold), (0.3, 0, 0, 0.1)))
    claimed = [key for announcements in sweeps for key in keys(announcements)]
    assert sorted(claimed) == due, "every due booking claimed by exactly one sweep"

    # published, except one sweep's (the broker failed): nothing until the grace has passed
    lost = next(announcements for announcements in sweeps if announcements)
    for announcements in sweeps:
        if announcements is not lost:
            published(engine, announcements)
    assert sweep(engine) == []
    retold = sweep(engine, SimpleNamespace(**{**vars(SETTINGS), "ticket_event_relay_seconds": 0}))
    assert keys(retold) == keys(lost)
    published(engine, retold)
    assert sweep(engine, SimpleNamespace(**{**vars(SETTINGS), "ticket_event_relay_seconds": 0})) == []
