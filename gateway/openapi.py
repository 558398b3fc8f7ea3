"""``/openapi.json``, generated from the ``route(...)`` declarations and their
marshmallow schemas (apispec), never written by hand."""
import inspect
import re
from http import HTTPStatus

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from gateway.schemas import ErrorSchema
from gateway.security import roles_of

_PATH_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
_ERROR_TEXT = {
    400: "Invalid input (see details)",
    401: "Missing, invalid, expired or revoked token",
    402: "Payment declined",
    403: "Not allowed for this role",
    404: "Not found (or not yours)",
    409: "Conflicts with the current state",
    413: "Body too large",
    429: "Too many requests (see Retry-After)",
    503: "A service is unavailable",
}


def _openapi_path(path):
    params = [(name, conv) for conv, name in _PATH_PARAM.findall(path)]
    return _PATH_PARAM.sub(lambda m: "{" + m.group(2) + "}", path), params


def _content(schema, content_type="application/json"):
    return {content_type: {"schema": schema}}


def route_docs(service_cls):
    for _, member in inspect.getmembers(service_cls):
        doc = getattr(member, "__route_doc__", None)
        if doc is not None:
            yield doc


def build_spec(service_cls, title="Flight ticket platform API", version="1.0.0"):
    spec = APISpec(
        title=title,
        version=version,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Public HTTP API of the gateway. Errors always use the Error schema."},
    )
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    for status, text in _ERROR_TEXT.items():
        spec.components.response(f"E{status}", {"description": text, "content": _content("Error")})

    operations_by_path = {}
    for doc in sorted(route_docs(service_cls), key=lambda d: (d.path, d.method)):
        path, params = _openapi_path(doc.path)
        operation = {"summary": doc.summary, "tags": doc.tags, "parameters": [], "responses": {}}
        for name, converter in params:
            kind = "integer" if converter == "int" else "string"
            operation["parameters"].append(
                {"in": "path", "name": name, "required": True, "schema": {"type": kind}}
            )
        if doc.query is not None:
            operation["parameters"].append({"in": "query", "schema": doc.query})
        if doc.headers is not None:
            operation["parameters"].append({"in": "header", "schema": doc.headers})
        if doc.body is not None:
            operation["requestBody"] = {"required": True, "content": _content(doc.body)}
        if doc.auth:
            # an empty requirement: the token may be left out (the route names its other proof)
            operation["security"] = [{"bearerAuth": []}] + ([{}] if doc.token_optional else [])
            # the roles the route admits (gateway/security.py LEVELS); absent means public
            operation["x-roles"] = roles_of(doc.auth)
        for status, schema in doc.responses.items():
            answer = {"description": HTTPStatus(status).phrase}
            if isinstance(schema, dict):  # several media types: {content type: schema}
                answer["content"] = {kind: {"schema": one} for kind, one in schema.items()}
            elif schema is not None:
                answer["content"] = _content(schema, doc.content_type)
            operation["responses"][str(status)] = answer
        errors = set(doc.errors)
        # any parameter can be refused (control characters are refused in every one)
        if doc.body is not None or doc.query is not None or doc.headers is not None or params:
            errors.add(400)
        if doc.body is not None:
            errors.add(413)
        for status in sorted(errors):
            operation["responses"][str(status)] = {"$ref": f"#/components/responses/E{status}"}
        operations_by_path.setdefault(path, {})[doc.method.lower()] = operation

    for path, operations in operations_by_path.items():
        spec.path(path=path, operations=operations)
    return spec.to_dict()
