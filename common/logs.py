"""Correlation ids: one id per request, carried across RPC calls and events.

The gateway takes ``X-Request-ID`` (or makes one) and puts it in the worker's
nameko context data; nameko forwards context data with every RPC call and event,
so each service worker sees the same id. ``RequestContext`` (a dependency every
service declares) exposes it to logging for the duration of the worker.
"""
import logging
import uuid

from eventlet.corolocal import local
from nameko.containers import ServiceContainer
from nameko.extensions import DependencyProvider

REQUEST_ID_KEY = "request_id"
_current = local()


def new_request_id():
    return uuid.uuid4().hex


def current_request_id():
    return getattr(_current, "request_id", "-")


class RequestIdFilter(logging.Filter):
    """Adds ``%(request_id)s`` to every log record (configured in config.yaml)."""

    def filter(self, record):
        # a record may carry its own id (the gateway's access log, written
        # outside any worker, passes it in ``extra``)
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


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
    """Every worker starts with a correlation id (config ``SERVICE_CONTAINER_CLS``).

    The id must exist before nameko injects dependencies: ``EventDispatcher`` takes
    its message headers at injection time, so an id made later (in
    ``RequestContext.worker_setup``) would not travel with the events a
    timer-started worker publishes.
    """

    def spawn_worker(self, entrypoint, args, kwargs, context_data=None, handle_result=None):
        if not (context_data or {}).get(REQUEST_ID_KEY):
            context_data = {**(context_data or {}), REQUEST_ID_KEY: new_request_id()}
        return super().spawn_worker(entrypoint, args, kwargs, context_data=context_data, handle_result=handle_result)
