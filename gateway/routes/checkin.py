"""Online check-in, boarding passes and the gate. Check-in and the boarding pass are open
to the ticket's owner (a bearer token) and to anyone with the booking reference and the
passenger's last name (no token): ticket asks order to verify them, and the gateway counts
wrong ones as booking lookups (one throttle per client); the boarding pass takes them as
headers, so the name is in no address. The gate (the scan, the
boarding list) is for gate agents and admins (``auth="gate"``)."""
from werkzeug.wrappers import Response

from common.errors import Unauthorized, load_or_raise
from gateway.http import JSON_CONTENT_SECURITY_POLICY, header_text, json_body, json_response, route
from ticket.barcode import SVG_CONTENT_TYPE, pdf417_svg
from ticket.schemas import (
    BoardedSchema,
    BoardingListSchema,
    BoardingPassProofSchema,
    BoardingPassQuerySchema,
    BoardingPassSchema,
    BoardingScanSchema,
    CheckInBodySchema,
)

CHECK_IN = ["check-in"]


class CheckInRoutes:
    @route("POST", "/tickets/<ticket_number>/check-in", summary="Check in (from 48 h to 1 h before departure): "
           "as the ticket's owner with a bearer token, or without one by booking reference and last name "
           "(wrong guesses are throttled per client, as booking lookups); optionally move to a free seat of the "
           "same cabin. Checking in again answers the same pass",
           tags=CHECK_IN, body=CheckInBodySchema, responses={200: BoardingPassSchema}, errors=(401, 404, 409, 429))
    def check_in(self, request, ticket_number):
        body = load_or_raise(CheckInBodySchema(), json_body(request, required=False))
        user_id = None
        if request.headers.get("Authorization"):
            user_id = self.security.require(request, "user").id
        elif not (body.get("booking_ref") and body.get("last_name")):
            raise Unauthorized("Sign in, or give the booking reference and the passenger's last name.",
                               code="UNAUTHORIZED")
        arguments = (ticket_number, user_id, body.get("booking_ref"), body.get("last_name"), body.get("seat"))
        if user_id is not None:
            return json_response(self.rpc.ticket.check_in(*arguments))
        return json_response(self.lookup_throttle.lookup(
            self.client_address(request), self.rpc.ticket.check_in, *arguments))

    @route("GET", "/tickets/<ticket_number>/boarding-pass", summary="The boarding pass of a checked-in "
           "ticket: its IATA BCBP string and flight (JSON), or ?format=svg the PDF417 barcode. As the ticket's "
           "owner with a bearer token, or without one by the headers X-Booking-Ref and X-Last-Name (the "
           "passenger's; wrong guesses are throttled per client, as booking lookups)",
           tags=CHECK_IN, auth="user", token_optional=True, query=BoardingPassQuerySchema,
           headers=BoardingPassProofSchema,
           responses={200: {"application/json": BoardingPassSchema, SVG_CONTENT_TYPE: {"type": "string"}}},
           errors=(404, 409, 429))
    def boarding_pass(self, request, ticket_number):
        query = load_or_raise(BoardingPassQuerySchema(), request.args.to_dict())
        if request.caller is not None:
            boarding_pass = self.rpc.ticket.boarding_pass(ticket_number, request.caller.id)
        else:
            proof = self._proof_headers(request)
            boarding_pass = self.lookup_throttle.lookup(
                self.client_address(request), self.rpc.ticket.boarding_pass,
                ticket_number, None, proof["booking_ref"], proof["last_name"])
        if query.get("format") == "svg":
            return Response(pdf417_svg(boarding_pass["bcbp"]), mimetype=SVG_CONTENT_TYPE,
                            headers={"Content-Security-Policy": JSON_CONTENT_SECURITY_POLICY})
        return json_response(boarding_pass)

    @staticmethod
    def _proof_headers(request):
        schema = BoardingPassProofSchema()
        proof = load_or_raise(schema, {field.data_key: header_text(request.headers[field.data_key])
                                       for field in schema.fields.values() if request.headers.get(field.data_key)})
        if not (proof.get("booking_ref") and proof.get("last_name")):
            raise Unauthorized("Sign in, or give the booking reference and the passenger's last name "
                               "(X-Booking-Ref, X-Last-Name).", code="UNAUTHORIZED")
        return proof

    @route("POST", "/flights/<flight_id>/boarding", summary="Board a passenger at the gate by scanning the "
           "boarding pass (its BCBP string); 409 ALREADY_BOARDED, NOT_CHECKED_IN, WRONG_FLIGHT (gate agent or admin)",
           tags=CHECK_IN, auth="gate", body=BoardingScanSchema, responses={200: BoardedSchema},
           errors=(404, 409))
    def board(self, request, flight_id):
        scan = load_or_raise(BoardingScanSchema(), json_body(request))
        return json_response(self.rpc.ticket.board(flight_id, scan["bcbp"]))

    @route("GET", "/flights/<flight_id>/boarding", summary="The boarding list: every ticket of the flight with "
           "its check-in state (not_checked_in, checked_in, boarded, no_show), in seat order (gate agent or admin)",
           tags=CHECK_IN, auth="gate", responses={200: BoardingListSchema}, errors=(404,))
    def boarding_list(self, request, flight_id):
        flight = self.rpc.track.get_flight.call_async(flight_id)  # an unknown flight is 404, not an empty list
        passengers = self.rpc.ticket.boarding_status.call_async(flight_id)
        flight.result()
        passengers = passengers.result()
        # the passengers are ticket's answer, dumped there (BoardingStatusSchema)
        return json_response({"flight_id": flight_id, "count": len(passengers), "passengers": passengers})
