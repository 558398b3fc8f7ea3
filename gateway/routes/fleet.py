"""Airplane models, airplanes, maintenance, airports, flights, search, seat maps."""
import hashlib
import json

from marshmallow import Schema, fields, validate
from werkzeug.wrappers import Response

from airplane.schemas import (
    AirplaneFilter,
    AirplaneInput,
    AirplaneModelInput,
    AirplaneModelListSchema,
    AirplaneModelSchema,
    AirplanePageSchema,
    AirplaneSchema,
    AirplaneStatusInput,
    MaintenanceInput,
    MaintenanceListSchema,
    MaintenanceSchema,
    SeatListSchema,
)
from common.errors import load_or_raise
from gateway.http import json_body, json_response, route
from gateway.layouts import CABIN_LAYOUTS, FlightSeatMapSchema
from track.schemas import (
    AirportListSchema,
    AirportQuery,
    FlightInput,
    FlightPageSchema,
    FlightSchema,
    SearchQuery,
    StatusInput,
)

FLEET = ["fleet"]
FLIGHTS = ["flights"]
# track.search_flights' arguments, in order
SEARCH_PARAMS = ("origin", "destination", "date", "passengers", "class", "limit", "cursor")


class PageQuery(Schema):
    # documents the airplane service's page size (airplane/service.py: page_size)
    limit = fields.Integer(validate=validate.Range(min=1, max=200),
                           metadata={"description": "page size, default 50; a larger one is capped at 200"})
    cursor = fields.String()


class AirplaneListQuery(PageQuery, AirplaneFilter):
    pass


# airplane.list_airplanes' arguments, in order
AIRPLANE_LIST_PARAMS = ("limit", "cursor", "available_from", "available_to", "model_id", "min_seats")


def search_cache_key(params):
    """Search answers are cached for SEARCH_CACHE_TTL seconds (0 = off), keyed by the query."""
    return hashlib.sha1(json.dumps(params).encode()).hexdigest()


def listing(items):
    """A whole list as one page (the ``*ListSchema`` shape: ``next_cursor`` is always null)."""
    return json_response({"items": items, "next_cursor": None})


