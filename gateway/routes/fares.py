"""Fare families (their rules, read by anyone, changed by admins), a flight's prices per
family (admins) and trip search: direct and one-stop options, out and back."""
import json

from werkzeug.wrappers import Response

from gateway.http import json_body, json_response, route
from gateway.routes.fleet import FLIGHTS, listing, search_cache_key
from track.fare_schemas import (
    FareFamilyInput,
    FareFamilyListSchema,
    FareFamilySchema,
    FaresInput,
    ItineraryPageSchema,
    ItineraryQuery,
)
from track.schemas import FlightSchema

FARES = ["fares"]
# track.search_itineraries' arguments, in order
ITINERARY_PARAMS = ("origin", "destination", "date", "return_date", "passengers", "class", "sort", "limit",
                    "cursor")


class FareRoutes:
    @route("GET", "/fare-families", summary="Fare families and their rules (refunds, changes, seat choice, "
           "bag), in display order", tags=FARES, responses={200: FareFamilyListSchema})
    def list_fare_families(self, request):
        return listing(self.rpc.track.list_fare_families())

    @route("PUT", "/fare-families/<family>", summary="Change a fare family's rules (fares sold from now on)",
           tags=FARES, auth="admin", body=FareFamilyInput, responses={200: FareFamilySchema}, errors=(404,))
    def update_fare_family(self, request, family):
        return json_response(self.rpc.track.update_fare_family(family, json_body(request)))

    @route("PUT", "/flights/<flight_id>/fares", summary="Set a flight's prices per cabin and fare family",
           tags=FARES, auth="admin", body=FaresInput, responses={200: FlightSchema}, errors=(404, 409))
    def set_flight_fares(self, request, flight_id):
        return json_response(self.rpc.track.set_fares(flight_id, json_body(request)))

    @route("GET", "/itineraries", summary="Trip search: direct flights and one-stop connections on a local "
           "date (and back on return_date), priced per fare family for the party, sorted by price or "
           "duration, offset-paged", tags=FLIGHTS, query=ItineraryQuery, responses={200: ItineraryPageSchema})
    def search_itineraries(self, request):
        params = [request.args.get(name) for name in ITINERARY_PARAMS]
        body = self.search_cache.answer(
            search_cache_key(["itineraries", *params]),
            lambda: json.dumps(self.rpc.track.search_itineraries(*params), default=str),
        )
        return Response(body, mimetype="application/json")
