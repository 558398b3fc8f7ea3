"""Correlation ids in the logs: one id per request, in every worker it reaches.

The capture handler is built from config.yaml's own LOGGING formatter and
``common.logs.RequestIdFilter``, so the lines checked here are the lines an
operator reads in ``make logs``.
"""
import contextlib
import logging
import uuid

from nameko.events import EventDispatcher, event_handler
from nameko.runners import ServiceRunner
from nameko.standalone.rpc import ClusterRpcProxy
from nameko.testing.services import entrypoint_waiter

from common.config import load_config
from common.entrypoints import rpc
from common.logs import RequestContext, RequestIdFilter
from common.registry import DOMAIN_SERVICES
from tests.helpers.harness import build_config, create_vhost, delete_vhost

probe_log = logging.getLogger("tests.logging_probe")


class LineCollector(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []
        self.setFormatter(logging.Formatter(load_config()["LOGGING"]["formatters"]["default"]["format"]))
        self.addFilter(RequestIdFilter())

    def emit(self, record):
        self.lines.append(self.format(record))

    def tagged(self, request_id):
        return [line for line in self.lines if f"[req={request_id}]" in line]


@contextlib.contextmanager
def collected_lines(*logger_names):
    collector = LineCollector()
    loggers = [logging.getLogger(name) for name in logger_names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.DEBUG)
        logger.addHandler(collector)
    try:
        yield collector
    finally:
        for logger, level in zip(loggers, levels):
            logger.removeHandler(collector)
            logger.setLevel(level)


def test_config_logging_puts_the_request_id_in_every_line():
    logging_config = load_config()["LOGGING"]
    assert "%(request_id)s" in logging_config["formatters"]["default"]["format"]
    assert logging_config["filters"]["request_id"]["()"] == "common.logs.RequestIdFilter"
    assert "request_id" in logging_config["handlers"]["console"]["filters"]


def test_request_id_reaches_the_gateway_log_and_every_service_it_calls(system):
    request_id = f"log-{uuid.uuid4().hex[:12]}"
    # nameko logs "calling handler for <WorkerContext [svc.method]>" inside each worker,
    # after the worker's dependencies (RequestContext among them) are set up
    with collected_lines("gateway.access", "nameko.containers") as collector:
        response = system.http.get("/health", headers={"X-Request-ID": request_id})
    assert response.status_code == 200, response.text
    assert response.headers["X-Request-ID"] == request_id
    lines = collector.tagged(request_id)
    assert any("gateway.access" in line and "GET /health -> 200" in line for line in lines), collector.lines[-20:]
    assert any("[gateway.health]" in line for line in lines)
    for service in DOMAIN_SERVICES:
        assert any(f"[{service}.health]" in line for line in lines), f"{service} did not log with {request_id}"


def test_a_fresh_id_is_made_when_the_caller_sends_none(system):
    with collected_lines("gateway.access") as collector:
        response = system.http.get("/health")
    made = response.headers["X-Request-ID"]
    assert len(made) == 32
    assert any("GET /health" in line for line in collector.tagged(made))


# -- the mechanism, on two small services of its own: RPC in, event out ----------------

class ProbeSender:
    name = "logprobe_sender"
    request_id = RequestContext()
    dispatch = EventDispatcher()

    @rpc
    def work(self):
        probe_log.info("sender working")
        self.dispatch("probed", {"step": 1})
        return self.request_id


class ProbeReceiver:
    name = "logprobe_receiver"
    request_id = RequestContext()

    @event_handler("logprobe_sender", "probed")
    def on_probed(self, payload):
        probe_log.info("receiver got step %s", payload["step"])


@contextlib.contextmanager
def probe_system(run_prefix, mongo_uri):
    vhost = f"{run_prefix}logs{uuid.uuid4().hex[:6]}"
    create_vhost(vhost)
    config = build_config(run_prefix, vhost, mongo_uri)
    runner = ServiceRunner(config)
    runner.add_service(ProbeSender)
    runner.add_service(ProbeReceiver)
    runner.start()
    try:
        yield config, next(c for c in runner.containers if c.service_name == "logprobe_receiver")
    finally:
        runner.stop()
        delete_vhost(vhost)


def call_and_wait(config, receiver, context_data):
    with ClusterRpcProxy(config, timeout=10, context_data=context_data) as proxy:
        with entrypoint_waiter(receiver, "on_probed", timeout=10):
            return proxy.logprobe_sender.work()


def test_request_id_travels_in_context_data_over_rpc_and_events(run_prefix, mongo_uri):
    request_id = f"ctx-{uuid.uuid4().hex[:12]}"
    with probe_system(run_prefix, mongo_uri) as (config, receiver):
        with collected_lines("tests.logging_probe") as collector:
            seen_by_sender = call_and_wait(config, receiver, {"request_id": request_id})
            made_by_sender = call_and_wait(config, receiver, {})
    assert seen_by_sender == request_id
    assert [line.rsplit("] ", 1)[1] for line in collector.tagged(request_id)] == [
        "sender working", "receiver got step 1"]
    # a call without an id gets one in the first worker, and its event carries that one
    assert made_by_sender and made_by_sender != request_id
    assert len(collector.tagged(made_by_sender)) == 2
