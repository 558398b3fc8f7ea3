"""The faults: each one is injected into a running system, then repaired the way an
operator's supervisor would (the stack's ``up`` restarts what is not running), or
not at all when the system must heal by itself (lost connections)."""
import abc
import dataclasses
import os
import signal
import time
from urllib.parse import quote

import requests

from ops.chaos.system import wait_for
from ops.rabbit import rabbit_api


@dataclasses.dataclass
class Fault(abc.ABC):
    kind: str
    label: str
    # how long the fault is left in place, under load, before it is repaired
    outage_seconds: float = 5.0

    @abc.abstractmethod
    def inject(self, system):
        """Break something; returns a dict of what was done (ids, counts) for the record."""

    def repair(self, system):  # noqa: B027 (a hook: most faults heal by themselves)
        """What a supervisor does once the fault is noticed; nothing by default."""


@dataclasses.dataclass
class KillServices(Fault):
    """SIGKILL of processes named as in RUN_DIR: ``ticket`` (the first replica), ``ticket.2``
    (the second), or ``ticket.*`` (every replica of ticket that runs)."""

    services: tuple = ()

    def targets(self, system):
        names = []
        for target in self.services:
            service, _, replica = target.partition(".")
            names += system.replica_names(service) if replica == "*" else [target]
        return names

    def inject(self, system):
        killed = {}
        for name in self.targets(system):
            pid = system.pid_of(name)
            if pid is None:
                raise RuntimeError(f"{name} is not running before its kill")
            os.kill(pid, signal.SIGKILL)
            killed[name] = pid
        for name, pid in killed.items():
            if wait_for(lambda pid=pid: not system.is_our_process(pid), 10, 0.1) is None:
                raise RuntimeError(f"{name} (pid {pid}) survived SIGKILL")
        return {"killed": killed}

    def repair(self, system):
        system.up()


@dataclasses.dataclass
class CloseAmqpConnections(Fault):
    """Every AMQP connection of the system's vhost closed by the broker: nothing restarts anything
    (``outage_seconds`` is then the load that runs on the reconnecting system before the checks)."""

    def inject(self, system):
        base, auth = rabbit_api()
        listed = requests.get(f"{base}/api/vhosts/{quote(system.vhost, safe='')}/connections",
                              auth=auth, timeout=10)
        listed.raise_for_status()
        names = [c["name"] for c in listed.json() if c.get("vhost") == system.vhost]
        closed = 0
        for name in names:
            response = requests.delete(f"{base}/api/connections/{quote(name, safe='')}", auth=auth, timeout=10,
                                       headers={"X-Reason": "chaos: connection closed on purpose"})
            closed += response.status_code in (200, 204)
        return {"connections": len(names), "closed": closed}


@dataclasses.dataclass
class TerminatePostgresBackends(Fault):
    """Every PostgreSQL backend of the system's databases terminated: the pools must reconnect."""

    def inject(self, system):
        import psycopg2

        uris = system.sql_database_uris()
        names = [uri.rsplit("/", 1)[1].split("?")[0] for uri in uris.values() if uri.startswith("postgresql")]
        server = next(uri for uri in uris.values() if uri.startswith("postgresql")).rsplit("/", 1)[0]
        connection = psycopg2.connect(server + "/postgres")
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT datname, pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = ANY(%s) AND pid <> pg_backend_pid()", (names,))
                rows = cursor.fetchall()
        finally:
            connection.close()
        per_database = {}
        for name, done in rows:
            per_database[name] = per_database.get(name, 0) + bool(done)
        return {"terminated": sum(per_database.values()), "per_database": per_database}


@dataclasses.dataclass
class StopMongo(Fault):
    """The Mongo stand-in stopped (SIGTERM, SIGKILL after a grace) and started again by ``up``."""

    def inject(self, system):
        pid = system.pid_of("mongo")
        if pid is None:
            raise RuntimeError("the Mongo stand-in is not running (no live RUN_DIR/mongo.pid)")
        os.kill(pid, signal.SIGTERM)
        how = "SIGTERM"
        if wait_for(lambda: not system.is_our_process(pid), 10, 0.1) is None:
            os.kill(pid, signal.SIGKILL)
            how = "SIGKILL"
            wait_for(lambda: not system.is_our_process(pid), 10, 0.1)
        if wait_for(lambda: not system.mongo_answers(), 10, 0.1) is None:
            raise RuntimeError(f"something still answers on the Mongo port {system.mongo_port}")
        return {"stopped": pid, "signal": how}

    def repair(self, system):
        started = time.monotonic()
        system.up()  # `up` starts the stand-in when nothing answers on MONGO_URI
        if not system.mongo_answers():
            raise RuntimeError(f"`up` did not bring the Mongo stand-in back ({time.monotonic() - started:.0f}s)")


def kill(*services, outage_seconds=5.0):
    """SIGKILL of ``services`` (process names: ``order``, ``order.2``, ``order.*``) together."""
    return KillServices(kind="sigkill", label="SIGKILL " + "+".join(services), services=services,
                        outage_seconds=outage_seconds)


def store_faults():
    return [
        CloseAmqpConnections(kind="amqp_connections_closed", label="close every AMQP connection"),
        TerminatePostgresBackends(kind="pg_backends_terminated", label="pg_terminate_backend on every backend"),
        StopMongo(kind="mongo_stopped", label="stop and restart the Mongo server"),
    ]


def full_plan(replicas=1):
    """Every fault of issue 11, one at a time, then several services together. With
    replicas: one replica of a service (the others carry on), one replica of several
    services together, every replica of one service, then every replica of all four."""
    if replicas == 1:
        return [kill("ticket"), kill("order"), kill("payment"), kill("track"), *store_faults(),
                kill("ticket", "order", "payment", "track")]
    return [
        kill("ticket.2"), kill("order"), kill("payment.2"), kill("track"),
        kill("payment.*"), kill("order.*"),
        *store_faults(),
        kill("ticket", "order.2", "payment", "track.2"),
        kill("ticket.*", "order.*", "payment.*", "track.*"),
    ]


def quick_plan(replicas=1):
    """The part `make test` runs: one multi-service kill and the broker dropping everyone
    (with replicas: one replica of order and every replica of payment)."""
    services = ("order", "payment") if replicas == 1 else ("order.2", "payment.*")
    return [
        kill(*services, outage_seconds=3.0),
        CloseAmqpConnections(kind="amqp_connections_closed", label="close every AMQP connection",
                             outage_seconds=3.0),
    ]


PLANS = {"full": full_plan, "quick": quick_plan}
