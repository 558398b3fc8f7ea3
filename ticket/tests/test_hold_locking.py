"""A named-seat hold judges each seat on its latest committed version, even when it
had to wait for the seat's row lock (the hold's UPDATE started on an older one)."""
import uuid

import sqlalchemy as sa

from tests.helpers import wait_until
from tests.helpers.tickets import TicketDb, schedule_flight, statuses

WAITING_ON_A_ROW_LOCK = """
    SELECT count(*) AS n FROM pg_stat_activity
    WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE 'UPDATE seats%'
"""


def test_a_seat_freed_while_the_hold_waits_for_it_is_taken(system):
    flight = schedule_flight(system)
    flight_id = flight["flight_id"]
    db = TicketDb(system.config)
    with system.rpc() as rpc:
        rpc.ticket.hold_seats(uuid.uuid4().hex, flight_id, ["8A"])
        releasing = db.engine.connect()
        try:
            transaction = releasing.begin()
            seat = {"f": flight_id, "s": "8A"}
            releasing.execute(sa.text("SELECT 1 FROM seats WHERE flight_id = :f AND seat = :s FOR UPDATE"), seat)
            releasing.execute(sa.text("UPDATE seats SET status = 'available', order_id = NULL, "
                                      "hold_expires_at = NULL WHERE flight_id = :f AND seat = :s"), seat)
            buyer = uuid.uuid4().hex
            call = rpc.ticket.hold_seats.call_async(buyer, flight_id, ["8A", "8B"])
            wait_until(lambda: db.rows(WAITING_ON_A_ROW_LOCK)[0]["n"], what="the hold never waited for 8A")
            transaction.commit()
        finally:
            releasing.close()
        hold = call.result()
        seat_map = statuses(rpc.ticket.seat_map(flight_id))
    assert [s["seat"] for s in hold["seats"]] == ["8A", "8B"]
    assert seat_map["8A"] == seat_map["8B"] == "held"
    owners = db.rows("SELECT seat, order_id FROM seats WHERE flight_id = :f AND seat IN ('8A', '8B')", f=flight_id)
    assert {row["order_id"] for row in owners} == {buyer}
