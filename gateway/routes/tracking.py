"""Flight tracking and discovery (no login): status by flight number, airport boards,
the fare calendar. Fleet availability is ``GET /airplanes`` with a window (fleet.py)."""
import json

from werkzeug.wrappers import Response

from gateway.http import json_response, route
from gateway.routes.fleet import FLIGHTS, search_cache_key
from track.schemas import (
    BoardQuery,
    BoardSchema,
    CalendarQuery,
    CalendarSchema,
    FlightStatusListSchema,
    FlightStatusQuery,
)

# track.fare_calendar's arguments, in order
CALENDAR_PARAMS = ("origin", "destination", "from", "to", "passengers", "class")


class TrackingRoutes:
    # static segments win over <flight_id> in werkzeug's routing, so /flights/status and
    # /flights/calendar never reach get_flight (tests/test_flights_tracking.py checks it)

    @route("GET", "/flights/status", summary="Every leg of a flight number on a local date at its origin: "
           "scheduled and estimated times (UTC and local), status, delay", tags=FLIGHTS,
           query=FlightStatusQuery, responses={200: FlightStatusListSchema}, errors=(404,))
    def flight_status(self, request):
        return json_response(self.rpc.track.flight_status(request.args.get("flight_number"),
                                                          request.args.get("date")))

    @route("GET", "/flights/calendar", summary="The lowest available fare per local day for a route "
           "(at most 62 days)", tags=FLIGHTS, query=CalendarQuery, responses={200: CalendarSchema})
    def fare_calendar(self, request):
        params = [request.args.get(name) for name in CALENDAR_PARAMS]
        body = self.search_cache.answer(
            search_cache_key(["calendar", *params]),
            lambda: json.dumps(self.rpc.track.fare_calendar(*params), default=str),
        )
        return Response(body, mimetype="application/json")

    @route("GET", "/airports/<code>/departures", summary="Departures board: every flight scheduled to leave "
           "the airport on a local date", tags=FLIGHTS, query=BoardQuery, responses={200: BoardSchema},
           errors=(404,))
    def departures_board(self, request, code):
        return self._board(request, code, "departures")

    @route("GET", "/airports/<code>/arrivals", summary="Arrivals board: every flight scheduled to land "
           "at the airport on a local date", tags=FLIGHTS, query=BoardQuery, responses={200: BoardSchema},
           errors=(404,))
    def arrivals_board(self, request, code):
        return self._board(request, code, "arrivals")

    def _board(self, request, code, board):
        return json_response(self.rpc.track.airport_board(
            code, board, request.args.get("date"), request.args.get("limit"), request.args.get("cursor")))
