"""The pytest harness every test uses: real servers, unique databases, real services.

Fixtures (session-wide unless said otherwise):

- ``test_config``: config.yaml with a unique ``DB_PREFIX`` (databases, Redis keys),
  a fresh RabbitMQ vhost, a free gateway port, a Mongo server and an SMTP sink.
- ``mail``: that SMTP sink (``tests/helpers/mail.py``): ``mail.messages(to=...)`` is
  what the platform sent.
- ``databases``: creates the SQL databases and runs every Alembic migration;
  drops them (and the Mongo databases) at the end.
- ``system``: all seven services and the gateway in one nameko ServiceRunner,
  against those stores. ``system.http`` is a requests session on the gateway,
  ``system.rpc()`` a ClusterRpcProxy context, ``system.dispatch(...)`` publishes an event.
- ``make_system`` (function): start another, isolated system (own vhost, own gateway
  port, same databases) with config overrides and a chosen set of services;
  ``make_system(replicas=2)`` runs two of every domain service (``REPLICAS=2``).
- ``replicated_system``: like ``system``, but two of every domain service (one gateway)
  on its own vhost; ``any_system`` is ``system`` then ``replicated_system``, for the
  tests that must hold with replicas (race, saga).

Every test using one of these (or nameko's ``rabbit_config``) is marked ``integration``;
``make unit`` (``pytest -m "not integration"``) runs the rest, without any server.
"""
import contextlib
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import urlsplit

import pytest
import requests
from nameko.runners import ServiceRunner
from nameko.standalone.events import event_dispatcher
from nameko.standalone.rpc import ClusterRpcProxy

from common import registry
from common.config import load_config
from common.mongo import mongo_client, service_db_name
from common.sql import drop_database, ensure_database, service_db_uri
from ops.rabbit import amqp_uri_for, create_vhost, delete_vhost, rabbit_api  # noqa: F401 (the harness's API)
from ops.servers import answers, free_port

# Fixtures that reach a server (RabbitMQ, PostgreSQL, MariaDB, Redis, MongoDB). A test
# whose fixture closure holds one is an integration test; `make unit` runs the others.
# A test reaching a server without them says so itself: @pytest.mark.integration.
SERVER_FIXTURES = frozenset({"mongo_uri", "mail", "test_config", "databases", "system", "make_system",
                             "rabbit_manager", "replicated_system", "any_system"})
REPLICA_COUNTS = (1, 2)


@pytest.hookimpl(tryfirst=True)  # before -m deselects by marker
def pytest_collection_modifyitems(items):
    for item in items:
        if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.integration)


def service_classes(names=None):
    return [registry.BY_NAME[name].load_class() for name in (names or registry.ALL_NAMES)]


# -- Mongo -----------------------------------------------------------------------------

