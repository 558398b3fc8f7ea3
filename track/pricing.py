"""Fare families and prices: the catalogue and its rules, a flight's prices per family
(at scheduling and changed later by an admin), and the quotes order books with.

Rules and prices are data: the catalogue table (``fare_families``) and each flight's
``fares_by_family``. A quote answers the rules in force when it is asked; an order keeps
the quote it sold, so later rule changes never touch a booking already made.
"""
from common.errors import Conflict, NotFound
from track import domain, fares, store


def family_ranks(session):
    return {family.code: family.rank for family in store.fare_families(session)}


def prices_of(session, values_fares, seat_counts=None):
    """``(fares_by_family, standard fares)`` of a flight's fares input (either shape), checked
    against the catalogue and, when given, the airplane's cabins."""
    by_family = fares.by_family(values_fares)
    if seat_counts is not None:
        domain.check_fares(by_family, seat_counts)
    fares.check_families(by_family, family_ranks(session))
    return by_family, fares.standard_fares(by_family)


def set_fares(session, flight, values_fares):
    """Replace ``flight``'s prices (locked by the caller); every cabin of its airplane, and no other.
    Returns the event id of ``flight_fares_changed`` (committed with the change)."""
    if flight.status not in domain.LISTED_STATUSES:
        raise Conflict(f"A {flight.status} flight is no longer sold.", code="FLIGHT_CLOSED",
                       details={"status": flight.status})
    flight.fares_by_family, flight.fares = prices_of(session, values_fares, flight.seat_counts)
    session.flush()
    event = store.OUTBOX.add(session, "flight_fares_changed", {
        "flight_id": str(flight.id), "currency": flight.currency, "fares": flight.fares,
        "fares_by_family": flight.fares_by_family})
    session.commit()
    return event


def update_family(session, code, values):
    """New rules (and name) for the family ``code``; NotFound for a code not in the catalogue."""
    family = store.find_fare_family(session, code, lock=True)
    if family is None:
        session.rollback()
        raise NotFound("No such fare family.", details={"family": code})
    for name, value in values.items():
        setattr(family, name, value)
    session.flush()
    session.commit()
    return family


def quotes(session, segments):
    """One quote per ``{flight_id, class, family}`` of ``segments``, in order: one read of the
    flights and one of the catalogue, whatever the number of segments."""
    flights = store.flights_by_ids(session, [segment["flight_id"] for segment in segments])
    families = {family.code: family for family in store.fare_families(session)}
    answers = []
    for segment in segments:
        flight = flights.get(str(store.as_uuid(segment["flight_id"])))
        if flight is None:
            raise NotFound("No such flight.", details={"flight_id": segment["flight_id"]})
        family = fares.catalogue_family(families, segment["family"])
        answers.append(fares.quote(flight, segment["class"], family))
    return answers