class FleetRoutes:
    # -- airplane models (admin) -----------------------------------------------------

    @route("GET", "/airplane-models", summary="List airplane models", tags=FLEET, auth="admin",
           responses={200: AirplaneModelListSchema})
    def list_airplane_models(self, request):
        return listing(self.rpc.airplane.list_models())

    @route("POST", "/airplane-models", summary="Add an airplane model with its cabin layout", tags=FLEET,
           auth="admin", body=AirplaneModelInput, responses={201: AirplaneModelSchema}, errors=(409,))
    def create_airplane_model(self, request):
        return json_response(self.rpc.airplane.create_model(json_body(request)), 201)

    @route("GET", "/airplane-models/<model_id>", summary="One airplane model", tags=FLEET, auth="admin",
           responses={200: AirplaneModelSchema}, errors=(404,))
    def get_airplane_model(self, request, model_id):
        return json_response(self.rpc.airplane.get_model(model_id))

    @route("GET", "/airplane-models/<model_id>/seats", summary="Every seat of a model", tags=FLEET,
           auth="admin", responses={200: SeatListSchema}, errors=(404,))
    def airplane_model_seats(self, request, model_id):
        return listing(self.rpc.airplane.model_seats(model_id))

    # -- airplanes (admin) -----------------------------------------------------------

    @route("GET", "/airplanes", summary="List airplanes by registration; with available_from and "
           "available_to, only those free the whole window (no flight, no maintenance, not retired)",
           tags=FLEET, auth="admin", query=AirplaneListQuery, responses={200: AirplanePageSchema})
    def list_airplanes(self, request):
        return json_response(self.rpc.airplane.list_airplanes(*(request.args.get(n) for n in AIRPLANE_LIST_PARAMS)))

    @route("POST", "/airplanes", summary="Register an airplane", tags=FLEET, auth="admin",
           body=AirplaneInput, responses={201: AirplaneSchema}, errors=(409,))
    def create_airplane(self, request):
        return json_response(self.rpc.airplane.create_airplane(json_body(request)), 201)

    @route("GET", "/airplanes/<airplane_id>", summary="One airplane", tags=FLEET, auth="admin",
           responses={200: AirplaneSchema}, errors=(404,))
    def get_airplane(self, request, airplane_id):
        return json_response(self.rpc.airplane.get_airplane(airplane_id))

    @route("PATCH", "/airplanes/<airplane_id>", summary="Retire an airplane (409 while it has flights)",
           tags=FLEET, auth="admin", body=AirplaneStatusInput, responses={200: AirplaneSchema}, errors=(404, 409))
    def update_airplane(self, request, airplane_id):
        load_or_raise(AirplaneStatusInput(), json_body(request))
        return json_response(self.rpc.airplane.retire_airplane(airplane_id))

    @route("GET", "/airplanes/<airplane_id>/maintenance", summary="An airplane's maintenance windows",
           tags=FLEET, auth="admin", responses={200: MaintenanceListSchema}, errors=(404,))
    def list_maintenance(self, request, airplane_id):
        return listing(self.rpc.airplane.list_maintenance(airplane_id))

    @route("POST", "/airplanes/<airplane_id>/maintenance", summary="Schedule maintenance (409 over a flight)",
           tags=FLEET, auth="admin", body=MaintenanceInput, responses={201: MaintenanceSchema}, errors=(404, 409))
    def schedule_maintenance(self, request, airplane_id):
        return json_response(self.rpc.airplane.schedule_maintenance(airplane_id, json_body(request)), 201)

    # -- airports and flights ----------------------------------------------------------

    @route("GET", "/airports", summary="Search airports by code, city or name", tags=FLIGHTS,
           query=AirportQuery, responses={200: AirportListSchema})
    def list_airports(self, request):
        return listing(self.rpc.track.list_airports(request.args.get("q"), request.args.get("limit")))

    @route("POST", "/flights", summary="Schedule a flight", tags=FLIGHTS, auth="admin", body=FlightInput,
           responses={201: FlightSchema}, errors=(409,))
    def schedule_flight(self, request):
        return json_response(self.rpc.track.schedule_flight(json_body(request)), 201)

    @route("GET", "/flights", summary="Search flights by route and local departure date", tags=FLIGHTS,
           query=SearchQuery, responses={200: FlightPageSchema})
    def search_flights(self, request):
        params = [request.args.get(name) for name in SEARCH_PARAMS]
        body = self.search_cache.answer(
            search_cache_key(params), lambda: json.dumps(self.rpc.track.search_flights(*params), default=str),
        )
        return Response(body, mimetype="application/json")

    @route("GET", "/flights/<flight_id>", summary="One flight", tags=FLIGHTS,
           responses={200: FlightSchema}, errors=(404,))
    def get_flight(self, request, flight_id):
        return json_response(self.rpc.track.get_flight(flight_id))

    @route("GET", "/flights/<flight_id>/seats", summary="Seat map with prices and status, and the cabins' "
           "layouts (where the aisles are)", tags=FLIGHTS, responses={200: FlightSeatMapSchema}, errors=(404,))
    def flight_seats(self, request, flight_id):
        seat_map = self.rpc.ticket.seat_map.call_async(flight_id)
        cabins = CABIN_LAYOUTS.of_flight(self.rpc, flight_id)
        answer = seat_map.result()
        if cabins:
            answer["cabins"] = cabins
        return json_response(answer)

    @route("PATCH", "/flights/<flight_id>/status", summary="Delay, board, depart, land or cancel a flight",
           tags=FLIGHTS, auth="admin", body=StatusInput, responses={200: FlightSchema}, errors=(404, 409))
    def change_flight_status(self, request, flight_id):
        return json_response(self.rpc.track.change_status(flight_id, json_body(request)))
