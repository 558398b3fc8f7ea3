"""marshmallow schemas of fare families, fare quotes and trip search (inputs and answers)."""
from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from common.schemas import UtcDateTime, upper_stripped
from track.domain import CABIN_CLASSES, STATUSES
from track.schemas import AIRPORT_CODE, FAMILY_CODE, CabinFare
from track.trips import SORTS

PERCENT = validate.Range(min=0, max=100)


class FareRulesSchema(Schema):
    refundable = fields.Boolean(required=True, metadata={"example": True})
    refund_fee_percent = fields.Integer(required=True, strict=True, validate=PERCENT, metadata={
        "example": 25, "description": "share of the fare kept when a refundable fare is cancelled"})
    changeable = fields.Boolean(required=True, metadata={"example": True})
    change_fee_percent = fields.Integer(required=True, strict=True, validate=PERCENT, metadata={
        "example": 10, "description": "share of the fare charged for a change"})
    free_seat_choice = fields.Boolean(required=True, metadata={"example": False})
    checked_bag_kg = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=100),
                                    metadata={"example": 20})


class FareFamilySchema(FareRulesSchema):
    code = fields.String(metadata={"example": "standard"})
    name = fields.String(metadata={"example": "Standard"})
    rank = fields.Integer(metadata={"description": "display order; a higher rank never costs less"})


class FareFamilyListSchema(Schema):
    items = fields.List(fields.Nested(FareFamilySchema))
    next_cursor = fields.String(allow_none=True, metadata={"description": "always null: one page"})


class FareFamilyInput(FareRulesSchema):
    """New rules of a family (all of them); they apply to fares sold from then on."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=64), metadata={"example": "Standard"})

    @validates_schema
    def fees_fit(self, data, **kwargs):
        if not data.get("refundable", True) and data.get("refund_fee_percent") != 100:
            raise ValidationError("A fare that is not refundable keeps all of it: use 100.", "refund_fee_percent")
        if not data.get("changeable", True) and data.get("change_fee_percent") != 100:
            raise ValidationError("A fare that cannot be changed: use 100.", "change_fee_percent")


class FaresInput(Schema):
    fares = fields.Dict(
        keys=fields.String(validate=validate.OneOf(CABIN_CLASSES)), values=CabinFare(),
        required=True, validate=validate.Length(min=1),
        metadata={"example": {"economy": {"light": 990000, "standard": 1250000, "flex": 1900000}},
                  "description": "every cabin of the flight: the standard fare, or {family: amount}"},
    )


class FareQuoteSchema(Schema):
    """``track.fare_quote``'s answer (an RPC, documented in docs/contracts.md)."""

    flight_id = fields.String()
    flight_number = fields.String()
    cabin_class = fields.String(data_key="class", attribute="class")
    family = fields.String()
    family_name = fields.String()
    amount = fields.Integer(metadata={"description": "one seat, minor units"})
    currency = fields.String()
    rules = fields.Nested(FareRulesSchema)


class QuoteInput(Schema):
    flight_id = fields.String(required=True, validate=validate.Length(min=1, max=64))
    cabin_class = fields.String(data_key="class", required=True, validate=validate.OneOf(CABIN_CLASSES))
    family = fields.String(load_default="standard", validate=FAMILY_CODE)


# -- trip search ---------------------------------------------------------------------------

class ItineraryQuery(Schema):
    origin = fields.String(required=True, validate=AIRPORT_CODE)
    destination = fields.String(required=True, validate=AIRPORT_CODE)
    date = fields.Date(required=True, metadata={"description": "outbound: local date at the origin"})
    return_date = fields.Date(load_default=None, metadata={
        "description": "return: local date at the destination; on or after date"})
    passengers = fields.Integer(load_default=1, validate=validate.Range(min=1, max=9),
                                metadata={"description": "seats the party needs on every leg"})
    cabin_class = fields.String(data_key="class", load_default="economy", validate=validate.OneOf(CABIN_CLASSES))
    sort = fields.String(load_default="price", validate=validate.OneOf(SORTS), metadata={
        "description": "price: the cheapest family's total first; duration: the shortest trip first"})
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=50),
                           metadata={"description": "options per list per page"})
    cursor = fields.String(load_default=None, validate=validate.Length(max=200),
                           metadata={"description": "offset-paged: both lists advance together"})

    @pre_load
    def normalise(self, data, **kwargs):
        data = upper_stripped(data, "origin", "destination")
        if not isinstance(data, dict):
            return data
        return {key: value for key, value in data.items() if value not in (None, "")}

    @validates_schema
    def trip_fits(self, data, **kwargs):
        if data.get("origin") and data.get("origin") == data.get("destination"):
            raise ValidationError("Must differ from origin.", "destination")
        if data.get("return_date") and data.get("date") and data["return_date"] < data["date"]:
            raise ValidationError("Must be on or after date.", "return_date")


class ItineraryLegSchema(Schema):
    flight_id = fields.String()
    flight_number = fields.String(metadata={"example": "GA400"})
    origin = fields.String(metadata={"example": "CGK"})
    destination = fields.String(metadata={"example": "DPS"})
    departure_at = UtcDateTime()
    arrival_at = UtcDateTime()
    status = fields.String(validate=validate.OneOf(STATUSES))


class PartyFareSchema(Schema):
    family = fields.String(metadata={"example": "standard"})
    per_passenger = fields.Integer(metadata={"description": "every leg's fare for one seat"})
    total = fields.Integer(metadata={"description": "per_passenger x passengers"})
    currency = fields.String(metadata={"example": "IDR"})


class ItinerarySchema(Schema):
    legs = fields.List(fields.Nested(ItineraryLegSchema))
    stops = fields.Integer(metadata={"description": "0 direct, 1 one connection"})
    connection_minutes = fields.List(fields.Integer(), metadata={"description": "ground time at each stop"})
    departure_at = UtcDateTime()
    arrival_at = UtcDateTime()
    duration_minutes = fields.Integer()
    cabin_class = fields.String(data_key="class", attribute="class")
    passengers = fields.Integer()
    seats_available = fields.Integer(metadata={"description": "the fewest free seats of the cabin on any leg"})
    fares = fields.List(fields.Nested(PartyFareSchema), metadata={
        "description": "per fare family every leg sells, in the catalogue's order"})
    lowest_total = fields.Nested(PartyFareSchema)


class ItineraryPageSchema(Schema):
    items = fields.List(fields.Nested(ItinerarySchema), metadata={"description": "outbound options"})
    return_items = fields.List(fields.Nested(ItinerarySchema), metadata={
        "description": "return options (destination back to origin on return_date); empty without return_date"})
    sort = fields.String(validate=validate.OneOf(SORTS))
    next_cursor = fields.String(allow_none=True)


_FAMILIES = FareFamilySchema(many=True)
_PAGE = ItineraryPageSchema()


def dump_families(families):
    return _FAMILIES.dump(families)


def dump_family(family):
    return FareFamilySchema().dump(family)


def dump_itineraries(outbound, inbound, sort, next_cursor):
    return _PAGE.dump({"items": outbound, "return_items": inbound, "sort": sort, "next_cursor": next_cursor})
