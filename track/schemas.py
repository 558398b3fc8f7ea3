"""marshmallow schemas for the track service's inputs and answers.

Every answer is one of these schemas dumped from the rows ``store.py`` returns
(``dump_*`` below); /openapi.json documents the same schemas. Search, the hot
path, builds its items with ``offer_item`` instead (see there).
"""
from datetime import UTC

import pycountry
from marshmallow import Schema, ValidationError, fields, pre_load, validate

from common.schemas import UtcDateTime, upper_stripped
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


class AirportListSchema(Schema):
    items = fields.List(fields.Nested(AirportSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "always null: one page"})


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
    departure_at = UtcDateTime(metadata={"example": "2026-12-01T01:00:00+00:00"})
    arrival_at = UtcDateTime(metadata={"example": "2026-12-01T02:50:00+00:00"})
    status = fields.String(validate=validate.OneOf(STATUSES))
    fares = fields.Dict(keys=fields.String(), values=fields.Integer())
    currency = fields.String()
    seat_counts = fields.Dict(keys=fields.String(), values=fields.Integer())


class LowestFareSchema(Schema):
    cabin_class = fields.String(data_key="class", attribute="class")
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
        if not isinstance(data, dict):
            return data
        return {key: value for key, value in data.items() if value not in (None, "")}


class StatusInput(Schema):
    status = fields.String(required=True, validate=validate.OneOf([s for s in STATUSES if s != "scheduled"]))
    departure_at = fields.AwareDateTime(metadata={"description": "new departure (delayed)"})
    arrival_at = fields.AwareDateTime(metadata={"description": "new arrival (delayed; default: same duration)"})


_AIRPORTS = AirportSchema(many=True)
_FLIGHT = FlightSchema()
_OFFER = FlightOfferSchema()


def dump_airports(airports):
    return _AIRPORTS.dump(airports)


def dump_flight(flight):
    return _FLIGHT.dump(flight)


def dump_offer(flight, seats_available, lowest_fare):
    """A search result, by the schema (``offer_item`` is its fast twin)."""
    columns = {name: getattr(flight, name) for name in _FLIGHT.fields}
    return _OFFER.dump({**columns, "seats_available": seats_available,
                        "lowest_fare": {**lowest_fare, "currency": flight.currency}})


def offer_item(flight, seats_available, lowest_fare):
    """``FlightOfferSchema`` of one search result, written out: search builds up to
    100 of these per request and this is several times faster than the dump.
    ``track/tests/test_schemas.py`` holds it equal to ``dump_offer``."""
    return {
        "id": str(flight.id), "flight_number": flight.flight_number, "airplane_id": flight.airplane_id,
        "origin": flight.origin, "destination": flight.destination,
        "departure_at": flight.departure_at.astimezone(UTC).isoformat(),
        "arrival_at": flight.arrival_at.astimezone(UTC).isoformat(),
        "status": flight.status, "fares": flight.fares, "currency": flight.currency,
        "seat_counts": flight.seat_counts, "seats_available": seats_available,
        "lowest_fare": {"class": lowest_fare["class"], "amount": lowest_fare["amount"], "currency": flight.currency},
    }


def search_page(items, next_cursor):
    """``FlightPageSchema`` of ``offer_item`` results (the fast path, as ``offer_item``)."""
    return {"items": items, "next_cursor": next_cursor}
