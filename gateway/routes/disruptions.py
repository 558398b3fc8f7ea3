"""Involuntary changes, as an admin makes and watches them: an aircraft swap and the
knock-on conflicts of delays (docs/flights.md)."""
from gateway.http import json_body, json_response, route
from track.schemas import AirplaneChangeInput, ConflictPageSchema, ConflictsQuery, FlightSchema

FLIGHTS = ["flights"]


class DisruptionRoutes:
    @route("PATCH", "/flights/<flight_id>", summary="Aircraft swap: the flight flies another airplane (checked as "
           "scheduling checks one: free with turnaround, not in maintenance, not retired); its seats are rebuilt, "
           "bookings without a seat on it are disrupted", tags=FLIGHTS, auth="admin", body=AirplaneChangeInput,
           responses={200: FlightSchema}, errors=(404, 409))
    def change_flight_airplane(self, request, flight_id):
        return json_response(self.rpc.track.change_airplane(flight_id, json_body(request)))

    @route("GET", "/admin/conflicts", summary="Knock-on conflicts of delays, newest first: a delayed flight "
           "overlapping its airplane's next flight or a maintenance window", tags=FLIGHTS, auth="admin",
           query=ConflictsQuery, responses={200: ConflictPageSchema})
    def list_conflicts(self, request):
        return json_response(self.rpc.track.list_conflicts(request.args.get("limit"), request.args.get("cursor")))
