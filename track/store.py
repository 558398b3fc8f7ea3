"""The track service's database work (PostgreSQL): airports, flights, the outbox.

Each function takes a SQLAlchemy session, returns rows (ORM objects; the service
dumps them with ``schemas.py``) and leaves committing to the caller.
"""
import uuid
from datetime import UTC, datetime
from typing import NamedTuple

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import aliased

from common.outbox import Outbox
from track.domain import CANCELLED, DEPARTURES, DONE_STATUSES, LISTED_STATUSES
from track.models import Airport, FareFamily, Flight, FlightAvailability, OutboxEvent, ScheduleConflict

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


class Place(NamedTuple):
    tz: str
    city: str
    name: str
    country: str


def airport_places(session):
    rows = session.execute(sa.select(Airport.code, Airport.tz, Airport.city, Airport.name, Airport.country))
    return {code: Place(tz, city, name, country) for code, tz, city, name, country in rows}


# Word similarity (pg_trgm) an airport needs to match a search: "jakrta" is 0.5 of
# "jakarta"; below that, unrelated names start to match.
AIRPORT_MATCH_THRESHOLD = 0.5


def airport_search_query(q, limit):
    """Airports matching ``q`` (folded: ``domain.search_text``), best first.

    Matching: the exact code, the text anywhere in code, city or name, or a word
    similar enough to it (typos), all accent-blind: ``ix_airports_search_trgm`` (a
    GIN trigram index on ``airport_search_text``) answers both conditions. Ranking:
    the exact code, then strict word similarity (whole words: "bali" is a word of
    "Denpasar-Bali Island", not of "Balimo"), then cities that start with the text,
    then word similarity, then international airports (a picker's likely choice among
    a city's airports), then the code.
    """
    if not q:
        return sa.select(Airport).order_by(Airport.code).limit(limit)
    text = sa.func.airport_search_text(Airport.code, Airport.name, Airport.city)
    folded = sa.func.search_fold(q)
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    exact = Airport.code == q.upper()
    return (
        sa.select(Airport)
        .where(sa.or_(exact, folded.op("<%")(text), text.like(sa.func.search_fold(pattern))))
        .order_by(
            sa.case((exact, 0), else_=1),
            sa.func.strict_word_similarity(folded, text).desc(),
            sa.case((sa.func.search_fold(Airport.city).like(sa.func.search_fold(pattern[1:])), 0), else_=1),
            sa.func.word_similarity(folded, text).desc(),
            sa.case((text.like("%international%"), 0), else_=1),
            Airport.code,
        )
        .limit(limit)
    )


def search_airports(session, q, limit):
    if q:
        # for this transaction only: the threshold ``<%`` (and its index scan) go by
        session.execute(sa.select(sa.func.set_config(
            "pg_trgm.word_similarity_threshold", str(AIRPORT_MATCH_THRESHOLD), True)))
    return list(session.scalars(airport_search_query(q, limit)))


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


def put_airplane_back(session, flight_id, airplane_id, seat_counts, outbox_model, event_id):
    """Undo a swap nobody has heard of yet: the old airplane, and no event."""
    session.execute(sa.delete(outbox_model).where(outbox_model.id == event_id))
    session.execute(sa.update(Flight).where(Flight.id == as_uuid(flight_id))
                    .values(airplane_id=airplane_id, seat_counts=seat_counts))


def flight_exists(session, flight_number, departure_at):
    """Does ``flight_number`` depart at ``departure_at``, or was it scheduled to before a delay?"""
    query = sa.select(Flight.id).where(
        Flight.flight_number == flight_number,
        sa.or_(Flight.departure_at == departure_at, Flight.scheduled_departure_at == departure_at),
    )
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


