"""marshmallow schemas for the order service's inputs and answers."""
import re

from marshmallow import Schema, ValidationError, fields, post_load, pre_dump, validate, validates_schema

from common.schemas import UtcDateTime, no_control_characters
from order.domain import STATES, history_list, iso

MAX_PASSENGERS = 9
SEAT_PATTERN = re.compile(r"^[1-9][0-9]{0,2}[A-Z]$")
ORDER_ID_PATTERN = re.compile(r"^[0-9a-f]{24}$")


class PassengerSchema(Schema):
    name = fields.String(required=True, validate=[validate.Length(min=1, max=100), no_control_characters])
    seat = fields.String(load_default=None, allow_none=True, validate=no_control_characters,
                         metadata={"example": "12A"})

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
    flight_id = fields.String(required=True, validate=[validate.Length(min=1, max=64), no_control_characters])
    passengers = fields.List(
        fields.Nested(PassengerSchema), required=True,
        validate=validate.Length(min=1, max=MAX_PASSENGERS, error=f"Between 1 and {MAX_PASSENGERS} passengers."),
    )
    cabin_class = fields.String(
        data_key="class", load_default=None, validate=[validate.Length(min=1, max=32), no_control_characters],
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


# -- the audit (``order.audit_orders``, read by ``make audit``) ------------------------------

MAX_AUDIT_PAGE = 1000


class AuditQuerySchema(Schema):
    after = fields.String(load_default=None, allow_none=True,
                          validate=validate.Regexp(ORDER_ID_PATTERN, error="Not a valid cursor."))
    limit = fields.Integer(load_default=500, validate=validate.Range(min=1, max=MAX_AUDIT_PAGE))


class AuditRefundSchema(Schema):
    refund_id = fields.String(allow_none=True)
    amount = fields.Integer(allow_none=True)


class AuditOrderSchema(Schema):
    """An order as the audit reconciles it with payment's and ticket's records."""

    id = fields.String()
    status = fields.String(validate=validate.OneOf(STATES))
    flight_id = fields.String()
    amount = fields.Integer()
    currency = fields.String()
    payment_id = fields.String(allow_none=True)
    refund = fields.Nested(AuditRefundSchema, allow_none=True)
    tickets = fields.List(fields.String())
    expires_at = UtcDateTime()
    updated_at = fields.String()

    @pre_dump
    def from_document(self, order, **kwargs):
        history = list((order.get("history") or {}).values())
        # orders written before updated_at existed: their latest state change
        updated_at = order.get("updated_at") or max(history, default=None) or iso(order["created_at"])
        return {
            "id": order["_id"], "status": order["status"], "flight_id": order["flight_id"],
            "amount": order["amount"], "currency": order["currency"], "payment_id": order.get("payment_id"),
            "refund": order.get("refund"), "tickets": [ticket["number"] for ticket in order.get("tickets") or []],
            "expires_at": order["expires_at"], "updated_at": updated_at,
        }


class AuditOrderPageSchema(Schema):
    items = fields.List(fields.Nested(AuditOrderSchema))
    next = fields.String(allow_none=True)
