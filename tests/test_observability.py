"""Metrics and traces of a real booking (docs/operations.md: what to watch).

The test system runs every service in one process, so the gateway's ``GET /metrics``
(the process's registry) shows every service's series: the scrape here is the scrape
Prometheus makes, and the deltas are what one booking moves.
"""
import subprocess
import sys
import uuid

import pytest
import requests
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client.parser import text_string_to_metric_families

from common import tracing
from common.config import ROOT
from common.metrics import serve_metrics
from tests.helpers import wait_until
from tests.helpers.booking import customer, pay, place, schedule_flight, wait_for_status
from tests.helpers.harness import amqp_uri_for, create_vhost, delete_vhost, free_port


def scrape(system):
    response = system.http.get("/metrics")
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    return [sample for family in text_string_to_metric_families(response.text) for sample in family.samples]


def total(samples, name, **labels):
    return sum(sample.value for sample in samples
               if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()))


def test_a_booking_moves_the_series_an_operator_watches(system):
    flight_id = schedule_flight(system)
    client, _ = customer(system)
    before = scrape(system)

    order = place(client, flight_id)
    pay(client, order["id"])
    wait_for_status(client, order["id"], "TICKETED")
    assert client.get(f"/orders/{uuid.uuid4().hex}").status_code == 404
    after = wait_until(lambda: (lambda samples: samples if total(
        samples, "flight_events_published_total", service="ticket", event="tickets_issued") > total(
        before, "flight_events_published_total", service="ticket", event="tickets_issued") else None)(scrape(system)),
        what="tickets_issued to be counted")

    def moved(name, **labels):
        return total(after, name, **labels) - total(before, name, **labels)

    # the gateway: requests by route pattern and status, with their latency
    assert moved("gateway_http_requests_total", method="POST", route="/orders", status="201") == 1
    assert moved("gateway_http_requests_total", method="POST", route="/orders/<order_id>/pay", status="201") == 1
    assert moved("gateway_http_request_duration_seconds_count", method="POST", route="/orders") == 1
    # RPC calls and event handlers by method, with latency histograms
    assert moved("nameko_entrypoint_calls_total", service="order", kind="rpc", entrypoint="place_order",
                 outcome="ok") == 1
    assert moved("nameko_entrypoint_duration_seconds_count", service="ticket", kind="rpc",
                 entrypoint="hold_seats") >= 1
    assert moved("nameko_entrypoint_duration_seconds_bucket", service="ticket", entrypoint="hold_seats",
                 le="+Inf") >= 1
    assert moved("nameko_entrypoint_calls_total", service="order", kind="event",
                 entrypoint="handle_payment_succeeded", outcome="ok") >= 1
    # errors by type: a missing order is an expected answer, told apart from faults
    assert moved("nameko_entrypoint_errors_total", service="order", entrypoint="get_order", error="NotFound",
                 expected="true") == 1
    # business figures: the facts the services announced
    assert moved("flight_events_published_total", service="order", event="order_created") == 1
    assert moved("flight_events_published_total", service="payment", event="payment_succeeded") == 1
    assert moved("flight_events_published_total", service="order", event="order_paid") == 1
    assert moved("flight_events_published_total", service="ticket", event="tickets_issued") == 1
    # read at scrape time: nothing dead-lettered by this booking, and the queue was readable
    assert total(after, "flight_dead_letters_waiting") >= 0


def test_metrics_port_serves_the_registry_of_the_process():
    port = free_port()
    serve_metrics(port)
    body = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert "nameko_entrypoint_calls_total" in body or "# HELP nameko_entrypoint_calls" in body
    assert serve_metrics(port) is serve_metrics(port), "one server per port and process"


@pytest.fixture
def spans():
    exporter = InMemorySpanExporter()
    tracing.configure_tracing().add_span_processor(SimpleSpanProcessor(exporter))
    yield exporter
    exporter.shutdown()  # the provider keeps its processors: stop this one collecting


