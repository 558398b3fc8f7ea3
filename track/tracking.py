"""Tracking and discovery: every leg of a flight number on a day, airport boards and
the fare calendar. Reads of track's own flights; the calendar also reads free seats,
from track's copy of ticket's counts, for the whole window.

Days are local: a flight number's date and a calendar's days at the origin, a
board's date at its airport. Status and boards go by the *scheduled* times (a
flight delayed past midnight stays on the board of the day it was scheduled for,
as at an airport); the calendar, like search, by the current departure.
"""
from common.errors import NotFound
from track import domain, fares, schemas, store


def flight_status(session, places, flight_number, day):
    starts_at, ends_at = domain.any_local_day_utc_range(day)
    legs = [flight for flight in store.legs_of_number(session, flight_number, starts_at, ends_at)
            if domain.local_date(flight.scheduled_departure_at, places[flight.origin].tz) == day]
    if not legs:
        raise NotFound(f"No flight {flight_number} departs on {day.isoformat()}.",
                       details={"flight_number": flight_number, "date": day.isoformat()})
    return schemas.dump_status_list(flight_number, day, [schemas.flight_status(leg, places) for leg in legs])


def airport_board(session, places, code, board, query):
    """A page of the departures or arrivals ``board`` of airport ``code`` on ``query["date"]``."""
    place = places.get(code)
    if place is None:
        raise NotFound("No such airport.", details={"code": code})
    starts_at, ends_at = domain.local_day_utc_range(query["date"], place.tz)
    after = _after(query["cursor"])
    # one row more than the page tells whether another page exists
    flights = store.board(session, code, board, starts_at, ends_at, after, query["limit"] + 1)
    page, more = flights[:query["limit"]], len(flights) > query["limit"]
    next_cursor = None
    if more:
        last = page[-1]
        scheduled = last.scheduled_departure_at if board == domain.DEPARTURES else last.scheduled_arrival_at
        next_cursor = domain.encode_cursor(scheduled, last.id)
    airport = {"code": code, **place._asdict()}
    return schemas.dump_board(airport, board, query["date"], [schemas.flight_status(f, places) for f in page],
                              next_cursor)


def _after(cursor):
    if not cursor:
        return None
    moment, flight_id = domain.decode_cursor(cursor)
    key = store.as_uuid(flight_id)
    if key is None:
        raise domain.field_error("cursor", "Not a cursor this API gave out.", code="INVALID_CURSOR")
    return moment, key


def fare_calendar(session, origin_tz, query):
    """The lowest fare that seats ``passengers`` on each local day of the window."""
    first_day, last_day = query["first_day"], query["last_day"]
    domain.check_calendar_window(first_day, last_day)
    starts_at, ends_at = domain.local_days_utc_range(first_day, last_day, origin_tz)
    flights = store.flights_on_route(session, query["origin"], query["destination"], starts_at, ends_at,
                                     None, None)
    availability = store.availability_of(session, flights)
    offers, family_offers = [], []
    for flight in flights:
        found = domain.offer(flight.fares, availability.get(str(flight.id)) or {}, query["passengers"],
                             query["cabin_class"])
        if found is not None:
            day = domain.local_date(flight.departure_at, origin_tz)
            offers.append((day, {**found[1], "currency": flight.currency}))
            by_family = fares.lowest_by_family(flight.fares_by_family, found[0], query["passengers"],
                                               query["cabin_class"])
            family_offers.append((day, {family: {**fare, "currency": flight.currency}
                                        for family, fare in by_family.items()}))
    by_day = fares.day_lowest_by_family(family_offers)
    days = [{**day, "lowest_by_family": by_day.get(day["date"], {})}
            for day in domain.calendar_days(first_day, last_day, offers)]
    return schemas.dump_calendar(query, days)
