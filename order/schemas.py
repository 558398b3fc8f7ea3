"""marshmallow schemas for the order service's inputs and answers."""
import re

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from order.domain import STATES, history_list

MAX_PASSENGERS = 9
SEAT_PATTERN = re.compile(r"^[1-9][0-9]{0,2}[A-Z]$")
ORDER_ID_PATTERN = re.compile(r"^[0-9a-f]{24}$")


class PassengerSchema(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    seat = fields.String(load_default=None, allow_none=True, metadata={"example": "12A"})

    @post_load
    def normalise(self, data, **kwargs):
        data["name"] = " ".join(data["name"].split())
        if not data["name"]:
            raise ValidationError("Must not be blank.", "name")
        if data.get("seat") is not None:
            seat = data["seat"].strip().upper()
            if not SEAT_PATTERN.match(seat):
                raise ValidationError("Not a seat (row number then letter, e.g. 12A).", "seat")
            data["seat"] = seat
        return data


class PlaceOrderSchema(Schema):
    flight_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    passengers = fields.List(
        fields.Nested(PassengerSchema), required=True,
        validate=validate.Length(min=1, max=MAX_PASSENGERS, error=f"Between 1 and {MAX_PASSENGERS} passengers."),
    )
    cabin_class = fields.String(
        data_key="class", load_default=None, validate=validate.Length(min=1, max=32),
        metadata={"description": "the cabin of every passenger; default economy for passengers without a "
                                 "named seat", "example": "economy"},
    )

    @validates_schema
    def seats_are_distinct(self, data, **kwargs):
        seats = [p["seat"] for p in data.get("passengers", []) if p.get("seat")]
        repeated = sorted({seat for seat in seats if seats.count(seat) > 1})
        if repeated:
            raise ValidationError(f"Seats named more than once: {', '.join(repeated)}.", "passengers")


class ListOrdersQuerySchema(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=validate.Regexp(ORDER_ID_PATTERN, error="Not a valid cursor."))


class OrderPassengerSchema(Schema):
    name = fields.String()
    seat = fields.String()
    cabin_class = fields.String(attribute="class", data_key="class")
    price = fields.Integer()


class TicketSchema(Schema):
    number = fields.String(metadata={"example": "9991234567890"})
    order_id = fields.String()
    flight_id = fields.String()
    passenger_name = fields.String()
    seat = fields.String()
    cabin_class = fields.String(attribute="class", data_key="class")
    fare = fields.Integer()
    currency = fields.String()
    status = fields.String(metadata={"example": "issued"})
    issued_at = fields.String()


class HistoryEntrySchema(Schema):
    status = fields.String(validate=validate.OneOf(STATES))
    at = fields.String()


class OrderRefundSchema(Schema):
    """The refund of the order's payment, as payment announced it (``payment_refunded``);
    the same shape as the ``refund`` of a payment (``payment.schemas.RefundSchema``)."""

    refund_id = fields.String(metadata={"example": "re_65f1c0ffee0123456789abcd"})
    amount = fields.Integer(metadata={"description": "minor units of currency"})
    reason = fields.String(metadata={"example": "order_cancelled"})
    at = fields.String()


class OrderSchema(Schema):
    """An order document as the API shows it."""

    id = fields.String(attribute="_id")
    booking_ref = fields.String(metadata={"example": "K7M2QX"})
    user_id = fields.String()
    flight_id = fields.String()
    status = fields.String(validate=validate.OneOf(STATES))
    amount = fields.Integer(metadata={"description": "minor units of currency"})
    currency = fields.String(metadata={"example": "IDR"})
    expires_at = fields.DateTime()
    passengers = fields.List(fields.Nested(OrderPassengerSchema))
    tickets = fields.Method("dump_tickets", metadata={"type": "array", "items": {"type": "object"}})
    payment_id = fields.String(allow_none=True)
    cancel_reason = fields.String(allow_none=True)
    refund = fields.Nested(OrderRefundSchema, allow_none=True)
    cancellation_requested_at = fields.String(allow_none=True)
    history = fields.Method("dump_history", metadata={"type": "array", "items": {"type": "object"}})
    created_at = fields.DateTime()

    def dump_tickets(self, order):
        tickets = order.get("tickets") or []
        if order.get("status") == "REFUNDED":
            # a refund only ever follows the cancellation of all the order's tickets
            tickets = [dict(ticket, status="cancelled") for ticket in tickets]
        return TicketSchema(many=True).dump(tickets)

    def dump_history(self, order):
        return history_list(order.get("history"))


class OrderPageSchema(Schema):
    items = fields.List(fields.Nested(OrderSchema))
    next_cursor = fields.String(allow_none=True)
