"""Scheduling a flight: the one track use case that spans services.

The service has validated the input; here the flight is checked against its
airplane (airplane's answer by RPC), written with its ``flight_scheduled`` event
(transactional outbox) and confirmed. Publishing is left to the caller.

Rules that span airplane and track (no flight while retired or in maintenance)
are checked *after* the commit, on both sides: of a flight and a window written
at the same moment, the later commit always sees the earlier one and is
withdrawn, so the two can never both stand (at worst both are refused).
"""
from sqlalchemy.exc import IntegrityError

from common.errors import Conflict, InvalidInput, NotFound
from track import domain, pricing, store
from track.schemas import dump_flight


def schedule(session, airplane_rpc, values, departure_at, arrival_at, turnaround):
    """Write the flight and its event; return ``(flight, event_id)``, both committed."""
    if store.flight_exists(session, values["flight_number"], departure_at):
        raise _flight_exists(values)
    airplane = airplane_for_flight(airplane_rpc, values["airplane_id"], departure_at, arrival_at)
    fares_by_family, standard_fares = pricing.prices_of(session, values["fares"], airplane["seat_counts"])
    _lock_free_airplane(session, airplane, departure_at, arrival_at, turnaround)
    try:
        flight = store.add_flight(
            session, flight_number=values["flight_number"], airplane_id=airplane["id"], origin=values["origin"],
            destination=values["destination"], departure_at=departure_at, arrival_at=arrival_at,
            scheduled_departure_at=departure_at, scheduled_arrival_at=arrival_at,
            status=domain.SCHEDULED, fares=standard_fares, fares_by_family=fares_by_family,
            currency=values["currency"],
            seat_counts=airplane["seat_counts"],
        )
    except IntegrityError:
        session.rollback()
        raise _flight_exists(values)
    answer = dump_flight(flight)
    event = store.OUTBOX.add(session, "flight_scheduled", {
        "flight_id": answer["id"], **{k: answer[k] for k in (
            "flight_number", "airplane_id", "origin", "destination", "departure_at", "arrival_at",
            "currency", "fares")},
        "seats": airplane["seats"],
    })
    session.commit()
    _confirm_airplane_free(session, airplane_rpc, flight, event, departure_at, arrival_at)
    return flight, event


def airplane_for_flight(airplane_rpc, airplane_id, departure_at, arrival_at):
    """Airplane's answer (seats and seat counts) or its refusal (retired, in maintenance)."""
    try:
        return airplane_rpc.airplane_for_flight(airplane_id, departure_at.isoformat(), arrival_at.isoformat())
    except NotFound:
        raise InvalidInput("Unknown airplane.", code="UNKNOWN_AIRPLANE",
                           details={"fields": {"airplane_id": ["No such airplane."]}})


def _flight_exists(values):
    return Conflict(f"{values['flight_number']} already departs at that time.", code="FLIGHT_EXISTS")


def _lock_free_airplane(session, airplane, departure_at, arrival_at, turnaround, flight_id=None):
    """Lock the airplane's schedule (until commit) and make sure it is on the
    ground, turnaround included, for the whole flight (``flight_id``: a flight that
    already exists, which does not count against itself)."""
    store.lock_airplane(session, airplane["id"])
    busy = store.overlapping_flight(session, airplane["id"],
                                    *domain.overlaps_with_turnaround(departure_at, arrival_at, turnaround),
                                    exclude_id=flight_id)
    if busy is not None:
        session.rollback()
        raise Conflict(
            f"{airplane['registration']} is flying {busy.flight_number} then "
            f"(with {turnaround.seconds // 60} minutes turnaround).",
            code="AIRPLANE_BUSY", details={"flight": dump_flight(busy)},
        )


def _confirm_airplane_free(session, airplane_rpc, flight, event, departure_at, arrival_at, undo=None):
    """Ask airplane again now that the flight is committed: a maintenance window or a
    retirement committed meanwhile wins, and the flight is withdrawn (or, for a swap,
    ``undo`` puts the old airplane back) before anyone hears of it (airplane checks the
    same way after its own commits)."""
    try:
        airplane_for_flight(airplane_rpc, flight.airplane_id, departure_at, arrival_at)
    except Exception:
        session.rollback()
        if undo is None:
            store.withdraw_flight(session, flight.id, store.OUTBOX.model, event)
        else:
            undo()
        session.commit()
        raise


# Track's statuses in which a flight may still change airplane (not boarding or later).
SWAPPABLE_STATUSES = (domain.SCHEDULED, domain.DELAYED)


def swap_airplane(session, airplane_rpc, flight, airplane_id, turnaround):
    """Give the (locked) ``flight`` another airplane, checked exactly as scheduling checks
    one (known, not retired, not in maintenance, free with turnaround), with its cabins
    matching the flight's fares. Writes ``flight_airplane_changed`` (ticket rebuilds the
    seats); returns ``(flight, event_id)`` committed, or ``(flight, None)`` when it already
    flies that airplane."""
    if flight.status not in SWAPPABLE_STATUSES:
        session.rollback()
        raise Conflict(f"A {flight.status} flight keeps its airplane.", code="FLIGHT_NOT_CHANGEABLE",
                       details={"status": flight.status})
    if flight.airplane_id == airplane_id:
        return flight, None
    departure_at, arrival_at = flight.departure_at, flight.arrival_at
    airplane = airplane_for_flight(airplane_rpc, airplane_id, departure_at, arrival_at)
    domain.check_fares(flight.fares, airplane["seat_counts"])
    _lock_free_airplane(session, airplane, departure_at, arrival_at, turnaround, flight_id=flight.id)
    old_airplane_id, old_seat_counts = flight.airplane_id, flight.seat_counts
    flight.airplane_id, flight.seat_counts = airplane["id"], airplane["seat_counts"]
    session.flush()
    answer = dump_flight(flight)
    event = store.OUTBOX.add(session, "flight_airplane_changed", {
        "flight_id": answer["id"], "old_airplane_id": old_airplane_id, "airplane_id": airplane["id"],
        "departure_at": answer["departure_at"], "currency": answer["currency"], "fares": answer["fares"],
        "seats": airplane["seats"],
    })
    session.commit()
    flight_id = flight.id

    def undo():
        store.put_airplane_back(session, flight_id, old_airplane_id, old_seat_counts, store.OUTBOX.model, event)

    _confirm_airplane_free(session, airplane_rpc, flight, event, departure_at, arrival_at, undo=undo)
    return flight, event
