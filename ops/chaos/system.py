"""The system under test: real ``nameko run`` processes started by the stack CLI,
on their own run directory, databases, RabbitMQ vhost, gateway port and Mongo port.

Nothing here touches a developer's ``make up`` (``.run/``, port 8000, the ``/``
vhost, unprefixed databases), the test suite or the bench. Every stack command
goes through :meth:`ChaosSystem.stack`, the one place that knows the CLI.
"""
import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests

from common.config import ROOT, load_config
from common.registry import SQL_SERVICES
from ops.rabbit import amqp_uri_for, create_vhost, delete_vhost
from ops.servers import answers, free_port

ADMIN = {"email": "chaos-admin@example.com", "password": "chaos-admin-password"}
# short timers, so that what a crash leaves half-done is finished within the run
FAST_TIMERS = {
    "EXPIRY_SWEEP_SECONDS": 5,
    "PAYMENT_ANNOUNCE_GRACE_SECONDS": 10,
    "TICKET_EVENT_RELAY_SECONDS": 5,
    "TRACK_EVENT_RELAY_SECONDS": 5,
    "HOLD_TTL_SECONDS": 60,
    "ACCESS_TOKEN_TTL": 7200,
    # the chaos system shares PostgreSQL with whatever else runs: few idle connections
    "DB_POOL_SIZE": 3,
}


def say(message):
    print(f"--> {message}", flush=True)


