"""marshmallow schemas for the airplane service's inputs and answers."""
from marshmallow import Schema, fields, post_load, pre_load, validate

from airplane.domain import CABIN_CLASSES
from common.schemas import upper_stripped

REGISTRATION = r"^[A-Z0-9]{1,3}-?[A-Z0-9]{1,6}$"


class CabinSchema(Schema):
    cabin_class = fields.String(data_key="class", required=True, validate=validate.OneOf(CABIN_CLASSES))
    rows = fields.List(fields.Integer(strict=True), required=True, validate=validate.Length(equal=2),
                       metadata={"example": [10, 30]})
    layout = fields.String(required=True, metadata={"example": "ABC-DEF"})

    @pre_load
    def normalise(self, data, **kwargs):
        return upper_stripped(data, "layout")

    @post_load
    def as_cabin(self, data, **kwargs):
        return {"class": data["cabin_class"], "rows": data["rows"], "layout": data["layout"]}


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
    seat_counts = fields.Dict(keys=fields.String(), values=fields.Integer(), metadata={"example": {"economy": 150}})


class SeatSchema(Schema):
    seat = fields.String(metadata={"example": "12A"})
    cabin_class = fields.String(data_key="class")
    row = fields.Integer()
    letter = fields.String()
    position = fields.String(metadata={"example": "window"})


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
    status = fields.String(metadata={"example": "active"})
    model = fields.Nested(AirplaneModelSchema)


class AirplaneStatusInput(Schema):
    status = fields.String(required=True, validate=validate.OneOf(["retired"]))


class MaintenanceInput(Schema):
    starts_at = fields.AwareDateTime(required=True, metadata={"example": "2026-12-01T00:00:00+00:00"})
    ends_at = fields.AwareDateTime(required=True, metadata={"example": "2026-12-02T00:00:00+00:00"})
    reason = fields.String(required=True, validate=validate.Length(min=1, max=255), metadata={"example": "C-check"})


class MaintenanceSchema(MaintenanceInput):
    id = fields.String()
    airplane_id = fields.String()