def flights_overlapping(session, airplane_id, starts_at, ends_at, exclude_id):
    """Every non-cancelled flight of the airplane in the air during [starts_at, ends_at)
    but ``exclude_id``, in departure order."""
    query = sa.select(Flight).where(
        Flight.airplane_id == airplane_id,
        Flight.status != CANCELLED,
        Flight.departure_at < ends_at,
        Flight.arrival_at > starts_at,
        Flight.id != exclude_id,
    )
    return list(session.scalars(query.order_by(Flight.departure_at)))


def record_conflict(session, flight, kind, subject, details):
    """A knock-on conflict of ``flight``; found again, its details and time are updated."""
    row = insert(ScheduleConflict).values(flight_id=flight.id, flight_number=flight.flight_number,
                                          airplane_id=flight.airplane_id, kind=kind, subject=str(subject),
                                          details=details)
    session.execute(row.on_conflict_do_update(
        constraint="uq_schedule_conflicts_subject",
        set_={"details": row.excluded.details, "detected_at": sa.func.now()}))


def conflicts_page(session, before_id, limit):
    """Conflicts newest first (by id), those with an id below ``before_id`` if given."""
    query = sa.select(ScheduleConflict)
    if before_id is not None:
        query = query.where(ScheduleConflict.id < before_id)
    return list(session.scalars(query.order_by(ScheduleConflict.id.desc()).limit(limit)))


def has_future_flight(session, airplane_id, now):
    query = sa.select(Flight.id).where(
        Flight.airplane_id == airplane_id,
        Flight.status.not_in(DONE_STATUSES),
        Flight.arrival_at > now,
    ).limit(1)
    return session.execute(query).first() is not None


def flights_by_ids(session, flight_ids):
    """The flights of ``flight_ids`` that exist, by id (ids that are not UUIDs find nothing)."""
    keys = [key for key in (as_uuid(flight_id) for flight_id in flight_ids) if key is not None]
    if not keys:
        return {}
    return {str(flight.id): flight for flight in session.scalars(sa.select(Flight).where(Flight.id.in_(keys)))}


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


def legs_of_number(session, flight_number, starts_at, ends_at):
    """Flights of ``flight_number`` scheduled to depart in [starts_at, ends_at), in order."""
    query = sa.select(Flight).where(
        Flight.flight_number == flight_number,
        Flight.scheduled_departure_at >= starts_at,
        Flight.scheduled_departure_at < ends_at,
    ).order_by(Flight.scheduled_departure_at, Flight.id)
    return list(session.scalars(query))


def board_query(code, board, starts_at, ends_at, after, limit):
    """Flights scheduled to depart from (``departures``) or arrive at (``arrivals``) airport
    ``code`` in [starts_at, ends_at), every status, in (scheduled time, id) order after ``after``.

    Served by ix_flights_departures_board / ix_flights_arrivals_board alone.
    """
    airport, scheduled = (
        (Flight.origin, Flight.scheduled_departure_at) if board == DEPARTURES
        else (Flight.destination, Flight.scheduled_arrival_at))
    query = sa.select(Flight).where(airport == code, scheduled >= starts_at, scheduled < ends_at)
    if after is not None:
        query = query.where(sa.tuple_(scheduled, Flight.id) > sa.tuple_(after[0], after[1]))
    return query.order_by(scheduled, Flight.id).limit(limit)


def board(session, code, board, starts_at, ends_at, after, limit):
    return list(session.scalars(board_query(code, board, starts_at, ends_at, after, limit)))


def busy_airplanes(session, starts_at, ends_at):
    """Ids of the airplanes with a non-cancelled flight in the air during [starts_at, ends_at)."""
    query = sa.select(Flight.airplane_id).distinct().where(
        Flight.status != CANCELLED,
        Flight.departure_at < ends_at,
        Flight.arrival_at > starts_at,
    )
    return sorted(session.scalars(query))


# -- fare families and trip search ------------------------------------------------------

def fare_families(session):
    """The catalogue, in rank order."""
    return list(session.scalars(sa.select(FareFamily).order_by(FareFamily.rank)))


