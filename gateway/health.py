"""``GET /health``: every domain service probed over RPC at once, each bounded.

The answer says up or down and how fast, nothing more: why a service is down goes
to the gateway's log, never to an anonymous caller (exception text names hosts,
queues and versions)."""
import logging
import time

import eventlet

from common.registry import DOMAIN_SERVICES
from gateway.schemas import HealthSchema

log = logging.getLogger(__name__)

UP, DOWN = "up", "down"


def probe(rpc, service, timeout):
    started = time.monotonic()
    try:
        getattr(rpc, service).health.call_async().result(timeout)
    except Exception as exc:  # any failure means "down"; the reason is logged
        log.warning("health: %s is down: %s: %s", service, type(exc).__name__, exc)
        return {"status": DOWN}
    return {"status": UP, "latency_ms": round((time.monotonic() - started) * 1000, 1)}


def platform_health(rpc, timeout, services=DOMAIN_SERVICES):
    """``(answer, healthy)``: the answer is dumped by ``HealthSchema``."""
    pool = eventlet.GreenPool(len(services))
    probes = dict(zip(services, pool.imap(lambda service: probe(rpc, service, timeout), services)))
    healthy = all(state["status"] == UP for state in probes.values())
    answer = {"status": "ok" if healthy else "degraded", "services": probes}
    return HealthSchema().dump(answer), healthy
