"""The harness's replicas (``make_system(replicas=2)``, ``replicated_system``) are what
``REPLICAS=2 make up`` runs: on one vhost and one set of stores, every RPC queue and every
event queue of every domain service has two consumers, and every timer (sweeps, outbox
relays, payment settlement) runs in both. The race and saga tests run on it through
``any_system`` / ``replicas`` (tests/test_booking_*.py, tests/test_saga_*.py)."""
import contextlib
from urllib.parse import quote, urlsplit

import requests
from nameko.events import EventHandler
from nameko.rpc import Rpc
from nameko.timer import Timer

from common import registry
from tests.helpers import wait_until
from tests.helpers.harness import rabbit_api


def vhost_of(system):
    return urlsplit(system.config["AMQP_URI"]).path.lstrip("/")


def consumers(system, queues):
    """``{queue: consumers}`` of ``queues`` on the system's vhost, from RabbitMQ's management API
    (a queue nobody declared shows as None)."""
    base, auth = rabbit_api()
    listed = requests.get(f"{base}/api/queues/{quote(vhost_of(system), safe='')}", auth=auth, timeout=10,
                          params={"columns": "name,consumers"})
    listed.raise_for_status()
    found = {q["name"]: q.get("consumers") for q in listed.json()}
    return {name: found.get(name) for name in queues}


def service_queues(system):
    """The queues the first replica's containers consume: each service's RPC queue and one
    queue per event handler (nameko's ``evt-<source>-<event>--<service>.<method>``)."""
    names = set()
    for service in registry.DOMAIN_SERVICES:
        for entrypoint in system.container(service).entrypoints:
            if isinstance(entrypoint, Rpc):
                names.add(f"rpc-{service}")
            elif isinstance(entrypoint, EventHandler):
                names.add(f"evt-{entrypoint.source_service}-{entrypoint.event_type}--{service}."
                          f"{entrypoint.method_name}")
    return names


def test_every_service_queue_has_one_consumer_per_replica(replicated_system):
    system = replicated_system
    assert system.replicas == 2
    queues = service_queues(system)
    assert {f"rpc-{name}" for name in registry.DOMAIN_SERVICES} <= queues
    assert any(name.startswith("evt-order-order_paid--ticket.") for name in queues), queues
    with contextlib.suppress(AssertionError):  # the management API's figures lag a little
        wait_until(lambda: consumers(system, queues) == dict.fromkeys(queues, 2), timeout=30, step=1,
                   what="two consumers on every queue")
    assert consumers(system, queues) == dict.fromkeys(queues, 2)


def test_every_timer_runs_in_both_replicas(replicated_system):
    for service in registry.DOMAIN_SERVICES:
        containers = replicated_system.containers(service)
        assert len(containers) == 2, service
        timers = [sorted(e.method_name for e in c.entrypoints if isinstance(e, Timer)) for c in containers]
        assert timers[0] == timers[1], (service, timers)
        # a timer runs while its greenthread does: the container started it and nothing killed it
        for container in containers:
            for timer in (e for e in container.entrypoints if isinstance(e, Timer)):
                assert timer.gt is not None and not timer.gt.dead, (service, timer.method_name)
    assert replicated_system.containers("gateway") == [replicated_system.container("gateway")]