def wait_for(predicate, timeout, interval=0.5):
    """Poll ``predicate`` until it returns something truthy; that value, or None at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            return None
        time.sleep(interval)


class StackFailed(RuntimeError):
    pass


class ChaosSystem:
    """One isolated system; ``with ChaosSystem() as system:`` starts it and always tears it down."""

    def __init__(self, run_id=None, base_dir=None, replicas=1, **overrides):
        self.run_id = run_id or uuid.uuid4().hex[:8]
        self.replicas = replicas  # nameko run processes of each domain service (REPLICAS)
        self.prefix = f"chaos_{self.run_id}_"
        self.vhost = f"chaos_{self.run_id}"
        self.run_dir = Path(base_dir or ROOT / ".run-chaos") / self.run_id
        self.gateway_address = f"127.0.0.1:{free_port()}"
        self.mongo_port = free_port()
        self.smtp_port = free_port()  # its own mail sink: chaos mail never lands in a developer's
        self.overrides = {**FAST_TIMERS, **overrides}
        self.started = False

    # -- settings -------------------------------------------------------------------

    def env(self):
        """The environment of every process of this system (services and stack commands)."""
        env = {
            "RUN_DIR": str(self.run_dir),
            "DB_PREFIX": self.prefix,
            "GATEWAY_ADDRESS": self.gateway_address,
            "AMQP_URI": amqp_uri_for(self.vhost),
            "MONGO_URI": f"mongodb://127.0.0.1:{self.mongo_port}",
            "SMTP_URI": f"smtp://127.0.0.1:{self.smtp_port}",
            "ADMIN_EMAIL": ADMIN["email"],
            "ADMIN_PASSWORD": ADMIN["password"],
            "JWT_SECRET": f"chaos-secret-{self.run_id}-{uuid.uuid4().hex}",
            "REPLICAS": str(self.replicas),
        }
        env.update({key: str(value) for key, value in self.overrides.items()})
        return env

    @property
    def config(self):
        return load_config(environ=self.env())

    @property
    def url(self):
        return f"http://{self.gateway_address}"

    # -- the stack CLI: the one place that invokes it ----------------------------------

    def stack(self, command, *args, check=True):
        """Run the operator CLI's ``command`` on this system; its output goes to RUN_DIR/stack.log."""
        self.run_dir.mkdir(parents=True, exist_ok=True)
        with open(self.run_dir / "stack.log", "ab") as log:
            done = subprocess.run(
                [sys.executable, "-m", "ops", command, *args],
                cwd=ROOT, env=dict(self._inherited_environ(), **self.env()), stdout=log, stderr=subprocess.STDOUT,
            )
        if check and done.returncode:
            raise StackFailed(f"`{command} {' '.join(args)}` failed (status {done.returncode}); "
                              f"see {self.run_dir / 'stack.log'}")
        return done.returncode

    @staticmethod
    def _inherited_environ():
        # the replica counts are the run's own (``replicas``), never a REPLICAS_<SERVICE> of the caller's shell
        return {name: value for name, value in os.environ.items() if not name.startswith("REPLICAS")}

    def up(self):
        """Start whatever of the system is not running (all of it the first time)."""
        self.stack("up", "--no-seed")

    # -- lifecycle ------------------------------------------------------------------

    def __enter__(self):
        self.started = True
        self.create_vhost()
        try:
            self.up()
        except BaseException:
            self.teardown()
            raise
        return self

    def __exit__(self, *exc):
        self.teardown()

    def teardown(self):
        """Stop every process, then drop the vhost, databases, Redis keys and Mongo files."""
        problems = []
        for step in (lambda: self.stack("down", check=False), self.stop_leftovers, self.delete_vhost,
                     self.drop_sql_databases, self.drop_redis_keys,
                     lambda: shutil.rmtree(self.run_dir / "mongo-data", ignore_errors=True)):
            try:
                step()
            except Exception as exc:  # one failed step must not keep the others from cleaning up
                problems.append(f"{type(exc).__name__}: {exc}")
        for problem in problems:
            say(f"teardown: {problem}")
        return problems

    def stop_leftovers(self):
        """Any process whose pid file is still there after ``down`` (e.g. a stuck one): SIGKILL."""
        for path in self.run_dir.glob("*.pid"):
            try:
                pid = int(path.read_text().strip())
                if self.is_our_process(pid):
                    os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError):
                pass
            path.unlink(missing_ok=True)

    def create_vhost(self):
        create_vhost(self.vhost)

    def delete_vhost(self):
        delete_vhost(self.vhost)

    def sql_database_uris(self):
        config = self.config
        return {service: config["DB_URIS"][f"{service}:Base"] for service in SQL_SERVICES}

    def drop_sql_databases(self):
        from common.sql import drop_database

        for uri in self.sql_database_uris().values():
            drop_database(uri)

    def drop_redis_keys(self):
        import redis

        client = redis.Redis.from_url(self.config["REDIS_URI"])
        try:
            keys = list(client.scan_iter(match=f"{self.prefix}*", count=500))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start:start + 500])
        finally:
            client.close()

    # -- processes ------------------------------------------------------------------

    def pid_of(self, name):
        """The pid in RUN_DIR/<name>.pid if that process is alive: a service's first replica by its name
        (``ticket``), the others numbered (``ticket.2``), ``mongo`` for the stand-in."""
        try:
            pid = int((self.run_dir / f"{name}.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if self.is_our_process(pid) else None

    def replica_names(self, service):
        """The process names of every replica of ``service`` that runs (``ticket``, ``ticket.2``, ...),
        from RUN_DIR's pid files as the stack CLI writes them (ops/processes.py)."""
        names = [path.name.removesuffix(".pid") for path in self.run_dir.glob(f"{service}*.pid")]
        names = [n for n in names if n == service or (n.partition(".")[0] == service and n.partition(".")[2].isdigit())]
        return sorted((n for n in names if self.pid_of(n)), key=lambda n: int(n.partition(".")[2] or 1))

    def is_our_process(self, pid):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            return False
        if stat.rsplit(")", 1)[1].split()[0] == "Z":
            return False
        return f"RUN_DIR={self.run_dir}".encode() in environ.split(b"\0")

    def gateway_health(self, timeout=3):
        try:
            response = requests.get(self.url + "/health", timeout=timeout)
        except requests.RequestException:
            return None
        return response

    def healthy(self):
        response = self.gateway_health()
        return response is not None and response.status_code == 200

    def mongo_answers(self):
        return answers("127.0.0.1", self.mongo_port)
