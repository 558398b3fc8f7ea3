"""Shapes the gateway itself owns (errors, health, the pages it wraps lists in).
Domain shapes live in each service's ``schemas.py`` and are imported by the route modules."""
from marshmallow import Schema, fields, validate

from order.schemas import ManifestPassengerSchema
from payment.schemas import CardSchema
from ticket.schemas import CHECK_IN_STATES


class ErrorSchema(Schema):
    error = fields.String(required=True, metadata={"example": "VALIDATION_ERROR"})
    message = fields.String(required=True)
    details = fields.Dict(required=True)


class ServiceHealthSchema(Schema):
    """Up or down, and the probe's latency when up. Why a service is down is logged, not told."""

    status = fields.String(required=True, metadata={"enum": ["up", "down"], "example": "up"})
    latency_ms = fields.Float()


class HealthSchema(Schema):
    status = fields.String(metadata={"example": "ok"})
    services = fields.Dict(keys=fields.String(), values=fields.Nested(ServiceHealthSchema))


class GateManifestPassengerSchema(ManifestPassengerSchema):
    """A manifest line with the gate's view of its ticket (from ``ticket.boarding_status``)."""

    check_in = fields.String(allow_none=True, validate=validate.OneOf(CHECK_IN_STATES),
                             metadata={"description": "none while the ticket is being issued"})
    # ticket's answer, already in ISO 8601 (UTC)
    checked_in_at = fields.String(allow_none=True, metadata={"format": "date-time"})
    boarded_at = fields.String(allow_none=True, metadata={"format": "date-time"})


class GateManifestSchema(Schema):
    """``GET /flights/{flight_id}/manifest``: every passenger of a paid or ticketed booking on
    the flight (order's manifest) with each ticket's check-in and boarding state (ticket's)."""

    flight_id = fields.String()
    count = fields.Integer()
    passengers = fields.List(fields.Nested(GateManifestPassengerSchema))


class ChangeCardSchema(Schema):
    """The card of ``POST /orders/{id}/changes/{change_id}/confirm``, checked before order is
    asked (the same rules as ``POST /orders/{id}/pay``), so a mistyped card leaves the quote as it was."""

    card = fields.Nested(CardSchema, required=True)
