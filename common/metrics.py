"""Prometheus metrics: what every worker does, and the business facts it announces.

``metrics = Metrics()`` in a service class records each worker (RPC call, event
handler, timer, HTTP request) by entrypoint: a count by outcome, a latency histogram,
and errors by exception type. It also counts every event the worker publishes, by
type: every business fact of this platform is announced as an event (an order paid
or expired, tickets issued, a payment captured or refunded), so these counters are
the business figures, incremented where the facts happen.

Each process serves its registry over HTTP on ``METRICS_PORT`` (0: not served; in a
cluster every pod has its own port space, so one port fits all). The gateway also
answers ``GET /metrics`` on its own port, with the platform-wide gauges it reads at
scrape time (``gateway.metrics``).
"""
import logging
import threading
import time

from nameko.events import EventDispatcher
from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Gauge, Histogram, start_http_server

from common.config import Settings
from common.tracing import entrypoint_kind

log = logging.getLogger(__name__)

# seconds; RPC answers are tens of milliseconds, a saga step or a sweep may take seconds
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

WORKERS = Counter(
    "nameko_entrypoint_calls", "Workers run, by service, entrypoint and outcome (ok, expected_error, error).",
    ["service", "kind", "entrypoint", "outcome"])
LATENCY = Histogram(
    "nameko_entrypoint_duration_seconds", "How long a worker ran, by service and entrypoint.",
    ["service", "kind", "entrypoint"], buckets=LATENCY_BUCKETS)
ERRORS = Counter(
    "nameko_entrypoint_errors", "Workers that raised, by exception type (expected: a domain answer).",
    ["service", "kind", "entrypoint", "error", "expected"])
IN_FLIGHT = Gauge("nameko_workers_in_flight", "Workers running now.", ["service"])
EVENTS_PUBLISHED = Counter(
    "flight_events_published", "Events published, by the service announcing them and their type.",
    ["service", "event"])
DEAD_LETTERS = Counter(
    "flight_dead_letters", "Events moved to the dead-letter queue, by the consuming service and event.",
    ["service", "event"])
OUTBOX_BACKLOG = Gauge(
    "flight_outbox_backlog", "Events committed but not yet published, at the last relay sweep.",
    ["service"])
OUTBOX_RELAYED = Counter(
    "flight_outbox_relayed", "Events the outbox relay had to publish late (a crash or an outage in between).",
    ["service"])

_served = {}
_serving = threading.Lock()


def serve_metrics(port):
    """Serve this process's registry on ``port`` (once per process; 0: don't)."""
    if not port:
        return None
    with _serving:
        if port not in _served:
            _served[port] = start_http_server(port)
            log.info("serving Prometheus metrics on :%d/metrics", port)
        return _served[port]


class Metrics(DependencyProvider):
    """Records every worker of the service it is declared on; see the module's doc."""

    def setup(self):
        self.service_name = self.container.service_name
        serve_metrics(Settings.from_config(self.container.config).metrics_port)
        self._started = {}
        self._dispatchers = [
            provider.attr_name for provider in self.container.dependencies
            if isinstance(provider, EventDispatcher)
        ]

    def worker_setup(self, worker_ctx):
        self._started[worker_ctx] = time.perf_counter()
        IN_FLIGHT.labels(self.service_name).inc()
        # dependencies are injected before worker_setup: count what this worker publishes
        for attr_name in self._dispatchers:
            dispatch = getattr(worker_ctx.service, attr_name)
            setattr(worker_ctx.service, attr_name, self._counting(dispatch))

    def _counting(self, dispatch):
        service = self.service_name

        def dispatch_and_count(event_type, event_data):
            dispatch(event_type, event_data)
            EVENTS_PUBLISHED.labels(service, event_type).inc()

        return dispatch_and_count

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self._started.pop(worker_ctx, None)
        IN_FLIGHT.labels(self.service_name).dec()
        entrypoint = worker_ctx.entrypoint
        kind = entrypoint_kind(entrypoint)[0]
        labels = (self.service_name, kind, entrypoint.method_name)
        if started is not None:
            LATENCY.labels(*labels).observe(time.perf_counter() - started)
        if exc_info is None:
            outcome = "ok"
        else:
            expected = isinstance(exc_info[1], entrypoint.expected_exceptions)
            outcome = "expected_error" if expected else "error"
            ERRORS.labels(*labels, type(exc_info[1]).__name__, str(expected).lower()).inc()
        WORKERS.labels(*labels, outcome).inc()

    def get_dependency(self, worker_ctx):
        return None
