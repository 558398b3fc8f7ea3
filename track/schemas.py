"""marshmallow schemas for the track service's inputs and answers.

Every answer is one of these schemas dumped from the rows ``store.py`` returns
(``dump_*`` below); /openapi.json documents the same schemas. Search, the hot
path, builds its items with ``offer_item`` instead (see there).
"""
from datetime import UTC

import pycountry
from marshmallow import Schema, ValidationError, fields, pre_load, validate

from common.schemas import UtcDateTime, no_control_characters, upper_stripped
from track import domain
from track.domain import BOARDS, CABIN_CLASSES, FLIGHT_NUMBER, MAX_CALENDAR_DAYS, STATUSES

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


FAMILY_CODE = validate.Regexp(r"^[a-z][a-z0-9_]{0,15}$", error="A fare family code, e.g. standard.")
AMOUNT = validate.Range(min=1, max=10**12)


class CabinFare(fields.Field):
    """One cabin's fare: an amount (the standard family's, the shape from before families)
    or ``{family: amount}``."""

    def __init__(self, **kwargs):
        one_of = [{"type": "integer", "minimum": 1, "maximum": 10**12, "description": "the standard fare"},
                  {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 10**12},
                   "description": "amount per fare family"}]
        super().__init__(metadata={"oneOf": one_of, **kwargs.pop("metadata", {})}, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool):
            AMOUNT(value)
            return value
        if not isinstance(value, dict) or not value:
            raise ValidationError("An amount, or an object of amounts per fare family.")
        problems = {}
        for family, amount in value.items():
            try:
                FAMILY_CODE(family)
                if not isinstance(amount, int) or isinstance(amount, bool):
                    raise ValidationError("Not an integer.")
                AMOUNT(amount)
            except ValidationError as error:
                problems[str(family)[:20]] = error.messages
        if problems:
            raise ValidationError(problems)
        return dict(value)


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
        keys=fields.String(validate=validate.OneOf(CABIN_CLASSES)), values=CabinFare(),
        required=True, validate=validate.Length(min=1),
        metadata={"example": {"economy": 1250000, "business": 4500000}, "description":
                  "per cabin: the standard fare, or {family: amount} (every cabin needs standard)"},
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
    fares = fields.Dict(keys=fields.String(), values=fields.Integer(),
                        metadata={"description": "the standard fare per cabin"})
    fares_by_family = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(),
                                                                            values=fields.Integer()),
                                  metadata={"description": "per cabin: amount per fare family",
                                            "example": {"economy": {"light": 990000, "standard": 1250000}}})
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


# -- tracking: status by flight number, airport boards, the fare calendar -------------------

class FlightTimesSchema(Schema):
    """One end of a flight: where, when first scheduled, when now expected, and the delay."""

    airport = fields.String(metadata={"example": "CGK"})
    city = fields.String(metadata={"example": "Jakarta"})
    scheduled_at = UtcDateTime(metadata={"example": "2026-12-01T01:00:00+00:00"})
    estimated_at = UtcDateTime(metadata={"example": "2026-12-01T01:45:00+00:00"})
    scheduled_local = fields.DateTime(metadata={
        "example": "2026-12-01T08:00:00+07:00", "description": "local time at the airport, with its offset"})
    estimated_local = fields.DateTime(metadata={"example": "2026-12-01T08:45:00+07:00"})
    delay_minutes = fields.Integer(metadata={"example": 45})


class FlightStatusSchema(Schema):
    id = fields.String()
    flight_number = fields.String(metadata={"example": "GA408"})
    origin = fields.String(metadata={"example": "CGK"})
    destination = fields.String(metadata={"example": "DPS"})
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"example": "delayed"})
    delay_minutes = fields.Integer(metadata={"description": "departure delay", "example": 45})
    departure = fields.Nested(FlightTimesSchema)
    arrival = fields.Nested(FlightTimesSchema)


class FlightStatusListSchema(Schema):
    flight_number = fields.String(metadata={"example": "GA408"})
    date = fields.Date(metadata={"description": "local date at each leg's origin"})
    items = fields.List(fields.Nested(FlightStatusSchema))


class FlightStatusQuery(Schema):
    flight_number = fields.String(required=True, validate=validate.Regexp(
        FLIGHT_NUMBER, error="Use a 2-character airline code and 1-4 digits, e.g. GA408."),
        metadata={"example": "GA408"})
    date = fields.Date(required=True, metadata={"description": "scheduled departure date, local at the origin"})

    @pre_load
    def normalise(self, data, **kwargs):
        return upper_stripped(data, "flight_number")


class BoardSchema(Schema):
    airport = fields.Nested(AirportSchema)
    board = fields.String(validate=validate.OneOf(BOARDS))
    date = fields.Date(metadata={"description": "local date at the airport"})
    items = fields.List(fields.Nested(FlightStatusSchema))
    next_cursor = fields.String(allow_none=True)


