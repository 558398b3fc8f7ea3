"""The error types every service raises and the gateway maps to HTTP.

They are registered with nameko's exception registry, so an error raised in a
service arrives in the gateway (or any RPC caller) as the same class, with its
code and details, instead of a generic ``RemoteError``.
"""
from nameko.exceptions import deserialize_to_instance


class DomainError(Exception):
    """Base class: ``code`` is machine-readable, ``status`` the HTTP status."""

    status = 400
    code = "BAD_REQUEST"

    def __init__(self, message, code=None, details=None):
        self.message = message
        self.code = code or self.code
        self.details = details or {}
        if "retry_after" in self.details:
            # nameko stringifies numbers in exception args across RPC: keep it a number
            self.details["retry_after"] = int(self.details["retry_after"])
        # exc.args are what nameko serialises and passes back to __init__ on the
        # caller's side, so they carry everything needed to rebuild the error.
        super().__init__(message, self.code, self.details)

    def __str__(self):
        return self.message


@deserialize_to_instance
class InvalidInput(DomainError):
    status = 400
    code = "VALIDATION_ERROR"


@deserialize_to_instance
class Unauthorized(DomainError):
    status = 401
    code = "UNAUTHORIZED"


@deserialize_to_instance
class PaymentDeclined(DomainError):
    status = 402
    code = "PAYMENT_DECLINED"


@deserialize_to_instance
class Forbidden(DomainError):
    status = 403
    code = "FORBIDDEN"


@deserialize_to_instance
class NotFound(DomainError):
    status = 404
    code = "NOT_FOUND"


@deserialize_to_instance
class Conflict(DomainError):
    status = 409
    code = "CONFLICT"


@deserialize_to_instance
class PayloadTooLarge(DomainError):
    status = 413
    code = "PAYLOAD_TOO_LARGE"


@deserialize_to_instance
class TooManyRequests(DomainError):
    status = 429
    code = "TOO_MANY_REQUESTS"

    def __init__(self, message, code=None, details=None):
        super().__init__(message, code, details)
        self.retry_after = self.details.setdefault("retry_after", 1)


@deserialize_to_instance
class ServiceUnavailable(DomainError):
    status = 503
    code = "SERVICE_UNAVAILABLE"


def validation_error(marshmallow_error, message="Invalid input"):
    """Turn a marshmallow ValidationError into InvalidInput with field details."""
    return InvalidInput(message, details={"fields": marshmallow_error.messages})


def load_or_raise(schema, data, message="Invalid input", **kwargs):
    """``schema.load(data)`` that raises InvalidInput instead of marshmallow's error."""
    from marshmallow import ValidationError

    if not isinstance(data, dict) and not kwargs.get("many"):
        raise InvalidInput(message, details={"body": ["Expected a JSON object."]})
    try:
        return schema.load(data, **kwargs)
    except ValidationError as exc:
        raise validation_error(exc, message)
