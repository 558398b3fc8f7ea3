"""The gateway's own metrics: requests by route and status, and the platform-wide
gauges read when Prometheus scrapes ``GET /metrics``.

Routes are labelled by their pattern (``/orders/<order_id>``), never the raw path, so
the number of series stays bounded whatever callers send.
"""
import logging

from kombu import Connection
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, generate_latest

from common import deadletters
from common.metrics import LATENCY_BUCKETS

log = logging.getLogger(__name__)

UNMATCHED_ROUTE = "unmatched"
HTTP_REQUESTS = Counter(
    "gateway_http_requests", "HTTP requests answered, by method, route pattern and status.",
    ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "gateway_http_request_duration_seconds", "Time to answer an HTTP request, by method and route pattern.",
    ["method", "route"], buckets=LATENCY_BUCKETS)
DEAD_LETTERS_WAITING = Gauge(
    "flight_dead_letters_waiting", "Letters in the dead-letter queue now (read at scrape; -1: unreadable).")


def observe_request(method, route, status, seconds):
    HTTP_REQUESTS.labels(method, route, str(status)).inc()
    HTTP_LATENCY.labels(method, route).observe(seconds)


def dead_letters_waiting(amqp_uri, timeout):
    """How many letters wait in the dead-letter queue: one passive declare, no message read."""
    try:
        with Connection(amqp_uri, connect_timeout=timeout, transport_options={"max_retries": 0}) as connection:
            channel = connection.channel()
            queue = deadletters.QUEUE(channel)
            return queue.queue_declare(passive=True).message_count
    except Exception as exc:  # noqa: BLE001 - a missing queue (nothing dead-lettered yet) included
        if "NOT_FOUND" in str(exc):
            return 0
        log.warning("could not read the dead-letter queue: %s", exc)
        return -1


def scrape(amqp_uri, timeout):
    """The Prometheus text exposition of this process, platform gauges refreshed."""
    DEAD_LETTERS_WAITING.set(dead_letters_waiting(amqp_uri, timeout))
    return generate_latest(REGISTRY)
