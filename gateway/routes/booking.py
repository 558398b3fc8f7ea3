"""Orders, payments, cancellations, e-tickets. The services validate the bodies
(the schemas here only describe them in /openapi.json); the caller's id always
comes from the verified token, never from the request."""
from common.errors import load_or_raise
from gateway.http import json_body, json_response, route
from gateway.schemas import ChangeCardSchema
from order.schemas import (
    ChangeRequestSchema,
    ChangeSchema,
    ConfirmChangeBodySchema,
    ListOrdersQuerySchema,
    OrderPageSchema,
    OrderSchema,
    PlaceOrderBodySchema,
)
from payment.schemas import CardSchema, PaymentSchema
from ticket.schemas import TicketListSchema, TicketPageQuerySchema, TicketSchema

IDEMPOTENCY_HEADER = "Idempotency-Key"


class BookingRoutes:
    @route("POST", "/orders", summary="Book seats on one flight, or an itinerary of 1-4 flights at a fare family "
           "per segment (400 UNKNOWN_FARE_FAMILY, 409 FARE_NOT_OFFERED, 409 SEAT_CHOICE_NOT_INCLUDED): holds every "
           "seat until expires_at (all or none), pending payment", tags=["booking"], auth="user",
           body=PlaceOrderBodySchema, responses={201: OrderSchema},
           errors=(404, 409, 429))
    def place_order(self, request):
        body = json_body(request)
        idempotency_key = request.headers.get(IDEMPOTENCY_HEADER)
        # LIMIT_ORDERS_PER_USER, before order is asked (gateway/limits.py)
        self.order_limit.attempt(request.caller.id, idempotency_key)
        order = self.rpc.order.place_order(request.caller.id, body, idempotency_key=idempotency_key)
        return json_response(order, 201)

    @route("GET", "/orders", summary="The caller's orders, newest first", tags=["booking"], auth="user",
           query=ListOrdersQuerySchema, responses={200: OrderPageSchema})
    def list_orders(self, request):
        return json_response(self.rpc.order.list_orders(
            request.caller.id, request.args.get("limit", 20), request.args.get("cursor"),
        ))

    @route("GET", "/orders/<order_id>", summary="One of the caller's orders, with its tickets once issued",
           tags=["booking"], auth="user", responses={200: OrderSchema}, errors=(404,))
    def get_order(self, request, order_id):
        return json_response(self.rpc.order.get_order(order_id, request.caller.id))

    @route("POST", "/orders/<order_id>/pay", summary="Pay a pending order by card (test cards: 4242424242424242 "
           "succeeds, 4000000000000002 is declined)", tags=["booking"], auth="user", body=CardSchema,
           responses={201: PaymentSchema}, errors=(402, 404, 409, 429))
    def pay_order(self, request, order_id):
        return json_response(self.rpc.payment.pay(order_id, request.caller.id, json_body(request)), 201)

    @route("POST", "/orders/<order_id>/cancel", summary="Cancel a pending order, or cancel the tickets and "
           "refund a ticketed one what its fare rules give (refund_due: light nothing, standard less its fee, flex "
           "all; all of it for a disrupted booking); status becomes REFUNDED once the refund is done", tags=["booking"],
           auth="user", responses={200: OrderSchema}, errors=(404, 409))
    def cancel_order(self, request, order_id):
        return json_response(self.rpc.order.cancel_order(order_id, request.caller.id))

    @route("POST", "/orders/<order_id>/changes", summary="Quote a voluntary change: one segment of a ticketed "
           "booking to another flight of the same route, priced by the rules the booking was sold under (fee) and the "
           "same fare family on the new flight (fare difference); confirm it before expires_at", tags=["booking"],
           auth="user", body=ChangeRequestSchema,
           responses={201: ChangeSchema}, errors=(404, 409))
    def quote_change(self, request, order_id):
        return json_response(self.rpc.order.quote_change(order_id, request.caller.id, json_body(request)), 201)

    @route("POST", "/orders/<order_id>/changes/<change_id>/confirm", summary="Confirm a quoted change: "
           "amount_due is charged to the card (required when above zero; 402 declined, nothing changed), then the "
           "tickets are exchanged for new ones on the new flight (a refused exchange gives the charge back: FAILED); "
           "refund_due is given back after the exchange; a repeat answers the same", tags=["booking"], auth="user",
           body=ConfirmChangeBodySchema, responses={200: ChangeSchema}, errors=(400, 402, 404, 409, 429, 503))
    def confirm_change(self, request, order_id, change_id):
        body = load_or_raise(ConfirmChangeBodySchema(), json_body(request, required=False) or {})
        if body["card"] is not None:
            load_or_raise(ChangeCardSchema(), {"card": body["card"]}, message="Invalid card details")
        return json_response(self.rpc.order.confirm_change(order_id, change_id, request.caller.id, body["card"]))

    @route("GET", "/tickets", summary="The caller's e-tickets, newest first, a page at a time (limit 1-100, "
           "default 100; next_cursor gives the next page)", tags=["booking"], auth="user",
           query=TicketPageQuerySchema, responses={200: TicketListSchema})
    def list_tickets(self, request):
        return json_response(self.rpc.ticket.list_tickets(
            request.caller.id, request.args.get("limit"), request.args.get("cursor")))

    @route("GET", "/tickets/<ticket_number>", summary="One of the caller's e-tickets", tags=["booking"],
           auth="user", responses={200: TicketSchema}, errors=(404,))
    def get_ticket(self, request, ticket_number):
        return json_response(self.rpc.ticket.get_ticket(ticket_number, request.caller.id))

