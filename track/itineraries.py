"""Trip search: direct flights and one-stop connections for a day, out and (optionally)
back, priced per fare family for the party, sorted and paged.

Each direction is two reads of track's flights (the direct route, and the one-stop
self-join bounded by the day and the connection window) and, for both directions
together, one read of track's copy of ticket's free seats (``store.availability_of``).
Options are built whole for the day, sorted
(``trips.sort_key``) and served by offset (``trips.page``): a day of one route holds a
bounded number of options (``trips.MAX_CONNECTIONS`` pairs at most), and a price or
duration order has no index to walk.
"""
from track import domain, fare_schemas, store, trips


def search(session, time_zones, query, min_connection):
    """``query``: a loaded ``ItineraryQuery``; ``time_zones``: code → IANA zone."""
    outbound = _candidates(session, time_zones, query["origin"], query["destination"], query["date"],
                           min_connection)
    inbound = ([], [])
    if query["return_date"]:
        inbound = _candidates(session, time_zones, query["destination"], query["origin"], query["return_date"],
                              min_connection)
    flights = {flight.id: flight for directs, pairs in (outbound, inbound)
               for flight in [*directs, *(leg for pair in pairs for leg in pair)]}
    availability = store.availability_of(session, list(flights.values()))
    families = [family.code for family in store.fare_families(session)]

    def options(candidates):
        return trips.options(*candidates, availability, query["cabin_class"], query["passengers"], families,
                             query["sort"])

    items, return_items, next_cursor = trips.page(options(outbound), options(inbound),
                                                  trips.decode_cursor(query["cursor"]), query["limit"])
    return fare_schemas.dump_itineraries(items, return_items, query["sort"], next_cursor)


def _candidates(session, time_zones, origin, destination, day, min_connection):
    """``(direct flights, one-stop pairs)`` departing ``origin`` on its local ``day``."""
    starts_at, ends_at = domain.local_day_utc_range(day, time_zones[origin])
    directs = store.flights_on_route(session, origin, destination, starts_at, ends_at, None, None)
    pairs = store.connections(session, origin, destination, starts_at, ends_at, min_connection,
                              trips.MAX_CONNECTION, trips.MAX_CONNECTIONS)
    return directs, pairs