@pytest.fixture(scope="session")
def mongo_uri():
    """MONGO_URI if a server answers there; else a private nx-27017 for this run."""
    configured = load_config()["MONGO_URI"]
    parts = urlsplit(configured)
    if answers(parts.hostname or "127.0.0.1", parts.port or 27017):
        yield configured
        return
    port = free_port()
    data_dir = tempfile.mkdtemp(prefix="nx27017-")
    server = subprocess.Popen(
        [os.path.join(os.path.dirname(sys.executable), "nx-27017"), "-p", str(port), "--data-dir", data_dir,
         "--log-file", os.path.join(data_dir, "log"), "--pid-file", os.path.join(data_dir, "pid")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not answers("127.0.0.1", port):
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError("could not start the nx-27017 MongoDB stand-in")
        time.sleep(0.2)
    yield f"mongodb://127.0.0.1:{port}"
    server.terminate()
    server.wait(10)
    shutil.rmtree(data_dir, ignore_errors=True)


# -- SMTP ------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def mail():
    """A private SMTP sink for this run (every system of the run sends to it)."""
    from tests.helpers.mail import MailSink

    sink = MailSink(free_port()).start()
    yield sink
    sink.close()


# -- config and stores -----------------------------------------------------------------

def build_config(prefix, vhost, mongo, smtp_uri=None, **overrides):
    """The config of a test system; ``smtp_uri`` (the ``mail`` fixture's) where its mail goes."""
    environ = {
        "DB_PREFIX": prefix,
        "AMQP_URI": amqp_uri_for(vhost),
        "GATEWAY_ADDRESS": f"127.0.0.1:{free_port()}",
        "MONGO_URI": mongo,
        "JWT_SECRET": "test-secret-" + hashlib.sha256(prefix.encode()).hexdigest(),
        "ADMIN_EMAIL": "admin@example.com",
        "ADMIN_PASSWORD": "admin-test-password",
        "RPC_TIMEOUT": "5",
        # many systems share one PostgreSQL in a run: keep few idle connections each
        "DB_POOL_SIZE": "2",
        # every test signs up from 127.0.0.1: the per-address limit is tested on systems of its own
        "LIMIT_REGISTRATIONS_PER_CLIENT": "1000000",
        # ...and guesses booking references and last names from it: that throttle is tested the same way
        "BOOKING_LOOKUP_MAX_FAILURES": "1000000",
    }
    if smtp_uri:
        environ["SMTP_URI"] = smtp_uri
    environ.update({k: str(v) for k, v in overrides.items()})
    return load_config(environ=environ)


@pytest.fixture(scope="session")
def run_prefix():
    return f"t{uuid.uuid4().hex[:8]}_"


@pytest.fixture(scope="session")
def test_config(run_prefix, mongo_uri, mail):
    vhost = run_prefix + "main"
    create_vhost(vhost)
    yield build_config(run_prefix, vhost, mongo_uri, mail.uri)
    delete_vhost(vhost)


@pytest.fixture(scope="session")
def databases(test_config):
    from common.migrations import upgrade

    for service in registry.SQL_SERVICES:
        uri = service_db_uri(test_config, service)
        drop_database(uri)
        ensure_database(uri)
        upgrade(service, uri)
    yield test_config
    for service in registry.SQL_SERVICES:
        drop_database(service_db_uri(test_config, service))
    client = mongo_client(test_config)
    for service in registry.MONGO_SERVICES:
        client.drop_database(service_db_name(test_config, service))
    client.close()


# -- running systems -------------------------------------------------------------------

class System:
    """A running system: ``runners[0]`` has every service (the gateway included), each
    further runner one more replica of every domain service (``REPLICAS=N``)."""

    def __init__(self, config, runners):
        self.config = config
        self.runners = runners
        self.base_url = f"http://{config['WEB_SERVER_ADDRESS']}"
        self.http = GatewayClient(self.base_url)

    @property
    def runner(self):
        return self.runners[0]

    @property
    def replicas(self):
        return len(self.runners)

    @contextlib.contextmanager
    def rpc(self, timeout=10):
        with ClusterRpcProxy(self.config, timeout=timeout) as proxy:
            yield proxy

    def dispatch(self, service, event_type, payload):
        event_dispatcher(self.config)(service, event_type, payload)

    def container(self, service_name):
        """The first replica's container of ``service_name``."""
        return self.containers(service_name)[0]

    def containers(self, service_name):
        """Every replica's container of ``service_name``, first replica first."""
        return [c for runner in self.runners for c in runner.containers if c.service_name == service_name]


class GatewayClient(requests.Session):
    """requests.Session whose URLs are relative to the gateway."""

    def __init__(self, base_url):
        super().__init__()
        self.base_url = base_url

    def request(self, method, url, *args, **kwargs):
        kwargs.setdefault("timeout", 30)
        return super().request(method, self.base_url + url, *args, **kwargs)

    def as_user(self, token):
        client = GatewayClient(self.base_url)
        client.headers["Authorization"] = f"Bearer {token}"
        return client


def wait_for_gateway(base_url, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(base_url + "/openapi.json", timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise RuntimeError("gateway did not start")


@contextlib.contextmanager
def running_system(config, services=None, replicas=1):
    """Start ``services`` (default: all) in a ServiceRunner; with ``replicas`` > 1, that many
    more runners of the same domain services on the same vhost and stores, as ``REPLICAS``
    does with ``nameko run`` processes: every RPC queue, event queue and timer then has
    ``replicas`` consumers. The gateway runs once (it binds its port)."""
    names = list(services or registry.ALL_NAMES)
    runners = []
    try:
        for replica in range(1, replicas + 1):
            runner = ServiceRunner(config)
            for cls in service_classes(names if replica == 1 else [n for n in names if n != "gateway"]):
                runner.add_service(cls)
            runners.append(runner)
            runner.start()
        system = System(config, runners)
        if "gateway" in names:
            wait_for_gateway(system.base_url)
        yield system
    finally:
        crashed = sys.exc_info()[0] is not None
        for runner in reversed(runners):
            runner.kill() if crashed else runner.stop()


@pytest.fixture(scope="session")
def system(databases):
    with running_system(databases) as running:
        yield running


def isolated_config(run_prefix, mongo_uri, vhosts, smtp_uri=None, **overrides):
    """A config on a fresh vhost (recorded in ``vhosts`` for deletion) and the shared stores."""
    vhost = f"{run_prefix}{uuid.uuid4().hex[:6]}"
    create_vhost(vhost)
    vhosts.append(vhost)
    return build_config(run_prefix, vhost, mongo_uri, smtp_uri, **overrides)


@pytest.fixture
def make_system(databases, run_prefix, mongo_uri, mail):
    """``with make_system(services=[...], replicas=2, HOLD_TTL_SECONDS=2) as s:`` on its own vhost."""
    vhosts = []

    @contextlib.contextmanager
    def factory(services=None, replicas=1, **overrides):
        config = isolated_config(run_prefix, mongo_uri, vhosts, mail.uri, **overrides)
        with running_system(config, services, replicas=replicas) as running:
            yield running

    yield factory
    for vhost in vhosts:
        delete_vhost(vhost)


@pytest.fixture(scope="session")
def replicated_system(databases, run_prefix, mongo_uri, mail):
    """Two replicas of every domain service and one gateway, on their own vhost."""
    vhosts = []
    try:
        with running_system(isolated_config(run_prefix, mongo_uri, vhosts, mail.uri), replicas=2) as running:
            yield running
    finally:
        for vhost in vhosts:
            delete_vhost(vhost)


@pytest.fixture(scope="session", params=REPLICA_COUNTS, ids=[f"replicas={n}" for n in REPLICA_COUNTS])
def any_system(request):
    """``system``, then ``replicated_system``: a test using it runs once on each."""
    return request.getfixturevalue("system" if request.param == 1 else "replicated_system")


@pytest.fixture(params=REPLICA_COUNTS, ids=[f"replicas={n}" for n in REPLICA_COUNTS])
def replicas(request):
    """1, then 2: for tests that start their own ``make_system(replicas=replicas)``."""
    return request.param


# -- assertions shared by the test suites ------------------------------------------------

def wait_until(predicate, timeout=15.0, step=0.05, what="condition"):
    """Poll ``predicate`` until it answers something truthy; that answer is returned."""
    deadline = time.monotonic() + timeout
    while True:
        answer = predicate()
        if answer:
            return answer
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(step)


def assert_error(response, status, code=None):
    """The gateway's error model: JSON ``{error, message, details}`` with ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message", "details"}
    if code:
        assert body["error"] == code, body
    return body