def spans_of_trace(exporter, trace_id):
    return [span for span in exporter.get_finished_spans() if span.context.trace_id == trace_id]


def test_one_trace_from_post_orders_through_order_and_ticket(system, spans):
    flight_id = schedule_flight(system)
    client, _ = customer(system)
    request_id = f"trace-{uuid.uuid4().hex[:12]}"
    order = client.post("/orders", json={"flight_id": flight_id, "passengers": [{"name": "Ada Lovelace"}]},
                        headers={"X-Request-ID": request_id})
    assert order.status_code == 201, order.text

    http_span = wait_until(lambda: next((s for s in spans.get_finished_spans()
                                         if s.attributes.get("nameko.request_id") == request_id
                                         and s.name == "POST /orders"), None), what="the HTTP span")
    trace_id = http_span.context.trace_id

    def named(*names):
        found = {span.name: span for span in spans_of_trace(spans, trace_id)}
        return found if set(names) <= set(found) else None

    found = wait_until(lambda: named("gateway.place_order", "order.place_order", "ticket.hold_seats"),
                       what="the order's and ticket's spans in the request's trace")
    # one chain: HTTP -> gateway worker -> order (RPC) -> ticket (RPC)
    assert found["gateway.place_order"].parent.span_id == http_span.context.span_id
    assert found["order.place_order"].parent.span_id == found["gateway.place_order"].context.span_id
    assert found["ticket.hold_seats"].parent.span_id == found["order.place_order"].context.span_id
    services = {span.attributes.get("nameko.service") for span in spans_of_trace(spans, trace_id)}
    assert {"gateway", "order", "ticket"} <= services
    assert all(span.attributes.get("nameko.request_id") == request_id for span in found.values())


def test_events_continue_the_trace_and_a_callers_traceparent_is_honoured(system, spans):
    flight_id = schedule_flight(system)
    client, _ = customer(system)
    order = place(client, flight_id)
    trace_id = uuid.uuid4().hex
    traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    paid = client.post(f"/orders/{order['id']}/pay", json={
        "card_number": "4242424242424242", "expiry": "12/39", "cvc": "123", "holder": "Ada Lovelace"},
        headers={"traceparent": traceparent})
    assert paid.status_code == 201, paid.text

    def handled():
        found = spans_of_trace(spans, int(trace_id, 16))
        kinds = {(span.attributes.get("nameko.service"), span.attributes.get("nameko.entrypoint_kind"))
                 for span in found}
        return found if {("payment", "rpc"), ("order", "event"), ("ticket", "event")} <= kinds else None

    found = wait_until(handled, what="payment's RPC and the events it set off, in the caller's trace")
    consumers = [span for span in found if span.attributes.get("nameko.entrypoint_kind") == "event"]
    assert any(span.attributes.get("messaging.source.name") == "payment.payment_succeeded" for span in consumers)


def test_ops_probe_is_the_readiness_check_of_an_rpc_service(system):
    environ = {"PATH": "/usr/bin:/bin", "AMQP_URI": system.config["AMQP_URI"], "HEALTH_TIMEOUT": "5"}
    ready = subprocess.run([sys.executable, "-m", "ops", "probe", "ticket"], capture_output=True, text=True,
                           cwd=ROOT, env=environ, timeout=60)
    assert ready.returncode == 0, ready.stderr
    assert ready.stdout.strip() == "ticket: ok"
    # a vhost of its own where no service runs: not ready, with the reason
    vhost = f"probe{uuid.uuid4().hex[:8]}"
    create_vhost(vhost)
    try:
        missing = subprocess.run([sys.executable, "-m", "ops", "probe", "payment"], capture_output=True, text=True,
                                 cwd=ROOT, env={**environ, "AMQP_URI": amqp_uri_for(vhost), "HEALTH_TIMEOUT": "1"},
                                 timeout=60)
    finally:
        delete_vhost(vhost)
    assert missing.returncode != 0
    assert "payment did not answer health" in missing.stderr
