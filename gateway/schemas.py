"""Shapes the gateway itself owns (errors, health, the pages it wraps lists in).
Domain shapes live in each service's ``schemas.py`` and are imported by the route modules."""
from marshmallow import Schema, fields


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

