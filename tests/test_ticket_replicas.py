"""Two ticket processes on one database and one vhost (``REPLICAS=2``): both run the
sweep and the outbox relay, and neither does anything twice. Issue 11."""
import logging
import uuid
from collections import Counter

import eventlet
import pytest

from tests.helpers import wait_until
from tests.helpers.events import queued_events
from tests.helpers.harness import running_system
from tests.helpers.tickets import TicketDb, schedule_flight, seats_of

CANCELLED = "tickets_cancelled"


def plant_stuck_events(db, flight_id, count):
    """What crashes between commits and publications leave: paid orders closed with
    their ``tickets_cancelled`` still pending, decided a while ago."""
    order_ids = [uuid.uuid4().hex for _ in range(count)]
    db.execute(
        "INSERT INTO orders (order_id, flight_id, state, paid, reason, pending_event, updated_at)"
        " SELECT o, :f, 'closed', true, 'hold_lost', 'tickets_cancelled', now() - interval '60 seconds'"
        " FROM unnest(CAST(:ids AS text[])) AS o",
        f=flight_id, ids=order_ids,
    )
    return order_ids


def pending_left(db, order_ids):
    return db.rows("SELECT count(*) AS n FROM orders WHERE order_id = ANY(:ids) AND pending_event IS NOT NULL",
                   ids=order_ids)[0]["n"]


@pytest.fixture
def two_replicas(make_system):
    """Two ticket services sharing the database and the vhost, timers every second."""
    settings = {"EXPIRY_SWEEP_SECONDS": 1, "TICKET_EVENT_RELAY_SECONDS": 10, "HOLD_TTL_SECONDS": 1}
    with make_system(services=["ticket"], **settings) as first, \
            running_system(first.config, services=["ticket"]) as second:
        yield first, second


def test_two_relays_publish_each_stuck_event_once(two_replicas):
    first, _second = two_replicas
    db = TicketDb(first.config)
    flight = schedule_flight(first)
    with queued_events(first.config, "ticket", CANCELLED) as events:
        stuck = plant_stuck_events(db, flight["flight_id"], 600)
        wait_until(lambda: pending_left(db, stuck) == 0, timeout=120, what="events left pending")
        # a later one relayed too: both relays have run again since
        [marker] = plant_stuck_events(db, flight["flight_id"], 1)
        wait_until(lambda: any(p["order_id"] == marker for p in events.read()), timeout=60,
                   what="the later stuck event published")
        published = Counter(p["order_id"] for p in events.read())
    assert [published[order_id] for order_id in stuck] == [1] * len(stuck)


def test_two_sweeps_release_lapsed_holds_and_never_a_live_one(two_replicas, system, caplog):
    first, second = two_replicas
    db = TicketDb(first.config)
    flight = schedule_flight(first, business_rows=range(1, 1), economy_rows=range(3, 11))
    flight_id = flight["flight_id"]
    seats = [s["seat"] for s in seats_of(range(3, 11), "ABCDEF", "economy")]

    def held():
        return db.rows("SELECT count(*) AS n FROM seats WHERE flight_id = :f AND status = 'held'", f=flight_id)[0]["n"]

    def hold_everything(replica):
        with replica.rpc() as rpc:
            for seat in seats:
                rpc.ticket.hold_seats(uuid.uuid4().hex, flight_id, [seat])

    with caplog.at_level(logging.ERROR):
        for _round in range(3):  # holds taken through both replicas while both sweep
            pool = eventlet.GreenPool()
            pool.spawn(hold_everything, first)
            wait_until(lambda: held() > 0, what="no hold taken")
            wait_until(lambda: held() == 0, timeout=20, what="lapsed holds not swept")
            pool.waitall()
        wait_until(lambda: held() == 0, timeout=20, what="lapsed holds not swept")

        # a live hold (the usual TTL, through the main system) survives both sweeps
        live = uuid.uuid4().hex
        with system.rpc() as rpc:
            rpc.ticket.hold_seats(live, flight_id, ["3A"])
        with second.rpc() as rpc:
            rpc.ticket.hold_seats(uuid.uuid4().hex, flight_id, ["3B"])
        wait_until(lambda: held() == 1, timeout=20, what="the short hold taken after it not swept")
    assert db.rows("SELECT order_id FROM seats WHERE flight_id = :f AND status = 'held'", f=flight_id) == [
        {"order_id": live}]
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
