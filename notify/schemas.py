"""marshmallow schemas of the notify service: the events it reads, the query it takes,
the answers it gives (the gateway documents them in /openapi.json)."""
from marshmallow import EXCLUDE, Schema, fields, validate

from common.schemas import UtcDateTime, no_control_characters
from notify.domain import KINDS, MAX_PAGE

# -- the events (only the fields notify reads; anything else is ignored) ----------------


class EventSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    order_id = fields.String(required=True, validate=validate.Length(min=1, max=64))


class IssuedTicketSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    number = fields.String(required=True)
    passenger_name = fields.String(load_default="")
    seat = fields.String(load_default=None, allow_none=True)
    cabin_class = fields.String(data_key="class", load_default=None, allow_none=True)
    fare = fields.Integer(load_default=None, allow_none=True)
    currency = fields.String(load_default=None, allow_none=True)


class TicketsIssuedSchema(EventSchema):
    """``ticket.tickets_issued``"""

    tickets = fields.List(fields.Nested(IssuedTicketSchema), required=True)


class OrderClosedSchema(EventSchema):
    """``order.order_cancelled`` and ``order.order_expired``"""

    paid = fields.Boolean(load_default=False)
    reason = fields.String(load_default=None, allow_none=True)


class PaymentRefundedSchema(EventSchema):
    """``payment.payment_refunded``"""

    refund_id = fields.String(load_default=None, allow_none=True)
    amount = fields.Integer(required=True)
    currency = fields.String(required=True)
    reason = fields.String(load_default=None, allow_none=True)


# -- the API ------------------------------------------------------------------------------

class NotificationQuerySchema(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE))
    cursor = fields.String(load_default=None, validate=[validate.Length(max=200), no_control_characters])


class NotificationSchema(Schema):
    """A message sent (or about to be sent) to the caller about one of their bookings."""

    id = fields.String(required=True)
    kind = fields.String(required=True, validate=validate.OneOf(KINDS), metadata={"example": "ticketed"})
    order_id = fields.String(required=True)
    booking_ref = fields.String(required=True, allow_none=True, metadata={"example": "K7M2QX"})
    subject = fields.String(required=True)
    sent_at = UtcDateTime(required=True, allow_none=True,
                          metadata={"description": "when the mail server took it; null until then"})
    created_at = UtcDateTime(required=True)


class NotificationPageSchema(Schema):
    items = fields.List(fields.Nested(NotificationSchema), required=True)
    next_cursor = fields.String(required=True, allow_none=True)


def dump_page(rows, next_cursor):
    return NotificationPageSchema().dump({"items": rows, "next_cursor": next_cursor})
