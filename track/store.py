"""The track service's database work (PostgreSQL): airports, flights, the outbox.

Each function takes a SQLAlchemy session, returns rows (ORM objects; the service
dumps them with ``schemas.py``) and leaves committing to the caller.
"""
import uuid

import sqlalchemy as sa

from common.outbox import Outbox
from track.domain import CANCELLED, DONE_STATUSES, LISTED_STATUSES
from track.models import Airport, Flight, OutboxEvent

# events decided with a change, published after its commit
OUTBOX = Outbox(OutboxEvent)


def as_uuid(value):
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def find_flight(session, flight_id, lock=False):
    key = as_uuid(flight_id)
    if key is None:
        return None
    query = sa.select(Flight).where(Flight.id == key)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def airport_time_zones(session):
    return dict(session.execute(sa.select(Airport.code, Airport.tz)).all())


def search_airports(session, q, limit):
    query = sa.select(Airport)
    if q:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        exact = Airport.code == q.upper()
        query = query.where(sa.or_(exact, Airport.city.ilike(pattern), Airport.name.ilike(pattern)))
        # the airport whose code was typed first, then cities starting with it
        query = query.order_by(sa.case((exact, 0), (Airport.city.ilike(pattern[1:]), 1), else_=2), Airport.code)
    else:
        query = query.order_by(Airport.code)
    return list(session.scalars(query.limit(limit)))


def add_flight(session, **columns):
    """Add a flight and flush it (the unique flight number + departure shows here as IntegrityError)."""
    flight = Flight(**columns)
    session.add(flight)
    session.flush()
    return flight


def withdraw_flight(session, flight_id, outbox_model, event_id):
    """Undo a flight nobody has heard of yet: the flight and its unpublished event."""
    session.execute(sa.delete(outbox_model).where(outbox_model.id == event_id))
    session.execute(sa.delete(Flight).where(Flight.id == as_uuid(flight_id)))


def flight_exists(session, flight_number, departure_at):
    query = sa.select(Flight.id).where(Flight.flight_number == flight_number, Flight.departure_at == departure_at)
    return session.execute(query).first() is not None


def lock_airplane(session, airplane_id):
    """Serialise scheduling per airplane until the transaction ends (no double booking)."""
    session.execute(sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtextextended(airplane_id, 0))))


def overlapping_flight(session, airplane_id, starts_at, ends_at, exclude_id=None):
    """A non-cancelled flight of the airplane in the air during [starts_at, ends_at), or None."""
    query = sa.select(Flight).where(
        Flight.airplane_id == airplane_id,
        Flight.status != CANCELLED,
        Flight.departure_at < ends_at,
        Flight.arrival_at > starts_at,
    )
    if exclude_id is not None:
        query = query.where(Flight.id != exclude_id)
    return session.scalars(query.order_by(Flight.departure_at).limit(1)).first()


def has_future_flight(session, airplane_id, now):
    query = sa.select(Flight.id).where(
        Flight.airplane_id == airplane_id,
        Flight.status.not_in(DONE_STATUSES),
        Flight.arrival_at > now,
    ).limit(1)
    return session.execute(query).first() is not None


def route_query(origin, destination, starts_at, ends_at, after, limit):
    """Listed flights departing in [starts_at, ends_at), in (departure_at, id) order after ``after``.

    Served by ix_flights_route_departure alone: equality on the route, a range on
    departure_at, the keyset condition on (departure_at, id), and no sort.
    """
    query = sa.select(Flight).where(
        Flight.origin == origin,
        Flight.destination == destination,
        Flight.departure_at >= starts_at,
        Flight.departure_at < ends_at,
        Flight.status.in_(LISTED_STATUSES),
    )
    if after is not None:
        query = query.where(sa.tuple_(Flight.departure_at, Flight.id) > sa.tuple_(after[0], after[1]))
    return query.order_by(Flight.departure_at, Flight.id).limit(limit)


def flights_on_route(session, origin, destination, starts_at, ends_at, after, limit):
    return list(session.scalars(route_query(origin, destination, starts_at, ends_at, after, limit)))
