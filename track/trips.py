"""Trip search rules as plain functions: what makes a connection, an option's shape,
its price per fare family for the party, the two sort orders and the offset cursor.

An option is a direct flight or two flights with one stop: the second leaves from the
airport the first reached, at least the minimum connection time (config) and at most
``MAX_CONNECTION`` after the first one's arrival. Times are UTC instants, so a connection
across time zones is measured as it is lived.
"""
import base64
import binascii
import json
from datetime import timedelta

from track import fares
from track.domain import field_error

MAX_CONNECTION = timedelta(hours=24)
# the most one-stop pairs one day's search considers (the earliest first legs first)
MAX_CONNECTIONS = 400
SORTS = ("price", "duration")
# no day has more options than this (a cursor past it was not given out)
MAX_OFFSET = 100_000


def connection_window(arrival_at, min_connection):
    """The departures ``[earliest, latest]`` a connection from a flight arriving at ``arrival_at`` may have."""
    return arrival_at + min_connection, arrival_at + MAX_CONNECTION


def connects(first, second, min_connection):
    """Does ``second`` make a connection after ``first`` (same airport, inside the window)?"""
    earliest, latest = connection_window(first.arrival_at, min_connection)
    return first.destination == second.origin and earliest <= second.departure_at <= latest


def _leg(flight):
    return {"flight_id": str(flight.id), "flight_number": flight.flight_number, "origin": flight.origin,
            "destination": flight.destination, "departure_at": flight.departure_at,
            "arrival_at": flight.arrival_at, "status": flight.status}


def option(legs, availability, cabin_class, passengers, families):
    """The option flying ``legs`` in ``cabin_class``, or None when it cannot carry the party:
    a leg without that cabin or without ``passengers`` free seats in it, legs priced in
    different currencies (amounts are never converted), or no family every leg sells.

    ``availability``: ``store.availability_of``'s ``{flight_id: {class: {available, price}}}``; ``families``:
    the catalogue's codes in rank order.
    """
    seats, prices = [], []
    for flight in legs:
        state = (availability.get(str(flight.id)) or {}).get(cabin_class) or {}
        cabin_prices = (flight.fares_by_family or {}).get(cabin_class)
        if cabin_prices is None or int(state.get("available", 0)) < passengers:
            return None
        seats.append(int(state["available"]))
        prices.append(cabin_prices)
    if len({flight.currency for flight in legs}) != 1:
        return None
    offered = fares.party_prices(prices, families, passengers)
    if not offered:
        return None
    first, last = legs[0], legs[-1]
    connections = [int((after.departure_at - before.arrival_at).total_seconds() // 60)
                   for before, after in zip(legs, legs[1:])]
    currency = first.currency
    return {
        "legs": [_leg(flight) for flight in legs], "stops": len(legs) - 1, "connection_minutes": connections,
        "departure_at": first.departure_at, "arrival_at": last.arrival_at,
        "duration_minutes": int((last.arrival_at - first.departure_at).total_seconds() // 60),
        "class": cabin_class, "passengers": passengers, "seats_available": min(seats),
        "fares": [dict(offer, currency=currency) for offer in offered],
        "lowest_total": dict(min(offered, key=lambda offer: offer["total"]), currency=currency),
    }


def sort_key(sort):
    """Price: the cheapest family's total, then duration; duration: total minutes, then price.
    Ties go by departure, then the flight ids, so pages never shuffle between requests."""
    def by_price(item):
        return (item["lowest_total"]["total"], item["duration_minutes"], item["departure_at"], _ids(item))

    def by_duration(item):
        return (item["duration_minutes"], item["lowest_total"]["total"], item["departure_at"], _ids(item))

    return by_price if sort == "price" else by_duration


def _ids(item):
    return tuple(leg["flight_id"] for leg in item["legs"])


def options(directs, pairs, availability, cabin_class, passengers, families, sort):
    """Every option of one direction, sorted: ``directs`` are flights, ``pairs`` one-stop ``(first, second)``."""
    found = [option(legs, availability, cabin_class, passengers, families)
             for legs in [[flight] for flight in directs] + [list(pair) for pair in pairs]]
    return sorted((item for item in found if item is not None), key=sort_key(sort))


def encode_cursor(offset):
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode().rstrip("=")


def decode_cursor(cursor):
    """The offset an opaque cursor carries; InvalidInput ``INVALID_CURSOR`` when tampered with."""
    if not cursor:
        return 0
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        offset = json.loads(base64.urlsafe_b64decode(padded.encode()))["offset"]
        if not isinstance(offset, int) or isinstance(offset, bool) or not 0 <= offset <= MAX_OFFSET:
            raise ValueError("offset out of range")
        return offset
    except (ValueError, TypeError, KeyError, binascii.Error, UnicodeDecodeError):
        raise field_error("cursor", "Not a cursor this API gave out.", code="INVALID_CURSOR")


def page(outbound, inbound, offset, limit):
    """One page of both lists at ``offset`` (they advance together), and the next cursor
    (None once both are exhausted)."""
    end = offset + limit
    more = len(outbound) > end or len(inbound) > end
    return outbound[offset:end], inbound[offset:end], encode_cursor(end) if more else None