class BoardQuery(Schema):
    date = fields.Date(required=True, metadata={"description": "local date at the airport (scheduled times)"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None)


class CalendarDaySchema(Schema):
    date = fields.Date(metadata={"description": "local departure date at the origin"})
    lowest_fare = fields.Nested(LowestFareSchema, allow_none=True,
                                metadata={"description": "null: no flight that day can seat the party"})
    bookable_flights = fields.Integer()
    lowest_by_family = fields.Dict(keys=fields.String(), values=fields.Nested(LowestFareSchema), metadata={
        "description": "per fare family, its lowest fare that day (families no flight sells are absent)"})


class CalendarSchema(Schema):
    origin = fields.String(metadata={"example": "CGK"})
    destination = fields.String(metadata={"example": "DPS"})
    first_day = fields.Date(data_key="from")
    last_day = fields.Date(data_key="to")
    passengers = fields.Integer()
    cabin_class = fields.String(data_key="class", allow_none=True)
    days = fields.List(fields.Nested(CalendarDaySchema))


class CalendarQuery(Schema):
    origin = fields.String(required=True, validate=AIRPORT_CODE)
    destination = fields.String(required=True, validate=AIRPORT_CODE)
    first_day = fields.Date(data_key="from", required=True, metadata={"description": "local date at the origin"})
    last_day = fields.Date(data_key="to", required=True, metadata={
        "description": f"inclusive; at most {MAX_CALENDAR_DAYS} days after from, counting both"})
    passengers = fields.Integer(load_default=1, validate=validate.Range(min=1, max=9))
    cabin_class = fields.String(data_key="class", load_default=None, validate=validate.OneOf(CABIN_CLASSES))

    @pre_load
    def normalise(self, data, **kwargs):
        data = upper_stripped(data, "origin", "destination")
        if not isinstance(data, dict):
            return data
        return {key: value for key, value in data.items() if value not in (None, "")}


def flight_status(flight, places):
    """``FlightStatusSchema`` values of ``flight``; ``places``: code → ``Place`` of its airports."""
    ends = {}
    for end, code, scheduled, estimated in (
            ("departure", flight.origin, flight.scheduled_departure_at, flight.departure_at),
            ("arrival", flight.destination, flight.scheduled_arrival_at, flight.arrival_at)):
        place = places[code]
        ends[end] = {
            "airport": code, "city": place.city, "scheduled_at": scheduled, "estimated_at": estimated,
            "scheduled_local": domain.local_moment(scheduled, place.tz),
            "estimated_local": domain.local_moment(estimated, place.tz),
            "delay_minutes": domain.delay_minutes(scheduled, estimated),
        }
    return {"id": str(flight.id), "flight_number": flight.flight_number, "origin": flight.origin,
            "destination": flight.destination, "status": flight.status,
            "delay_minutes": ends["departure"]["delay_minutes"], **ends}


def dump_status_list(flight_number, day, items):
    return FlightStatusListSchema().dump({"flight_number": flight_number, "date": day, "items": items})


def dump_board(airport, board, day, items, next_cursor):
    return BoardSchema().dump({"airport": airport, "board": board, "date": day, "items": items,
                               "next_cursor": next_cursor})


def dump_calendar(query, days):
    return CalendarSchema().dump({**query, "days": days})


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
        "status": flight.status, "fares": flight.fares, "fares_by_family": flight.fares_by_family,
        "currency": flight.currency,
        "seat_counts": flight.seat_counts, "seats_available": seats_available,
        "lowest_fare": {"class": lowest_fare["class"], "amount": lowest_fare["amount"], "currency": flight.currency},
    }


def search_page(items, next_cursor):
    """``FlightPageSchema`` of ``offer_item`` results (the fast path, as ``offer_item``)."""
    return {"items": items, "next_cursor": next_cursor}


# -- ticket's free-seat counts (``availability_changed``, ``ticket.availability_counts``) ----

class ClassCountsSchema(Schema):
    available = fields.Integer(required=True, validate=validate.Range(min=0))
    price = fields.Integer(allow_none=True)


class FlightCountsSchema(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=0))
    classes = fields.Dict(keys=fields.String(), values=fields.Nested(ClassCountsSchema), required=True)


class AvailabilityChangedSchema(Schema):
    """``{flights: {flight_id: {version, classes: {cabin class: {available, price}}}}}``."""

    flights = fields.Dict(keys=fields.String(), values=fields.Nested(FlightCountsSchema), required=True)


# -- aircraft swap and the knock-on conflicts of delays (track/disruptions.py) ------------

class AirplaneChangeInput(Schema):
    """``PATCH /flights/{id}``: the flight's new airplane (checked as scheduling checks one)."""

    airplane_id = fields.String(required=True, validate=[validate.Length(min=1, max=36), no_control_characters],
                                metadata={"example": "7d3f0a52-2b7e-4a43-9c1e-0f6f7e1b2c3d"})


class ConflictsQuery(Schema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
    cursor = fields.String(load_default=None, validate=[validate.Length(max=32), no_control_characters])


class ConflictSchema(Schema):
    id = fields.String()
    flight_id = fields.String()
    flight_number = fields.String(metadata={"example": "GA408"})
    airplane_id = fields.String()
    kind = fields.String(validate=validate.OneOf(("airplane_busy", "maintenance")), metadata={
        "description": "airplane_busy: the delayed flight now overlaps the airplane's next flight (turnaround "
                       "included); maintenance: it now overlaps a maintenance window"})
    subject = fields.String(metadata={"description": "the other flight's id, or the maintenance window's id"})
    details = fields.Dict(metadata={"description": "message, and the flights or the window concerned"})
    detected_at = UtcDateTime()


class ConflictPageSchema(Schema):
    items = fields.List(fields.Nested(ConflictSchema))
    next_cursor = fields.String(allow_none=True)


_CONFLICT = ConflictSchema()


def dump_conflict(row):
    return _CONFLICT.dump(row)
