"""marshmallow schemas for the ticket service's inputs (RPC arguments, event payloads)
and answers. Event payloads ignore unknown fields: publishers may add to them."""
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ticket.domain import MAX_SEATS_PER_HOLD, duplicates, parse_seat

Name = validate.Length(min=1, max=64)


class Id(fields.String):
    """An id: a non-empty string (an integer is accepted and turned into one)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        return super()._deserialize(value, attr, data, **kwargs)


def _id(**kwargs):
    return Id(validate=Name, **kwargs)


class SeatLabel(fields.String):
    def _deserialize(self, value, attr, data, **kwargs):
        label = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if parse_seat(label) is None:
            raise ValidationError(f"Not a seat: {value!r} (expected a row and a letter, e.g. 12A).")
        return label


class HoldRequestSchema(Schema):
    order_id = _id(required=True)
    flight_id = _id(required=True)
    seats = fields.List(SeatLabel(), load_default=list, validate=validate.Length(max=MAX_SEATS_PER_HOLD))
    cabin_class = fields.String(load_default=None, allow_none=True, validate=Name)
    count = fields.Integer(load_default=0, validate=validate.Range(min=0, max=MAX_SEATS_PER_HOLD))
    ttl_seconds = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1, max=86400))

    @validates_schema
    def check_request(self, data, **kwargs):
        seats, count = data.get("seats", []), data.get("count", 0)
        repeated = duplicates(seats)
        if repeated:
            raise ValidationError(f"Seats requested more than once: {', '.join(repeated)}.", "seats")
        if not seats and not count:
            raise ValidationError("Name at least one seat or ask for a count of seats.", "seats")
        if count and not data.get("cabin_class"):
            raise ValidationError("A cabin class is needed to assign seats.", "cabin_class")
        if len(seats) + count > MAX_SEATS_PER_HOLD:
            raise ValidationError(f"At most {MAX_SEATS_PER_HOLD} seats per order.", "count")


class _Event(Schema):
    class Meta:
        unknown = EXCLUDE


class ScheduledSeatSchema(_Event):
    seat = SeatLabel(required=True)
    cabin_class = fields.String(required=True, data_key="class", validate=Name)


class FlightScheduledSchema(_Event):
    flight_id = _id(required=True)
    departure_at = fields.AwareDateTime(required=True)
    currency = fields.String(required=True, validate=validate.Length(equal=3))
    fares = fields.Dict(keys=fields.String(), values=fields.Integer(validate=validate.Range(min=0)), required=True)
    seats = fields.List(fields.Nested(ScheduledSeatSchema), required=True)

    @validates_schema
    def check_fares(self, data, **kwargs):
        missing = sorted({s["cabin_class"] for s in data.get("seats", [])} - set(data.get("fares", {})))
        if missing:
            raise ValidationError(f"No fare for class: {', '.join(missing)}.", "fares")


class FlightRefSchema(_Event):
    flight_id = _id(required=True)


class FlightStatusChangedSchema(_Event):
    flight_id = _id(required=True)
    new = fields.String(required=True)
    departure_at = fields.AwareDateTime(load_default=None, allow_none=True)


class PassengerSchema(_Event):
    name = fields.String(required=True, validate=validate.Length(min=1, max=200))
    seat = SeatLabel(required=True)


class OrderPaidSchema(_Event):
    order_id = _id(required=True)
    user_id = _id(load_default=None, allow_none=True)
    flight_id = _id(required=True)
    passengers = fields.List(fields.Nested(PassengerSchema), required=True,
                             validate=validate.Length(min=1, max=MAX_SEATS_PER_HOLD))

    @validates_schema
    def check_seats(self, data, **kwargs):
        repeated = duplicates([p["seat"] for p in data.get("passengers", [])])
        if repeated:
            raise ValidationError(f"Seats given to two passengers: {', '.join(repeated)}.", "passengers")


class OrderClosedSchema(_Event):
    order_id = _id(required=True)
    flight_id = _id(load_default=None, allow_none=True)
    paid = fields.Boolean(load_default=False)
    reason = fields.String(load_default=None, allow_none=True)


def iso(moment):
    return moment.isoformat() if moment else None


def dump_ticket(ticket):
    return {
        "number": ticket.number,
        "order_id": ticket.order_id,
        "flight_id": ticket.flight_id,
        "user_id": ticket.user_id,
        "passenger_name": ticket.passenger_name,
        "seat": ticket.seat,
        "class": ticket.cabin_class,
        "fare": ticket.fare,
        "currency": ticket.currency,
        "status": ticket.status,
        "issued_at": iso(ticket.issued_at),
        "cancelled_at": iso(ticket.cancelled_at),
    }
