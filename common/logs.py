"""Correlation ids: one id per request, carried across RPC calls and events.

The gateway takes ``X-Request-ID`` (or makes one) and puts it in the worker's
nameko context data; nameko forwards context data with every RPC call and event,
so each service worker sees the same id. ``RequestContext`` (a dependency every
service declares) exposes it to logging for the duration of the worker.
``TracedContainer`` also runs every worker in an OpenTelemetry span whose context
travels the same way (``common.tracing``), so every line names its trace too.

``LOG_FORMAT`` (config.yaml's LOGGING) picks the line format: ``text`` for people,
``json`` (one object a line, with ``request_id`` and ``trace_id``) for log pipelines.
"""
import json
import logging
import uuid
from datetime import UTC, datetime

from eventlet.corolocal import local
from nameko.containers import ServiceContainer
from nameko.extensions import DependencyProvider

from common import tracing

REQUEST_ID_KEY = "request_id"
_current = local()


def new_request_id():
    return uuid.uuid4().hex


def current_request_id():
    return getattr(_current, "request_id", "-")


class RequestIdFilter(logging.Filter):
    """Adds ``%(request_id)s`` and ``%(trace_id)s`` to every log record (configured in
    config.yaml)."""

    def filter(self, record):
        # a record may carry its own id (the gateway's access log, written
        # outside any worker, passes it in ``extra``)
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        if not hasattr(record, "trace_id"):
            record.trace_id = tracing.current_trace_id()
        return True


LOG_FORMATS = ("text", "json")


def formatter(format, log_format="text"):
    """config.yaml's formatter factory: ``format`` for ``text``, one JSON object a line
    for ``json``."""
    if log_format not in LOG_FORMATS:
        raise ValueError(f"LOG_FORMAT is {log_format!r}: it must be one of {', '.join(LOG_FORMATS)}")
    return JsonFormatter() if log_format == "json" else logging.Formatter(format)


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request and trace ids."""

    def format(self, record):
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
            "trace_id": getattr(record, "trace_id", "-"),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            line["exception"] = record.exc_text
        return json.dumps(line, default=str)


class QuietExpectedErrors(logging.Filter):
    """nameko logs every expected error (a declined card, a taken seat) with its
    traceback; they are answers, not faults, so keep the one line and drop the trace."""

    def filter(self, record):
        if record.name == "nameko.containers" and str(record.msg).startswith("(expected)"):
            record.exc_info = None
            record.exc_text = None
        return True


class RequestContext(DependencyProvider):
    """Binds the worker's correlation id for logging; returns it to the service.

    Workers started by a timer or a message without an id get a fresh one, so what
    they publish is still traceable.
    """

    def worker_setup(self, worker_ctx):
        _current.request_id = self._ensure_id(worker_ctx)

    @staticmethod
    def _ensure_id(worker_ctx):
        request_id = worker_ctx.context_data.get(REQUEST_ID_KEY)
        if not request_id:
            request_id = new_request_id()
            # ``context_data`` is a copy; ``data`` is what nameko forwards on calls and events
            worker_ctx.data[REQUEST_ID_KEY] = request_id
        return request_id

    def worker_teardown(self, worker_ctx):
        _current.request_id = "-"

    def get_dependency(self, worker_ctx):
        # nameko injects dependencies before worker_setup: make the id here too
        return self._ensure_id(worker_ctx)


class TracedContainer(ServiceContainer):
    """Every worker starts with a correlation id and runs in a span (config
    ``SERVICE_CONTAINER_CLS``).

    Both must exist before nameko injects dependencies: ``EventDispatcher`` takes
    its message headers at injection time, so an id or a trace context made later
    (in ``RequestContext.worker_setup``) would not travel with the events a worker
    publishes.
    """

    def __init__(self, service_cls, config):
        super().__init__(service_cls, config)
        tracing.configure_tracing(config.get("OTEL_EXPORTER_OTLP_ENDPOINT") or "")

    def spawn_worker(self, entrypoint, args, kwargs, context_data=None, handle_result=None):
        if not (context_data or {}).get(REQUEST_ID_KEY):
            context_data = {**(context_data or {}), REQUEST_ID_KEY: new_request_id()}
        return super().spawn_worker(entrypoint, args, kwargs, context_data=context_data, handle_result=handle_result)

    def _run_worker(self, worker_ctx, handle_result):
        with tracing.worker_span(worker_ctx, worker_ctx.data.get(REQUEST_ID_KEY)) as span:
            worker_ctx.span = span
            super()._run_worker(worker_ctx, handle_result)

    def _worker_result(self, worker_ctx, result, exc_info):
        tracing.record_outcome(worker_ctx.span, exc_info, worker_ctx.entrypoint.expected_exceptions)
        super()._worker_result(worker_ctx, result, exc_info)
