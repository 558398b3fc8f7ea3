"""Small helpers shared by the services' marshmallow schemas."""
import unicodedata
from datetime import UTC

from marshmallow import ValidationError, fields


def upper_stripped(data, *keys):
    """A copy of ``data`` with the string values at ``keys`` trimmed and upper-cased
    (codes and registrations: ``" pk-gla "`` is ``"PK-GLA"``); anything else untouched,
    so the schema still reports wrong types."""
    if isinstance(data, dict):
        data = dict(data)
        for key in keys:
            if isinstance(data.get(key), str):
                data[key] = data[key].strip().upper()
    return data


# Invisible characters that reorder text (the "Trojan Source" trick): a name on a ticket
# must read the same to the agent at the gate as it does to the system.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def unsafe_character(text):
    """The first control, surrogate or bidi-override character in ``text``, else None."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cs") or char in _BIDI_CONTROLS:
            return char
    return None


def control_character_errors(data):
    """Marshmallow-shaped field errors for every string (keys included) in a JSON value
    that carries a control character; ``{}`` when there is none."""
    if isinstance(data, str):
        char = unsafe_character(data)
        return [f"Contains a control character (U+{ord(char):04X})."] if char else {}
    if isinstance(data, dict):
        items = data.items()
    elif isinstance(data, list):
        items = enumerate(data)
    else:
        return {}
    errors = {}
    for key, value in items:
        problem = control_character_errors(key) or control_character_errors(value)
        if problem:
            errors[key if not isinstance(key, str) or not unsafe_character(key) else repr(key)] = problem
    return errors


def no_control_characters(text):
    """A marshmallow validator for free-text fields (names, reasons)."""
    char = unsafe_character(text)
    if char:
        raise ValidationError(f"Contains a control character (U+{ord(char):04X}).")


class UtcDateTime(fields.DateTime):
    """A stored time (naive UTC, or aware in any zone) written as ISO 8601 in UTC (``+00:00``)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()