def find_fare_family(session, code, lock=False):
    query = sa.select(FareFamily).where(FareFamily.code == code)
    if lock:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def connections_query(origin, destination, starts_at, ends_at, min_connection, max_connection, limit):
    """One-stop pairs ``(first, second)`` from ``origin`` to ``destination``: the first leg departs in
    [starts_at, ends_at), the second leaves the airport the first reached between ``min_connection``
    and ``max_connection`` after its arrival. Both listed (bookable) flights.

    A self-join of flights: the first legs come from ix_flights_origin_departure (origin, a day of
    departures), each one's second legs from ix_flights_route_departure (its destination, our
    destination, a departure range) in a nested loop, so the work grows with the first legs of one
    day, never with the table. ``track/tests/test_trip_plan.py`` holds the plan to that.
    """
    first, second = aliased(Flight, name="first"), aliased(Flight, name="second")
    return (
        sa.select(first, second)
        .join(second, sa.and_(
            second.origin == first.destination,
            second.destination == destination,
            second.departure_at >= first.arrival_at + min_connection,
            second.departure_at <= first.arrival_at + max_connection,
            second.status.in_(LISTED_STATUSES),
        ))
        .where(
            first.origin == origin,
            first.destination != destination,
            first.departure_at >= starts_at,
            first.departure_at < ends_at,
            first.status.in_(LISTED_STATUSES),
        )
        .order_by(first.departure_at, second.departure_at, first.id, second.id)
        .limit(limit)
    )


def connections(session, origin, destination, starts_at, ends_at, min_connection, max_connection, limit):
    query = connections_query(origin, destination, starts_at, ends_at, min_connection, max_connection, limit)
    return [tuple(row) for row in session.execute(query)]


# -- free seats (track's copy of ticket's counts) -------------------------------------------

def availability_of(session, flights):
    """``{flight_id: {class: {available, price?}}}`` of ``flights`` from the kept counts, in
    one primary-key read; a flight without counts yet is its seat layout, all free, and one
    that has departed has none free (as ticket answers)."""
    if not flights:
        return {}
    kept = dict(session.execute(
        sa.select(FlightAvailability.flight_id, FlightAvailability.classes)
        .where(FlightAvailability.flight_id.in_([flight.id for flight in flights]))).all())
    now = datetime.now(UTC)
    answer = {}
    for flight in flights:
        classes = kept.get(flight.id)
        if classes is None:
            classes = {cls: {"available": count} for cls, count in (flight.seat_counts or {}).items()}
        if flight.departure_at <= now:
            classes = {cls: {**state, "available": 0} for cls, state in classes.items()}
        answer[str(flight.id)] = classes
    return answer


def save_availability(session, counts):
    """Keep ``counts`` (``{flight_id: {version, classes}}``, ticket's answer) where newer than
    what is kept; flights track does not know are skipped. Rows in key order (no deadlock
    between two writers)."""
    keys = {key: name for key, name in ((as_uuid(name), name) for name in counts) if key is not None}
    known = set(session.scalars(sa.select(Flight.id).where(Flight.id.in_(list(keys)))))
    rows = sorted(({"flight_id": key, "classes": counts[keys[key]]["classes"], "version": counts[keys[key]]["version"]}
                   for key in known), key=lambda row: row["flight_id"])
    if not rows:
        return 0
    statement = insert(FlightAvailability).values(rows)
    session.execute(statement.on_conflict_do_update(
        index_elements=[FlightAvailability.flight_id],
        set_={"classes": statement.excluded.classes, "version": statement.excluded.version,
              "updated_at": sa.func.now()},
        where=FlightAvailability.version <= statement.excluded.version))
    return len(rows)


def future_flight_ids(session, after, limit):
    """Ids of listed flights departing in the future, in id order after ``after``."""
    query = sa.select(Flight.id).where(Flight.departure_at > sa.func.now(), Flight.status.in_(LISTED_STATUSES))
    if after is not None:
        query = query.where(Flight.id > after)
    return list(session.scalars(query.order_by(Flight.id).limit(limit)))
