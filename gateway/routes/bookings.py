"""Manage my booking without logging in (booking reference + a passenger's last name),
and the staff views of orders: find them (admin), a flight's manifest (gate agent or admin)."""
from common.errors import NotFound, load_or_raise
from gateway.http import json_body, json_response, route
from gateway.schemas import GateManifestSchema
from order.schemas import (
    BookingCancelSchema,
    BookingLookupQuerySchema,
    BookingSchema,
    OrderPageSchema,
    StaffOrdersQuerySchema,
)


class ManageBookingRoutes:
    @route("GET", "/bookings/<booking_ref>", summary="A booking, by its reference and any passenger's last name "
           "(no login; wrong guesses are throttled per client)", tags=["booking"], query=BookingLookupQuerySchema,
           responses={200: BookingSchema}, errors=(404, 429))
    def find_booking(self, request, booking_ref):
        query = load_or_raise(BookingLookupQuerySchema(), request.args.to_dict())
        return json_response(self._looked_up(request, self.rpc.order.find_booking, booking_ref, query["last_name"]))

    @route("POST", "/bookings/<booking_ref>/cancel", summary="Cancel a booking (refunded if ticketed), by its "
           "reference and any passenger's last name (no login)", tags=["booking"], body=BookingCancelSchema,
           responses={200: BookingSchema}, errors=(404, 409, 429))
    def cancel_booking(self, request, booking_ref):
        body = load_or_raise(BookingCancelSchema(), json_body(request))
        return json_response(self._looked_up(request, self.rpc.order.cancel_booking, booking_ref, body["last_name"]))

    def _looked_up(self, request, call, booking_ref, last_name):
        return self.lookup_throttle.lookup(self.client_address(request), call, booking_ref, last_name)

    @route("GET", "/admin/orders", summary="Find orders (admin): by exactly one of booking_ref, email (the "
           "customer's) or flight_id, newest first", tags=["booking"], auth="admin", query=StaffOrdersQuerySchema,
           responses={200: OrderPageSchema})
    def search_orders(self, request):
        query = load_or_raise(StaffOrdersQuerySchema(), request.args.to_dict())
        user_id = None
        if query["email"]:
            try:
                user_id = self.rpc.auth.get_user_by_email(query["email"])["id"]
            except NotFound:
                return json_response({"items": [], "next_cursor": None})
        return json_response(self.rpc.order.search_orders(
            query["booking_ref"], user_id, query["flight_id"], query["limit"], query["cursor"],
        ))

    @route("GET", "/flights/<flight_id>/manifest", summary="Every passenger of a paid or ticketed booking on the "
           "flight, with type, seat, ticket number and check-in state (gate agent or admin)", tags=["booking"],
           auth="gate", responses={200: GateManifestSchema}, errors=(404,))
    def flight_manifest(self, request, flight_id):
        flight = self.rpc.track.get_flight.call_async(flight_id)  # an unknown flight is 404, not an empty list
        manifest = self.rpc.order.flight_manifest.call_async(flight_id)
        boarding = self.rpc.ticket.boarding_status.call_async(flight_id)
        flight.result()
        manifest = manifest.result()
        at_the_gate = {line["ticket_number"]: line for line in boarding.result()}
        for passenger in manifest["passengers"]:
            line = at_the_gate.get(passenger["ticket_number"], {})
            passenger.update({key: line.get(key) for key in ("check_in", "checked_in_at", "boarded_at")})
        return json_response(GateManifestSchema().dump(manifest))
