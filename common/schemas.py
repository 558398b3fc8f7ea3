"""Small helpers shared by the services' marshmallow schemas."""


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
