"""OpenTelemetry traces across HTTP -> RPC -> events.

Every nameko worker runs inside a span (``common.logs.TracedContainer`` opens it); the
span's W3C ``traceparent`` goes into the worker's context data beside the request id,
and nameko forwards context data with every RPC call and event the worker makes, so
the worker at the other end opens its span as a child: one trace per request, across
every service it reaches. The gateway's HTTP layer opens the request's SERVER span
and honours a caller's ``traceparent`` header.

Spans are always made (log lines carry the trace id); they leave the process only
when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set (OTLP over HTTP, batched).
"""
import contextlib
import logging
import os
import threading

from nameko.events import EventHandler
from nameko.rpc import Rpc
from nameko.timer import Timer
from nameko.web.handlers import HttpRequestHandler
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, Status, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

TRACEPARENT_KEY = "traceparent"
TRACER_NAME = "flight-platform"
_propagator = TraceContextTextMapPropagator()
_configured = threading.Lock()
_provider = None
log = logging.getLogger(__name__)


def configure_tracing(otlp_endpoint=""):
    """Install this process's tracer provider once; returns it.

    ``otlp_endpoint`` (config ``OTEL_EXPORTER_OTLP_ENDPOINT``): the collector's base URL,
    e.g. ``http://otel-collector:4318``; empty: spans are made but not exported."""
    global _provider
    with _configured:
        if _provider is None:
            name = os.environ.get("OTEL_SERVICE_NAME") or TRACER_NAME
            _provider = TracerProvider(resource=Resource.create({"service.name": name}))
            if otlp_endpoint:
                _provider.add_span_processor(BatchSpanProcessor(_otlp_exporter(otlp_endpoint)))
                log.info("exporting traces over OTLP to %s", otlp_endpoint)
            trace.set_tracer_provider(_provider)
        return _provider


def _otlp_exporter(endpoint):
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    url = endpoint.rstrip("/")
    return OTLPSpanExporter(endpoint=url if url.endswith("/v1/traces") else url + "/v1/traces")


def tracer():
    return trace.get_tracer(TRACER_NAME)


def traceparent_of_current_span():
    carrier = {}
    _propagator.inject(carrier)
    return carrier.get(TRACEPARENT_KEY)


def context_from_traceparent(traceparent):
    return _propagator.extract({TRACEPARENT_KEY: traceparent} if traceparent else {})


def current_trace_id():
    """The current span's trace id (32 hex digits), or "-" outside any span."""
    span_context = trace.get_current_span().get_span_context()
    return format(span_context.trace_id, "032x") if span_context.is_valid else "-"


def entrypoint_kind(entrypoint):
    """``(label, SpanKind)`` of a nameko entrypoint: rpc, event, timer, http or other."""
    if isinstance(entrypoint, Rpc):
        return "rpc", SpanKind.SERVER
    if isinstance(entrypoint, EventHandler):
        return "event", SpanKind.CONSUMER
    if isinstance(entrypoint, Timer):
        return "timer", SpanKind.INTERNAL
    if isinstance(entrypoint, HttpRequestHandler):
        # the gateway's HTTP layer already opened the request's SERVER span
        return "http", SpanKind.INTERNAL
    return "other", SpanKind.INTERNAL


@contextlib.contextmanager
def worker_span(worker_ctx, request_id):
    """The worker's span, current for the worker's duration. Its ``traceparent``
    replaces the caller's in the worker's context data, so what the worker calls or
    publishes becomes its child."""
    entrypoint = worker_ctx.entrypoint
    kind_label, kind = entrypoint_kind(entrypoint)
    service = worker_ctx.service_name
    parent = context_from_traceparent(worker_ctx.data.get(TRACEPARENT_KEY))
    attributes = {
        "nameko.service": service,
        "nameko.entrypoint": entrypoint.method_name,
        "nameko.entrypoint_kind": kind_label,
        "nameko.request_id": request_id,
    }
    if kind_label == "rpc":
        attributes.update({"rpc.system": "nameko", "rpc.service": service, "rpc.method": entrypoint.method_name})
    elif kind_label == "event":
        attributes.update({"messaging.system": "rabbitmq", "messaging.operation": "process",
                           "messaging.source.name": f"{entrypoint.source_service}.{entrypoint.event_type}"})
    span = tracer().start_span(f"{service}.{entrypoint.method_name}", context=parent, kind=kind,
                               attributes=attributes)
    token = otel_context.attach(trace.set_span_in_context(span))
    try:
        worker_ctx.data[TRACEPARENT_KEY] = traceparent_of_current_span()
        yield span
    finally:
        otel_context.detach(token)
        span.end()


def record_outcome(span, exc_info, expected=()):
    """Mark ``span`` failed with the worker's exception (``exc_info`` as nameko passes it).
    An expected error (a taken seat, a declined card) is an answer: named, not a failure."""
    if not exc_info or not span.is_recording():
        return
    exc = exc_info[1]
    if isinstance(exc, expected):
        span.set_attribute("nameko.expected_error", type(exc).__name__)
        return
    span.record_exception(exc)
    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
