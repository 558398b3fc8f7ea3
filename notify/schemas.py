"""marshmallow schemas of the notify service: the events it reads, the query it takes,
the answers it gives (the gateway documents them in /openapi.json)."""
from datetime import UTC

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
    """``ticket.tickets_issued``; from a ticketing (not a relay), with the booking as order sold
    it: reference, owner, amount paid, flights in travel order (``domain.booking_told``)."""

    tickets = fields.List(fields.Nested(IssuedTicketSchema), required=True)
    user_id = fields.String(load_default=None, allow_none=True)
    booking_ref = fields.String(load_default=None, allow_none=True)
    amount = fields.Integer(load_default=None, allow_none=True)
    currency = fields.String(load_default=None, allow_none=True)
    flight_ids = fields.List(fields.String(), load_default=None, allow_none=True)


class OrderClosedSchema(EventSchema):
    """``order.order_cancelled`` and ``order.order_expired``"""

    paid = fields.Boolean(load_default=False)
    reason = fields.String(load_default=None, allow_none=True)
    refund_amount = fields.Integer(allow_none=True, metadata={"description": "what the fare rules refund"})


class PaymentRefundedSchema(EventSchema):
    """``payment.payment_refunded``"""

    refund_id = fields.String(load_default=None, allow_none=True)
    amount = fields.Integer(required=True)
    # what the cancellation gives back across the order's payments (its changes' too)
    order_total = fields.Integer(load_default=None, allow_none=True)
    currency = fields.String(required=True)
    reason = fields.String(load_default=None, allow_none=True)


class CheckInOpenedSchema(EventSchema):
    """``ticket.check_in_opened``: check-in for one flight of the booking is open."""

    flight_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    ticket_numbers = fields.List(fields.String(), load_default=list)
    opens_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)
    closes_at = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)


class BookingDisruptedSchema(EventSchema):
    """``order.booking_disrupted``: a flight of the booking was cancelled, delayed beyond
    the threshold, retimed so a connection breaks, or lost the passenger's seat."""

    flight_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    reason = fields.String(required=True, validate=validate.Length(min=1, max=64))
    segment = fields.Integer(load_default=None, allow_none=True)
    since = fields.AwareDateTime(load_default=None, allow_none=True, default_timezone=UTC)
    # each a name ("refund", "move") or an object with "type" and details (domain.option_text)
    options = fields.List(fields.Raw(), load_default=list)


class ChangedFlightSchema(Schema):
    """A flight of ``booking_changed`` as order quoted it (times in UTC)."""

    class Meta:
        unknown = EXCLUDE

    flight_number = fields.String(load_default="", allow_none=True)
    origin = fields.String(load_default=None, allow_none=True)
    destination = fields.String(load_default=None, allow_none=True)
    departure_at = fields.String(load_default=None, allow_none=True)
    arrival_at = fields.String(load_default=None, allow_none=True)


class BookingChangedSchema(EventSchema):
    """``order.booking_changed``: a voluntary change (or a disruption's move) put a segment
    of the booking on another flight, with new tickets; the money it moved, once."""

    change_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    old_flight_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    new_flight_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    old_flight = fields.Nested(ChangedFlightSchema, load_default=None, allow_none=True)
    new_flight = fields.Nested(ChangedFlightSchema, load_default=None, allow_none=True)
    ticket_numbers = fields.List(fields.String(), load_default=list)
    exchanged = fields.List(fields.String(), load_default=list)
    # the new tickets as the order keeps them; without them, the order's are read
    tickets = fields.List(fields.Nested(IssuedTicketSchema), load_default=None, allow_none=True)
    currency = fields.String(load_default=None, allow_none=True)
    fee = fields.Integer(load_default=0)
    fare_difference = fields.Integer(load_default=0)
    amount_due = fields.Integer(load_default=0, metadata={"description": "charged for the change"})
    refund_due = fields.Integer(load_default=0, metadata={"description": "given back by the change"})
    disruption_move = fields.Boolean(load_default=False)


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
