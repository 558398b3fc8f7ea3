"""marshmallow schemas for the airplane service's inputs and answers.

Every answer is one of these schemas dumped from the rows ``store.py`` returns
(``dump_*`` below); /openapi.json documents the same schemas.
"""

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from airplane.domain import CABIN_CLASSES, STATUSES, derive_seats, seat_counts
from common.schemas import UtcDateTime, upper_stripped

REGISTRATION = r"^[A-Z0-9]{1,3}-?[A-Z0-9]{1,6}$"


class SeatCounts(fields.Dict):
    """``{class: number of seats}``, counted from the cabins it is given."""

    def __init__(self, **kwargs):
        super().__init__(keys=fields.String(), values=fields.Integer(), dump_only=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(seat_counts(value), attr, obj, **kwargs)


class DerivedSeats(fields.List):
    """Every seat of the cabins it is given (``domain.derive_seats``), each dumped by ``seat_schema``."""

    def __init__(self, seat_schema, **kwargs):
        super().__init__(fields.Nested(seat_schema), dump_only=True, **kwargs)

    def _serialize(self, value, attr, obj, **kwargs):
        return super()._serialize(derive_seats(value), attr, obj, **kwargs)


class CabinSchema(Schema):
    cabin_class = fields.String(data_key="class", attribute="class", required=True,
                                validate=validate.OneOf(CABIN_CLASSES))
    rows = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(equal=2),
                       metadata={"example": [10, 30]})
    layout = fields.String(required=True, metadata={"example": "ABC-DEF"})

    @pre_load
    def normalise(self, data, **kwargs):
        return upper_stripped(data, "layout")


class AirplaneModelInput(Schema):
    manufacturer = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"example": "Airbus"})
    model = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"example": "A320-200"})
    cabins = fields.List(fields.Nested(CabinSchema), required=True)

    @pre_load
    def strip_names(self, data, **kwargs):
        if isinstance(data, dict):
            data = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        return data


class AirplaneModelSchema(AirplaneModelInput):
    id = fields.String()
    seat_counts = SeatCounts(attribute="cabins", metadata={"example": {"economy": 150}})


class AirplaneModelListSchema(Schema):
    items = fields.List(fields.Nested(AirplaneModelSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "always null: one page"})


class SeatSchema(Schema):
    seat = fields.String(metadata={"example": "12A"})
    cabin_class = fields.String(data_key="class", attribute="class")
    row = fields.Integer()
    letter = fields.String()
    position = fields.String(metadata={"example": "window"})


class SeatListSchema(Schema):
    items = fields.List(fields.Nested(SeatSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "always null: one page"})


class AirplaneInput(Schema):
    registration = fields.String(required=True, validate=validate.Regexp(
        REGISTRATION, error="Use a registration such as PK-GLA (letters, digits, one dash)."),
        metadata={"example": "PK-GLA"})
    model_id = fields.String(required=True, validate=validate.Length(min=1, max=36))

    @pre_load
    def normalise(self, data, **kwargs):
        return upper_stripped(data, "registration")


class AirplaneSchema(Schema):
    id = fields.String()
    registration = fields.String()
    model_id = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES), metadata={"example": "active"})
    model = fields.Nested(AirplaneModelSchema)


class AirplanePageSchema(Schema):
    items = fields.List(fields.Nested(AirplaneSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "registration to continue after"})


class AirplaneFilter(Schema):
    """``GET /airplanes`` filters: a window makes it the fleet's availability (airplanes
    free the whole window: active, no maintenance, no flight within the turnaround)."""

    available_from = fields.AwareDateTime(metadata={"example": "2026-12-01T00:00:00+00:00",
                                                     "description": "with available_to: free from then"})
    available_to = fields.AwareDateTime(metadata={"example": "2026-12-03T00:00:00+00:00",
                                                   "description": "with available_from: free until then"})
    model_id = fields.String(validate=validate.Length(min=1, max=36))
    min_seats = fields.Integer(validate=validate.Range(min=1, max=2000),
                               metadata={"description": "cabin size: at least this many seats in all"})

    @validates_schema
    def window_has_both_ends(self, data, **kwargs):
        given = [name for name in ("available_from", "available_to") if name in data]
        if len(given) == 1:
            missing = "available_to" if given == ["available_from"] else "available_from"
            raise ValidationError("available_from and available_to go together.", missing)
        if len(given) == 2 and data["available_to"] <= data["available_from"]:
            raise ValidationError("Must be after available_from.", "available_to")


class AirplaneStatusInput(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["retired"]))


class MaintenanceInput(Schema):
    starts_at = fields.AwareDateTime(required=True, metadata={"example": "2026-12-01T00:00:00+00:00"})
    ends_at = fields.AwareDateTime(required=True, metadata={"example": "2026-12-02T00:00:00+00:00"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255), metadata={"example": "C-check"})


class MaintenanceSchema(MaintenanceInput):
    id = fields.String()
    airplane_id = fields.String()
    starts_at = UtcDateTime(metadata={"example": "2026-12-01T00:00:00+00:00"})
    ends_at = UtcDateTime(metadata={"example": "2026-12-02T00:00:00+00:00"})


class MaintenanceListSchema(Schema):
    items = fields.List(fields.Nested(MaintenanceSchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "always null: one page"})


class FlightSeatSchema(Schema):
    """A seat as track records it for a flight (``airplane_for_flight``)."""

    seat = fields.String(metadata={"example": "12A"})
    cabin_class = fields.String(data_key="class", attribute="class")


class AirplaneForFlightSchema(Schema):
    """What track needs to schedule a flight on an airplane (RPC answer, not HTTP)."""

    id = fields.String()
    registration = fields.String()
    status = fields.String(validate=validate.OneOf(STATUSES))
    seats = DerivedSeats(FlightSeatSchema, attribute="model.cabins")
    seat_counts = SeatCounts(attribute="model.cabins")


def dump_model(model):
    return AirplaneModelSchema().dump(model)


def dump_models(models):
    return AirplaneModelSchema(many=True).dump(models)


def dump_seats(seats):
    return SeatSchema(many=True).dump(seats)


def dump_airplane(airplane):
    return AirplaneSchema().dump(airplane)


def dump_airplane_page(airplanes, next_cursor):
    return AirplanePageSchema().dump({"items": airplanes, "next_cursor": next_cursor})


def dump_window(window):
    return MaintenanceSchema().dump(window)


def dump_windows(windows):
    return MaintenanceSchema(many=True).dump(windows)


def dump_airplane_for_flight(airplane):
    return AirplaneForFlightSchema().dump(airplane)
