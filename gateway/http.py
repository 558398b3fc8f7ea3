"""The gateway's HTTP layer: JSON in, JSON out, one error model.

``route(...)`` is the only decorator an endpoint needs. It registers the nameko
HTTP entrypoint, enforces ``auth="user"`` / ``"gate"`` / ``"admin"``, and records what
``/openapi.json`` says about the endpoint (body, query, answers, errors).
"""
import functools
import json
import logging
import time
import urllib.parse
from dataclasses import dataclass, field

from nameko.exceptions import RemoteError
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import WebServer, WsgiApp
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Request, Response

from common import tracing
from common.errors import DomainError, InvalidInput, PayloadTooLarge
from common.logs import REQUEST_ID_KEY, new_request_id
from common.schemas import control_character_errors
from gateway.metrics import UNMATCHED_ROUTE, observe_request
from gateway.security import LEVELS

log = logging.getLogger(__name__)
access_log = logging.getLogger("gateway.access")

MAX_BODY_BYTES = 64 * 1024
REQUEST_ID_HEADER = "X-Request-ID"
_HTTP_CODES = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}
# Sent with every answer. Cache-Control: answers carry tokens and personal data, so no
# cache may keep one unless the route says otherwise (the Swagger UI assets do).
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
# JSON is never a document: nothing may load from or frame it. /docs (HTML) runs its own scripts.
JSON_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


def json_response(payload, status=200, headers=None):
    body = "" if payload is None else json.dumps(payload, default=str)
    return Response(body, status=status, headers=headers, mimetype="application/json")


def error_response(status, code, message, details=None, headers=None):
    return json_response(
        {"error": code, "message": message, "details": details or {}}, status, headers
    )


def response_for_exception(exc):
    if isinstance(exc, DomainError):
        headers = {}
        if exc.status == 429:
            headers["Retry-After"] = str(getattr(exc, "retry_after", 1))
        elif "retry_after" in exc.details:  # a 503 that knows when to try again
            headers["Retry-After"] = str(exc.details["retry_after"])
        return error_response(exc.status, exc.code, exc.message, exc.details, headers)
    if isinstance(exc, HTTPException):
        headers = {}
        if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
            headers["Allow"] = ", ".join(sorted(exc.valid_methods))
        code = _HTTP_CODES.get(exc.code, exc.name.upper().replace(" ", "_"))
        message = {
            404: "No such endpoint.",
            405: "This endpoint does not accept that method.",
        }.get(exc.code, exc.description or exc.name)
        return error_response(exc.code, code, message, headers=headers)
    if isinstance(exc, RemoteError):
        log.error("Unexpected error from a service: %s", exc)
    else:
        log.exception("Unexpected error in the gateway")
    return error_response(500, "INTERNAL_ERROR", "Something went wrong on our side.")


def with_security_headers(response):
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if response.mimetype == "application/json":
        response.headers.setdefault("Content-Security-Policy", JSON_CONTENT_SECURITY_POLICY)
    return response


def _read_body(request):
    if request.content_length is None and "chunked" in request.headers.get("Transfer-Encoding", "").lower():
        # werkzeug reads nothing without a Content-Length; eventlet's input ends at the last
        # chunk, so read it here, one byte past the limit at most
        if not hasattr(request, "chunked_body"):
            request.chunked_body = request.environ["wsgi.input"].read(MAX_BODY_BYTES + 1)
        return request.chunked_body
    return request.get_data(cache=True, as_text=False)


def json_body(request, required=True):
    """The request body as a dict; malformed or non-object JSON is a 400."""
    if request.content_length and request.content_length > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body is larger than {MAX_BODY_BYTES} bytes.")
    raw = _read_body(request)
    if len(raw) > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"The body is larger than {MAX_BODY_BYTES} bytes.")
    if not raw.strip():
        if required:
            raise InvalidInput("A JSON body is required.", code="MALFORMED_JSON")
        return {}
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        # where, not the parser's own words: error bodies never carry exception text
        raise InvalidInput("The body is not valid JSON.", code="MALFORMED_JSON",
                           details={"line": exc.lineno, "column": exc.colno})
    except (ValueError, UnicodeDecodeError):
        raise InvalidInput("The body is not valid JSON (or not UTF-8).", code="MALFORMED_JSON")
    except RecursionError:
        raise InvalidInput("The body is nested too deeply.", code="MALFORMED_JSON")
    if not isinstance(data, dict):
        raise InvalidInput("The body must be a JSON object.", code="MALFORMED_JSON")
    refuse_control_characters(data)
    return data


def refuse_control_characters(values):
    """Free text is refused at the edge, every string of a body, query or path alike."""
    unsafe = control_character_errors(values)
    if unsafe:
        raise InvalidInput("Text must not contain control characters.", details={"fields": unsafe})


def header_text(value):
    """A request header's text. Headers travel as Latin-1, so a browser sends other letters
    percent-encoded (UTF-8); a client sending raw UTF-8 bytes (curl) is read as UTF-8 too."""
    try:
        value = value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        pass
    return urllib.parse.unquote(value)


