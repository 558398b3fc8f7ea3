"""Involuntary changes on track's side: what a retime announces, and the knock-on
conflicts a delay makes for its airplane (the admins' ``GET /admin/conflicts``).

A delay is announced as ``flight_retimed`` (old and new times, through the outbox, in
the transaction of the change): order decides which bookings it disrupts. After the
commit the delayed flight is checked against its airplane's other flights (turnaround
included, track's own data) and against its maintenance windows (airplane's answer to
``airplane_for_flight``, the question scheduling asks); what no longer fits is recorded
once per (flight, kind, subject). Nothing is moved automatically: an admin decides.
"""
import logging

from common.errors import Conflict, NotFound
from track import domain, store
from track.schemas import dump_conflict, dump_flight

log = logging.getLogger(__name__)

AIRPLANE_BUSY, MAINTENANCE = "airplane_busy", "maintenance"
KINDS = (AIRPLANE_BUSY, MAINTENANCE)
MAX_CONFLICTS_PAGE = 100


def retimed_payload(flight, old_departure_at, old_arrival_at):
    """``flight_retimed``: the flight's times moved (a delay); ``delay_minutes`` counts from
    the time first scheduled."""
    answer = dump_flight(flight)
    return {
        "flight_id": answer["id"], "flight_number": answer["flight_number"], "airplane_id": answer["airplane_id"],
        "origin": answer["origin"], "destination": answer["destination"],
        "old_departure_at": old_departure_at.isoformat(), "old_arrival_at": old_arrival_at.isoformat(),
        "departure_at": answer["departure_at"], "arrival_at": answer["arrival_at"],
        "scheduled_departure_at": flight.scheduled_departure_at.isoformat(),
        "delay_minutes": domain.delay_minutes(flight.scheduled_departure_at, flight.departure_at),
    }


def record_knock_on_conflicts(session, airplane_rpc, flight, turnaround):
    """Record what the (committed) delayed ``flight`` now collides with; returns how many.
    Airplane not answering leaves the maintenance check out (logged), never the delay."""
    found = 0
    starts, ends = domain.overlaps_with_turnaround(flight.departure_at, flight.arrival_at, turnaround)
    for other in store.flights_overlapping(session, flight.airplane_id, starts, ends, flight.id):
        store.record_conflict(session, flight, AIRPLANE_BUSY, other.id, {
            "message": f"{flight.flight_number} now lands at {flight.arrival_at.isoformat()}: its airplane "
                       f"cannot fly {other.flight_number} at {other.departure_at.isoformat()} "
                       f"({turnaround.seconds // 60} minutes turnaround).",
            "other_flight": dump_flight(other), "flight": dump_flight(flight)})
        found += 1
    try:
        airplane_rpc.airplane_for_flight(flight.airplane_id, flight.departure_at.isoformat(),
                                         flight.arrival_at.isoformat())
    except Conflict as refusal:
        window = (refusal.details or {}).get("window") or {}
        if refusal.code == "AIRPLANE_IN_MAINTENANCE":
            store.record_conflict(session, flight, MAINTENANCE, window.get("id", "maintenance"), {
                "message": str(refusal), "window": window, "flight": dump_flight(flight)})
            found += 1
    except NotFound:
        pass
    except Exception:
        log.warning("maintenance of flight %s's airplane not checked after its delay", flight.id, exc_info=True)
    session.commit()
    return found


def conflicts_page(session, limit, cursor):
    """``{items, next_cursor}``: conflicts newest first, ``limit`` (1 to 100) a page."""
    before = None
    if cursor:
        try:
            before = int(cursor)
        except ValueError:
            raise domain.field_error("cursor", "Not a cursor this API gave out.", code="INVALID_CURSOR")
    rows = store.conflicts_page(session, before, limit + 1)
    page = rows[:limit]
    return {"items": [dump_conflict(row) for row in page],
            "next_cursor": str(page[-1].id) if len(rows) > limit else None}
