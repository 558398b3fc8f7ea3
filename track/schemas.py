"""marshmallow schemas for the track service's inputs and answers."""
import pycountry
from marshmallow import Schema, ValidationError, fields, pre_load, validate

from common.schemas import upper_stripped
from track.domain import CABIN_CLASSES, FLIGHT_NUMBER, STATUSES

AIRPORT_CODE = validate.Regexp(r"^[A-Z]{3}$", error="Use a 3-letter IATA airport code.")


def iso_4217(code):
    if pycountry.currencies.get(alpha_3=code) is None:
        raise ValidationError("Not an ISO 4217 currency code.")


class AirportSchema(Schema):
    code = fields.String(metadata={"example": "CGK"})
    name = fields.String(metadata={"example": "Soekarno-Hatta International Airport"})
    city = fields.String(metadata={"example": "Jakarta"})
    country = fields.String(metadata={"example": "ID"})
    tz = fields.String(metadata={"example": "Asia/Jakarta"})


class AirportQuery(Schema):
    q = fields.String(validate=validate.Length(max=64), metadata={"description": "code, city or name"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class FlightInput(Schema):
    flight_number = fields.String(required=True, validate=validate.Regexp(
        FLIGHT_NUMBER, error="Use a 2-character airline code and 1-4 digits, e.g. GA408."),
        metadata={"example": "GA408"})
    airplane_id = fields.String(required=True, validate=validate.Length(min=1, max=36))
    origin = fields.String(required=True, validate=AIRPORT_CODE, metadata={"example": "CGK"})
    destination = fields.String(required=True, validate=AIRPORT_CODE, metadata={"example": "DPS"})
    departure_at = fields.AwareDateTime(required=True, metadata={"example": "2026-12-01T01:00:00+00:00"})
    arrival_at = fields.AwareDateTime(required=True, metadata={"example": "2026-12-01T02:50:00+00:00"})
    fares = fields.Dict(
        keys=fields.String(validate=validate.OneOf(CABIN_CLASSES)),
        values=fields.Integer(strict=True, validate=validate.Range(min=1, max=10**12)),
        required=True, validate=validate.Length(min=1),
        metadata={"example": {"economy": 1250000, "business": 4500000}},
    )
    currency = fields.String(required=True, validate=iso_4217, metadata={"example": "IDR"})

    @pre_load
    def normalise(self, data, **kwargs):
        return upper_stripped(data, "flight_number", "origin", "destination", "currency")


class FlightSchema(Schema):
    id = fields.String()
    flight_number = fields.String()
    airplane_id = fields.String()
    origin = fields.String()
    destination = fields.String()
    departure_at = fields.String(metadata={"example": "2026-12-01T01:00:00+00:00"})
    arrival_at = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    fares = fields.Dict(keys=fields.String(), values=fields.Integer())
    currency = fields.String()
    seat_counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class LowestFareSchema(Schema):
    cabin_class = fields.String(data_key="class")
    amount = fields.Integer()
    currency = fields.String()


class FlightOfferSchema(FlightSchema):
    seats_available = fields.Dict(keys=fields.String(), values=fields.Integer())
    lowest_fare = fields.Nested(LowestFareSchema)


class FlightPageSchema(Schema):
    items = fields.List(fields.Nested(FlightOfferSchema))
    next_cursor = fields.String(allow_none=True)


class SearchQuery(Schema):
    origin = fields.String(required=True, validate=AIRPORT_CODE)
    destination = fields.String(required=True, validate=AIRPORT_CODE)
    date = fields.Date(required=True, metadata={"description": "local date at the origin airport"})
    passengers = fields.Integer(load_default=1, validate=validate.Range(min=1, max=9))
    cabin_class = fields.String(data_key="class", load_default=None, validate=validate.OneOf(CABIN_CLASSES))
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None)

    @pre_load
    def normalise(self, data, **kwargs):
        data = upper_stripped(data, "origin", "destination")
        # absent optional query parameters arrive as None from the RPC signature
        return {key: value for key, value in data.items() if value not in (None, "")} if isinstance(data, dict) else data


class StatusInput(Schema):
    status = fields.String(required=True, validate=validate.OneOf([s for s in STATUSES if s != "scheduled"]))
    departure_at = fields.AwareDateTime(metadata={"description": "new departure (delayed)"})
    arrival_at = fields.AwareDateTime(metadata={"description": "new arrival (delayed; default: same duration)"})


class SeatMapSeatSchema(Schema):
    seat = fields.String(metadata={"example": "12A"})
    cabin_class = fields.String(data_key="class")
    price = fields.Integer()
    status = fields.String(metadata={"example": "available"})


class SeatMapSchema(Schema):
    flight_id = fields.String()
    currency = fields.String()
    seats = fields.List(fields.Nested(SeatMapSeatSchema))