class JsonWsgiApp(WsgiApp):
    """Unknown routes and wrong methods answer in the JSON error model."""

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        adapter = self.url_map.bind_to_environ(environ)
        try:
            provider, values = adapter.match()
            request.path_values = values
            response = provider.handle_request(request)
        except HTTPException as exc:
            started = time.monotonic()
            response = with_security_headers(response_for_exception(exc))
            response.headers[REQUEST_ID_HEADER] = _request_id_from(request)
            observe_request(request.method, UNMATCHED_ROUTE, response.status_code, time.monotonic() - started)
        return response(environ, start_response)


def _request_id_from(request):
    rid = getattr(request, "request_id", None)
    if rid is None:
        supplied = request.headers.get(REQUEST_ID_HEADER, "")
        # Accept a caller's id only if it is short and printable: it ends up in logs.
        rid = supplied if 0 < len(supplied) <= 128 and supplied.isprintable() else new_request_id()
        request.request_id = rid
    return rid


class JsonWebServer(WebServer):
    def get_wsgi_app(self):
        return JsonWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, **kwargs):
        server = super().get_wsgi_server(sock, wsgi_app, **kwargs)
        # our access log (with the request id) replaces eventlet's per-request line
        server.log_output = False
        return server

    def context_data_from_headers(self, request):
        # called inside the request's span (JsonHttp.handle_request): the worker is its child
        return {REQUEST_ID_KEY: _request_id_from(request),
                tracing.TRACEPARENT_KEY: tracing.traceparent_of_current_span()}


class JsonHttp(HttpRequestHandler):
    server = JsonWebServer()

    def __init__(self, method, url, **kwargs):
        kwargs.setdefault("expected_exceptions", DomainError)
        super().__init__(method, url, **kwargs)

    def handle_request(self, request):
        started = time.monotonic()
        request_id = _request_id_from(request)
        # a caller's W3C traceparent makes this request part of the caller's trace
        parent = tracing.context_from_traceparent(request.headers.get("traceparent"))
        span = tracing.tracer().start_span(
            f"{request.method} {self.url}", context=parent, kind=SpanKind.SERVER,
            attributes={"http.request.method": request.method, "http.route": self.url,
                        "url.path": request.path, "nameko.request_id": request_id})
        token = otel_context.attach(trace.set_span_in_context(span))
        try:
            response = with_security_headers(super().handle_request(request))
            response.headers[REQUEST_ID_HEADER] = request_id
            elapsed = time.monotonic() - started
            span.set_attribute("http.response.status_code", response.status_code)
            if response.status_code >= 500:
                span.set_status(Status(StatusCode.ERROR))
            observe_request(request.method, self.url, response.status_code, elapsed)
            access_log.info(
                "%s %s -> %s in %.1f ms", request.method, request.path, response.status_code,
                elapsed * 1000, extra={"request_id": request_id},
            )
            return response
        finally:
            otel_context.detach(token)
            span.end()

    def response_from_exception(self, exc):
        return response_for_exception(exc)


@dataclass
class RouteDoc:
    method: str
    path: str
    summary: str
    tags: list
    auth: str = None
    body: object = None
    query: object = None
    responses: dict = field(default_factory=dict)
    errors: tuple = ()
    content_type: str = "application/json"
    headers: object = None
    token_optional: bool = False


def route(method, path, *, summary, tags, auth=None, body=None, query=None, responses=None,
          errors=(), content_type="application/json", headers=None, token_optional=False):
    """Declare an endpoint. ``auth`` is None or a level of ``gateway.security.LEVELS``:
    "user" (any signed-in role), "gate" (gate agent or admin), "admin".

    The handler is called as ``handler(self, request, **path_values)``; when
    ``auth`` is set, ``request.caller`` holds the verified caller
    (``id``, ``role``, ``jti``, ``exp``). ``token_optional``: a request without an
    ``Authorization`` header reaches the handler with ``request.caller`` None, and the
    handler identifies the caller another way (e.g. the ``headers`` it documents, a schema).
    """
    if auth is not None and auth not in LEVELS:
        raise ValueError(f"unknown auth level {auth!r}")

    def decorator(fn):
        @functools.wraps(fn)
        def handler(self, request, **path_values):
            refuse_control_characters({**request.args.to_dict(), **path_values})
            token_given = not token_optional or bool(request.headers.get("Authorization"))
            request.caller = self.security.require(request, auth) if auth and token_given else None
            return fn(self, request, **path_values)

        declared_errors = tuple(errors)
        if auth:
            declared_errors += (401,) if auth == "user" else (401, 403)
        handler.__route_doc__ = RouteDoc(
            method, path, summary, list(tags), auth, body, query, dict(responses or {}),
            declared_errors, content_type, headers, token_optional,
        )
        return JsonHttp.decorator(method, path)(handler)

    return decorator
